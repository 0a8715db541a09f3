"""How every validator in this package says "no": a Django ValidationError naming the rule."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError


def refuse(message: str, *, code: str, rule: str, **params: Any) -> ValidationError:
    """A ValidationError whose ``params["rule"]`` names the failed rule, so callers (the importer's
    row report, the API's error details) can branch on it without parsing the message."""
    return ValidationError(message, code=code, params={"rule": rule, **params})


def first_illegal(value: str, allowed: str) -> str | None:
    """The first character of ``value`` that is not in ``allowed``, if any."""
    return next((ch for ch in value if ch not in allowed), None)
