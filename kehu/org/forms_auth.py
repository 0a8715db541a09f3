"""Forms of the sign-in, second-factor and password pages. They check shape only; the services
decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kehu.org.forms import BootstrapForm


def _secret(autocomplete: str, **attrs) -> forms.PasswordInput:
    return forms.PasswordInput(attrs={"autocomplete": autocomplete, **attrs})


class LoginForm(BootstrapForm):
    username = forms.CharField(label=_("用户名"), max_length=150,
                               widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}))
    # No max_length below a passphrase's: 64+ characters are accepted untruncated (AUTH-2).
    password = forms.CharField(label=_("密码"), max_length=4096, strip=False, widget=_secret("current-password"))


class CodeForm(BootstrapForm):
    code = forms.CharField(label=_("验证码"), max_length=32, widget=forms.TextInput(
        attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}))


class PasswordChangeForm(BootstrapForm):
    old_password = forms.CharField(label=_("当前密码"), strip=False, max_length=4096,
                                   widget=_secret("current-password", autofocus=True))
    new_password1 = forms.CharField(label=_("新密码"), strip=False, max_length=4096, widget=_secret("new-password"))
    new_password2 = forms.CharField(label=_("再次输入新密码"), strip=False, max_length=4096,
                                    widget=_secret("new-password"))

    def clean(self):
        data = super().clean()
        if data.get("new_password1") and data.get("new_password2") and data["new_password1"] != data["new_password2"]:
            self.add_error("new_password2", _("两次输入的新密码不一致。"))
        return data
