"""Rules as readable Chinese tables: one row per setting, labelled from the schema, with the
predecessor's value beside any setting the version changed."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N
from pydantic import BaseModel

from kehu.core.i18n import join_list
from kehu.policy import schemas

_FIXED_LABELS = {
    "urgent": N("紧急"), "high": N("高"), "medium": N("中"), "low": N("低"),
    "web": N("网页录入"), "api": N("接口"), "import": N("批量导入"), "claim": N("公海领取"),
    "block": N("阻止"), "warn": N("警告"), "working": N("工作日历（法定节假日与调休）"), "24x7": N("全天候（24×7）"),
    "month": N("每月"), "quarter": N("每季度"), "half_year": N("每半年"), "year": N("每年"), "owner": N("客户负责人"),
    "manager": N("直属上级"),
}


# Free-text fields are shown as written, never looked up as codes.
_TEXT_FIELDS = {"code", "name", "name_zh", "name_en"}


@dataclass(frozen=True)
class Row:
    path: str  # dotted path in the rules JSON, as in validation errors and the audit trail
    label: str  # "退回规则 › 无跟进退回公海"
    value: str
    old: str | None = None  # the predecessor's value when it differs
    changed: bool = False


@dataclass(frozen=True)
class SectionTable:
    name: str
    label: str
    rows: list[Row]

    @property
    def changed_count(self) -> int:
        return sum(row.changed for row in self.rows)


class Labeller:
    """Names for the codes that appear as keys and values: tiers, roles, priorities, entry points."""

    def __init__(self, rules: schemas.PolicyRules, role_names: dict[str, str]):
        self.names: dict[str, str] = {code: _(label) for code, label in _FIXED_LABELS.items()}
        self.names.update(role_names)
        for code, scheme in rules.tiers.schemes.items():
            self.names[code] = scheme.name
            self.names.update({tier.code: tier.display_name for tier in scheme.tiers})

    def code(self, code: Any) -> str:
        return self.names.get(str(code), str(code))

    def value(self, value: Any, unit: str = "") -> str:
        if value is None:
            return _("不启用")
        if isinstance(value, bool):
            return _("是") if value else _("否")
        if isinstance(value, Decimal):
            text = f"{value.normalize():,f}"
        elif isinstance(value, int):
            text = f"{value:,}"
        elif isinstance(value, list):
            return join_list(self.code(item) for item in value) or _("无")
        elif isinstance(value, dict):
            return _("无")  # only empty maps reach here; filled ones become rows
        else:
            return self.code(value)
        return f"{text} {_(unit)}".strip() if unit else text


def _unit(field) -> str:
    extra = field.json_schema_extra or {}
    return extra.get("unit", "") if isinstance(extra, dict) else ""


def _walk(obj: Any, path: str, labels: list[str], unit: str, names: Labeller, out: list[Row]) -> None:
    if isinstance(obj, BaseModel):
        for name, field in type(obj).model_fields.items():
            _walk(getattr(obj, name), f"{path}.{name}", [*labels, _(field.title or name)], _unit(field), names, out)
    elif isinstance(obj, dict) and obj:
        for key, value in obj.items():
            _walk(value, f"{path}.{key}", [*labels, names.code(key)], unit, names, out)
    elif isinstance(obj, list) and obj and isinstance(obj[0], BaseModel):
        for index, item in enumerate(obj):
            title = getattr(item, "display_name", None) or str(index + 1)
            _walk(item, f"{path}.{index}", [*labels, title], unit, names, out)
    else:
        raw = path.rsplit(".", 1)[-1] in _TEXT_FIELDS
        out.append(Row(path=path, label=" › ".join(labels), value=str(obj) if raw else names.value(obj, unit)))


def section_rows(name: str, section: BaseModel, names: Labeller) -> list[Row]:
    rows: list[Row] = []
    for field_name, field in type(section).model_fields.items():
        _walk(getattr(section, field_name), f"{name}.{field_name}", [_(field.title or field_name)],
              _unit(field), names, rows)
    return rows


def _compare(row: Row, before: dict[str, Row]) -> Row:
    old = before.get(row.path)
    if old is None:
        return replace(row, old=_("（新增）"), changed=True)
    if old.value != row.value:
        return replace(row, old=old.value, changed=True)
    return row


def tables(rules: schemas.PolicyRules, role_names: dict[str, str],
           previous: schemas.PolicyRules | None = None) -> list[SectionTable]:
    """Every section as a table; with ``previous``, changed rows carry the old value."""
    names = Labeller(rules, role_names)
    old_names = Labeller(previous, role_names) if previous else None
    result = []
    for name in schemas.SECTIONS:
        rows = section_rows(name, rules.section(name), names)
        if previous is not None:
            before = {row.path: row for row in section_rows(name, previous.section(name), old_names)}
            now = {row.path for row in rows}
            rows = [_compare(row, before) for row in rows]
            rows += [Row(path, old.label, _("（删除）"), old.value, changed=True)
                     for path, old in before.items() if path not in now]
        result.append(SectionTable(name, schemas.section_label(name), rows))
    return result
