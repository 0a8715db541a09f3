"""Password rules beyond Django's own validators (SECURITY.md AUTH-2, profile mlps3)."""

from __future__ import annotations

import secrets
import string

from django.contrib.auth.hashers import check_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def character_classes(password: str) -> int:
    classes = [
        any(c.islower() for c in password if c in string.ascii_letters),
        any(c.isupper() for c in password if c in string.ascii_letters),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    ]
    return sum(classes)


class CharacterClassValidator:
    """At least N of: lower-case letters, upper-case letters, digits, symbols."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        if character_classes(password) < self.min_classes:
            raise ValidationError(
                _("密码须包含大写字母、小写字母、数字、符号中的至少 %(n)d 类。") % {"n": self.min_classes},
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return _("包含大写字母、小写字母、数字、符号中的至少 %(n)d 类。") % {"n": self.min_classes}


class HistoryValidator:
    """The current and last N-1 earlier passwords may not be used again."""

    def __init__(self, remember: int = 5):
        self.remember = remember

    def validate(self, password: str, user=None) -> None:
        if user is None or not getattr(user, "pk", None):
            return
        earlier = [user.password] + list(
            user.password_history.values_list("password", flat=True)[: self.remember - 1]
        )
        if any(encoded and check_password(password, encoded) for encoded in earlier):
            raise ValidationError(
                _("不能使用最近 %(n)d 次用过的密码。") % {"n": self.remember}, code="password_reused"
            )

    def get_help_text(self) -> str:
        return _("不能与最近 %(n)d 次用过的密码相同。") % {"n": self.remember}


# No look-alikes (0/O, 1/l/I) and no characters HTML or a shell would escape (& < > " ' ` \\ $):
# the password is read off a screen once and typed by hand.
_GENERATED_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI") + "!#%+-=?@^_*"


def random_password(user=None, *, length: int = 16) -> str:
    """A password shown once (initial, reset, first admin): all four classes and every configured validator."""
    while True:
        candidate = "".join(secrets.choice(_GENERATED_ALPHABET) for _ in range(length))
        if character_classes(candidate) < 4:
            continue
        try:
            validate_password(candidate, user)
        except ValidationError:
            continue
        return candidate
