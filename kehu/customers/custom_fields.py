"""Custom fields of the archive (INFO-8, 针对性原则): the definitions in force, and THE one function
that checks values whatever door they come in by — the customer form, the API and the import.

Values live in ``Customer.custom`` as JSON: text, choice, date ("YYYY-MM-DD"), mobile and e-mail as
strings, integers as numbers, decimals as canonical strings ("12.5"), yes/no as booleans and
multiple choices as lists. Mobile and e-mail values are personal data: shown masked (PI-4) and
never filterable by URL (WEB-7).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kehu.core import masking, validators
from kehu.core.errors import DomainError
from kehu.core.i18n import join_list
from kehu.customers.models import AppliesTo, CustomField, FieldType

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
TEXT_TYPES = (FieldType.TEXT, FieldType.TEXTAREA)
CHOICE_TYPES = (FieldType.CHOICE, FieldType.MULTICHOICE)
NUMBER_TYPES = (FieldType.INTEGER, FieldType.DECIMAL)
PERSONAL_TYPES = (FieldType.MOBILE, FieldType.EMAIL)
MAX_LENGTH = {FieldType.TEXT: 200, FieldType.TEXTAREA: 2000}
TRUE_WORDS = {"是", "yes", "y", "true", "1", "on"}
FALSE_WORDS = {"否", "no", "n", "false", "0", "off"}
SEPARATORS = re.compile(r"[,，、;；\n]+")
FILTER_PREFIX = "cf_"
CACHE_KEY = "kehu:customers:custom_fields"
CACHE_SECONDS = 60


# --- the definitions in force ------------------------------------------------------------------


def definitions(*, include_inactive: bool = False) -> list[CustomField]:
    """Every definition in display order, from the cache (pages showing custom values pay no query);
    the services drop the cache when a definition changes."""
    rows = cache.get(CACHE_KEY)
    if rows is None:
        rows = list(CustomField.objects.order_by("order", "id"))
        cache.set(CACHE_KEY, rows, CACHE_SECONDS)
    return rows if include_inactive else [f for f in rows if f.active]


def forget_definitions() -> None:
    cache.delete(CACHE_KEY)


def by_key(fields: list[CustomField]) -> dict[str, CustomField]:
    return {f.key: f for f in fields}


# --- one value ---------------------------------------------------------------------------------


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _choices_text(field: CustomField) -> str:
    return join_list(field.choices)


def _bounded(field: CustomField, number: Decimal) -> None:
    if field.min_value is not None and number < Decimal(str(field.min_value)):
        raise ValidationError(_("不能小于 %(n)s。") % {"n": _plain(field.min_value)}, code="min_value")
    if field.max_value is not None and number > Decimal(str(field.max_value)):
        raise ValidationError(_("不能大于 %(n)s。") % {"n": _plain(field.max_value)}, code="max_value")


def _plain(number) -> str:
    """12.500000 → "12.5", 100 → "100" (never "1E+2")."""
    return format(Decimal(str(number)).normalize(), "f")


def _text(field: CustomField, value: Any) -> str:
    if not isinstance(value, str):
        raise ValidationError(_("须为文本。"), code="type")
    text = validators.normalize_width(value).strip() if field.type == FieldType.TEXT else value.strip()
    low = int(field.min_value) if field.min_value is not None else 0
    high = min(int(field.max_value), MAX_LENGTH[field.type]) if field.max_value is not None else MAX_LENGTH[field.type]
    if len(text) < low:
        raise ValidationError(_("至少 %(n)d 个字。") % {"n": low}, code="min_length")
    if len(text) > high:
        raise ValidationError(_("最多 %(n)d 个字，当前 %(length)d 个。") % {"n": high, "length": len(text)},
                              code="max_length")
    if field.regex and not re.fullmatch(field.regex, text):
        raise ValidationError(_("格式不符合要求（%(regex)s）。") % {"regex": field.regex}, code="regex")
    return text


def _number(field: CustomField, value: Any) -> int | str:
    wrong = ValidationError(_("须为整数。") if field.type == FieldType.INTEGER else _("须为数字。"), code="type")
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise wrong
    text = validators.normalize_width(value).strip().replace(",", "") if isinstance(value, str) else str(value)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise wrong from None
    if not number.is_finite() or (field.type == FieldType.INTEGER and number != number.to_integral_value()):
        raise wrong
    _bounded(field, number)
    return int(number) if field.type == FieldType.INTEGER else _plain(number)


DATE_PATTERN = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]00:00(?::00)?)?$")


def _date(value: Any) -> str:
    """2026-09-01, 2026/9/1, 2026年9月1日 (and a spreadsheet's "2026-09-01 00:00:00") → "2026-09-01"."""
    if isinstance(value, dt.date):
        return value.isoformat()
    refusal = ValidationError(_("须为日期，格式 YYYY-MM-DD。"), code="date")
    found = DATE_PATTERN.match(validators.normalize_width(str(value)).strip())
    if not found:
        raise refusal
    try:
        return dt.date(*(int(part) for part in found.groups())).isoformat()
    except ValueError:
        raise refusal from None


def _one_choice(field: CustomField, value: Any) -> str:
    text = validators.normalize_width(str(value)).strip()
    if text not in field.choices:
        raise ValidationError(_("“%(value)s”不是可选项；可选：%(choices)s。")
                              % {"value": text, "choices": _choices_text(field)}, code="choice")
    return text


def _choices(field: CustomField, value: Any) -> list[str]:
    items = SEPARATORS.split(value) if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise ValidationError(_("须为选项列表。"), code="type")
    picked = {_one_choice(field, item) for item in items if not _empty(item)}
    return [choice for choice in field.choices if choice in picked]


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = validators.normalize_width(str(value)).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValidationError(_("须为“是”或“否”。"), code="boolean")


def parse_value(field: CustomField, value: Any) -> Any:
    """The stored form of one non-empty ``value`` for ``field``; ValidationError naming the rule."""
    kind = field.type
    if kind in TEXT_TYPES:
        return _text(field, value)
    if kind in NUMBER_TYPES:
        return _number(field, value)
    if kind == FieldType.DATE:
        return _date(value)
    if kind == FieldType.CHOICE:
        return _one_choice(field, value)
    if kind == FieldType.MULTICHOICE:
        return _choices(field, value)
    if kind == FieldType.BOOLEAN:
        return _boolean(value)
    if not isinstance(value, str):
        raise ValidationError(_("须为文本。"), code="type")
    return (validators.validate_mobile if kind == FieldType.MOBILE else validators.validate_email)(value)


# --- THE function -------------------------------------------------------------------------------


def clean_custom(raw: Mapping[str, Any], *, kind: str, fields: list[CustomField],
                 existing: Mapping[str, Any] | None = None) -> tuple[dict, dict[str, str]]:
    """Check a customer's custom values ``raw`` ({key: value}) against the active ``fields``.

    Returns (values to store, errors {key: the rule broken}). Values of keys that are no longer
    active fields are kept from ``existing`` untouched (deactivating a field loses no data); a key
    that is neither an active field nor such a kept value is an error, as is a value for a field
    that does not apply to the customer's kind. Empty values are not stored."""
    active = by_key([f for f in fields if f.active])
    existing = dict(existing or {})
    values = {k: v for k, v in existing.items() if k not in active}
    errors: dict[str, str] = {}
    for key, value in raw.items():
        if key not in active and not (key in existing and existing[key] == value):
            errors[key] = _("没有这个自定义字段（或已停用）：%(key)s。") % {"key": key}
    for key, field in active.items():
        value = raw.get(key)
        if _empty(value):
            if field.required and field.applies(kind):
                errors[key] = _("此项为必填项。")
            continue
        if not field.applies(kind):
            if key in existing and existing[key] == value:
                values[key] = value  # kept from before the customer changed kind; not shown while it does not apply
                continue
            errors[key] = (_("该字段只适用于企业客户。") if field.applies_to == AppliesTo.ENTERPRISE
                           else _("该字段只适用于个人客户。"))
            continue
        try:
            values[key] = parse_value(field, value)
        except ValidationError as exc:
            errors[key] = exc.messages[0]
    return values, errors


def labelled_errors(errors: dict[str, str], fields: list[CustomField]) -> dict[str, str]:
    """{key: "label：rule"} for messages shown away from the field (API, command line)."""
    names = {f.key: f.display_label for f in fields}
    return {key: _("%(label)s：%(value)s") % {"label": names.get(key, key), "value": message}
            for key, message in errors.items()}


# --- showing values ----------------------------------------------------------------------------


def display(field: CustomField, value: Any) -> str:
    """A stored value as a reader sees it: yes/no words, lists joined, personal data masked."""
    if value is None or value == "" or value == []:
        return ""
    if field.type == FieldType.BOOLEAN:
        return str(_("是")) if value else str(_("否"))
    if field.type == FieldType.MULTICHOICE and isinstance(value, list):
        return join_list(value)
    if field.type == FieldType.MOBILE:
        return masking.mask_mobile(str(value))
    if field.type == FieldType.EMAIL:
        return masking.mask_email(str(value))
    return str(value)


def shown_values(customer, fields: list[CustomField]) -> list[tuple[CustomField, str]]:
    """(field, shown value) for the active fields that apply to the customer and hold a value."""
    custom = customer.custom or {}
    return [(f, display(f, custom[f.key])) for f in fields
            if f.applies(customer.kind) and not _empty(custom.get(f.key))]


def masked_dict(custom: Mapping[str, Any], fields: list[CustomField]) -> dict:
    """The custom values for the API: personal ones masked, values of inactive fields left out."""
    active = by_key(fields)
    return {key: (display(active[key], value) if active[key].type in PERSONAL_TYPES else value)
            for key, value in (custom or {}).items() if key in active}


# --- filtering the list (page and API) ---------------------------------------------------------


def filterable(fields: list[CustomField]) -> list[CustomField]:
    """Fields a list may filter on: personal ones are not (their value would sit in the URL, WEB-7)."""
    return [f for f in fields if f.type not in PERSONAL_TYPES]


def filters_from(params: Mapping[str, str], fields: list[CustomField]) -> tuple[tuple, dict[str, str]]:
    """The ``cf_<key>=value`` parameters as ((key, value), …) and errors {parameter: message}."""
    allowed = by_key(filterable(fields))
    pairs, errors = [], {}
    for name, value in params.items():
        if not name.startswith(FILTER_PREFIX) or _empty(value):
            continue
        key = name[len(FILTER_PREFIX):]
        field = allowed.get(key)
        if field is None:
            errors[name] = _("不能按此字段筛选：%(key)s。") % {"key": key}
            continue
        try:
            parse_value(field, value)
        except ValidationError as exc:
            errors[name] = _("%(label)s：%(value)s") % {"label": field.display_label, "value": exc.messages[0]}
            continue
        pairs.append((key, value))
    return tuple(pairs), errors


def apply_filters(rows: QuerySet, pairs: tuple, fields: list[CustomField]) -> QuerySet:
    """Narrow ``rows`` by custom values: substring for text, exact for everything else, "has this
    option" for multiple choice. JSON lookups differ by engine: PostgreSQL asks jsonb containment;
    SQLite, which has no JSON ``contains``, matches the option's quoted JSON text in the array."""
    allowed = by_key(filterable(fields))
    for key, raw in pairs:
        field = allowed.get(key)
        if field is None:
            continue
        value = parse_value(field, raw)
        path = f"custom__{key}"
        if field.type in TEXT_TYPES:
            rows = rows.filter(**{f"{path}__icontains": value})
        elif field.type == FieldType.MULTICHOICE:
            for option in value:
                if connection.vendor == "postgresql":
                    rows = rows.filter(**{f"{path}__contains": [option]})
                else:
                    rows = rows.filter(**{f"{path}__icontains": _json_string(option)})
        else:
            rows = rows.filter(**{path: value})
    return rows


def _json_string(option: str) -> str:
    """The option as it appears inside the stored JSON array text (Django writes ASCII-escaped JSON)."""
    import json

    return json.dumps(option)


# --- definitions (the admin pages and the presets) ----------------------------------------------


def check_definition(data: dict, *, creating: bool) -> dict:
    """A definition's own rules; DomainError naming the input at fault."""
    data = dict(data)
    if creating:
        key = (data.get("key") or "").strip()
        if not KEY_PATTERN.match(key):
            raise DomainError("bad_key", _("字段键须以小写字母开头，只含小写字母、数字和下划线，最长 40 个字符。"), field="key")
        if CustomField.objects.filter(key=key).exists():
            raise DomainError("key_taken", _("字段键“%(key)s”已被使用。") % {"key": key}, field="key")
        data["key"] = key
    if not (data.get("label") or "").strip():
        raise DomainError("label_required", _("请填写字段名称。"), field="label")
    kind = data.get("type")
    choices = [c.strip() for c in data.get("choices") or [] if c and c.strip()]
    data["choices"] = list(dict.fromkeys(choices))
    if kind in CHOICE_TYPES and not data["choices"]:
        raise DomainError("choices_required", _("单选、多选字段须至少有一个选项。"), field="choices")
    if kind not in CHOICE_TYPES:
        data["choices"] = []
    if any(len(c) > 50 for c in data["choices"]):
        raise DomainError("choice_too_long", _("每个选项不超过 50 个字。"), field="choices")
    low, high = data.get("min_value"), data.get("max_value")
    if kind not in (*NUMBER_TYPES, *TEXT_TYPES):
        data["min_value"] = data["max_value"] = None
    elif low is not None and high is not None and low > high:
        raise DomainError("bad_range", _("最小值不能大于最大值。"), field="min_value")
    elif kind in TEXT_TYPES and any(v is not None and (v < 0 or v != int(v)) for v in (low, high)):
        raise DomainError("bad_length", _("文本字段的最小值、最大值是字数，须为非负整数。"), field="min_value")
    regex = (data.get("regex") or "").strip()
    if regex and kind not in TEXT_TYPES:
        raise DomainError("regex_text_only", _("正则表达式只适用于文本字段。"), field="regex")
    if regex:
        try:
            re.compile(regex)
        except re.error as exc:
            raise DomainError("bad_regex", _("正则表达式有误：%(error)s") % {"error": exc}, field="regex") from exc
    data["regex"] = regex
    return data
