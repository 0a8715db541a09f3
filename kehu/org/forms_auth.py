"""Forms of the sign-in, second-factor and password pages. They check shape only; the services
decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class LoginForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150)
    # No max_length below a passphrase's: 64+ characters are accepted untruncated (AUTH-2).
    password = forms.CharField(label=_("密码"), max_length=4096, strip=False, widget=forms.PasswordInput)


class CodeForm(forms.Form):
    code = forms.CharField(label=_("验证码"), max_length=32)


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_("当前密码"), strip=False, max_length=4096,
                                   widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    new_password1 = forms.CharField(label=_("新密码"), strip=False, max_length=4096,
                                    widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    new_password2 = forms.CharField(label=_("再次输入新密码"), strip=False, max_length=4096,
                                    widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("new_password1") and data.get("new_password2") and data["new_password1"] != data["new_password2"]:
            self.add_error("new_password2", _("两次输入的新密码不一致。"))
        return data
