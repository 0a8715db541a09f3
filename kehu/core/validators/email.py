"""E-mail addresses: Django's EmailValidator (RFC 5321/5322 subset, IDN domains) after width folding."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext as _

from kehu.core.validators._errors import refuse
from kehu.core.validators.width import normalize_width

CODE = "email_invalid"

_django_email = EmailValidator()


def validate_email(value: str) -> str:
    """Validate an e-mail address and return it half-width with the domain in lower case.

    The local part keeps its case: RFC 5321 §2.4 lets a server treat it as case-sensitive; the domain is
    case-insensitive (RFC 1035), so lower-casing it makes equal addresses compare equal.
    """
    address = normalize_width(value)
    try:
        _django_email(address)
    except ValidationError:
        raise refuse(_("电子邮箱格式不正确，例如 name@example.com。"), code=CODE, rule="format") from None
    local, _at, domain = address.rpartition("@")
    return f"{local}@{domain.lower()}"


def is_valid_email(value: str) -> bool:
    """True when ``validate_email`` accepts ``value``."""
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True
