"""Validators for the identifiers a Chinese CRM collects, one module per standard.

Each ``validate_*`` takes the raw input (any width, any case, with the separators people type), returns
the canonical value to store, and raises ``django.core.exceptions.ValidationError`` with a Chinese
message naming the rule that failed. They are plain one-argument callables, so they also serve as
Django model/form field validators (``validators=[validate_credit_code]``) and are importable by path
in migrations. Each has a boolean ``is_valid_*`` twin for filters and checks that only need a yes/no.
"""

from kehu.core.validators.credit_code import is_valid_credit_code, validate_credit_code
from kehu.core.validators.email import is_valid_email, validate_email
from kehu.core.validators.phone import is_valid_mobile, is_valid_phone, validate_mobile, validate_phone
from kehu.core.validators.resident_id import (
    FEMALE,
    MALE,
    is_valid_resident_id,
    resident_id_birthdate,
    resident_id_gender,
    validate_resident_id,
)
from kehu.core.validators.width import normalize_width

__all__ = [
    "FEMALE",
    "MALE",
    "is_valid_credit_code",
    "is_valid_email",
    "is_valid_mobile",
    "is_valid_phone",
    "is_valid_resident_id",
    "normalize_width",
    "resident_id_birthdate",
    "resident_id_gender",
    "validate_credit_code",
    "validate_email",
    "validate_mobile",
    "validate_phone",
    "validate_resident_id",
]
