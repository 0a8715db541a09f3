"""Shipped custom-field presets (INFO-8): education, investment, delivery.

``kehu customfields preset NAME`` and the button on the custom-field page install one through
``services.custom_fields_install_preset`` (idempotent: keys already defined are left alone). Labels
are Chinese with an English label beside them, like every definition.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from kehu.customers.models import AppliesTo, FieldType
from kehu.policy.evaluators.suitability import CUSTOMER_LEVELS

RISK_LEVEL_KEY = "risk_level"


@dataclass(frozen=True)
class Preset:
    name: str
    label: object
    fields: tuple[dict, ...]


def _f(key, label, label_en, type_, **extra) -> dict:
    return {"key": key, "label": label, "label_en": label_en, "type": type_, "applies_to": AppliesTo.BOTH, **extra}


EDUCATION = Preset("education", _("教育培训"), (
    _f("student_name", "学员姓名", "Student", FieldType.TEXT, max_value=50),
    _f("student_grade", "学员年级", "Grade", FieldType.CHOICE,
       choices=["学前", "小学", "初中", "高中", "大学", "成人"]),
    _f("parent_name", "家长姓名", "Parent", FieldType.TEXT, max_value=50, applies_to=AppliesTo.INDIVIDUAL),
    _f("parent_mobile", "家长手机", "Parent's mobile", FieldType.MOBILE, applies_to=AppliesTo.INDIVIDUAL),
    _f("courses", "报读课程", "Courses", FieldType.TEXTAREA, help_text="每行一门课程：课程名称、班级、开课日期"),
    _f("fee_records", "缴费记录", "Fee records", FieldType.TEXTAREA,
       help_text="每行一笔：日期、金额（元）、收据号"),
))

INVESTMENT = Preset("investment", _("投资理财"), (
    _f(RISK_LEVEL_KEY, "风险承受能力等级", "Risk tolerance", FieldType.CHOICE, choices=list(CUSTOMER_LEVELS),
       help_text="C1 保守型、C2 谨慎型、C3 稳健型、C4 积极型、C5 激进型；以最近一次风险测评为准"),
    _f("risk_assessed_on", "风险测评日期", "Risk assessed on", FieldType.DATE),
    _f("investment_preference", "投资偏好", "Investment preference", FieldType.MULTICHOICE,
       choices=["固定收益", "权益类", "混合类", "商品及金融衍生品", "另类投资"]),
    _f("investment_horizon", "投资期限", "Investment horizon", FieldType.CHOICE,
       choices=["1 年以内", "1–3 年", "3–5 年", "5 年以上"]),
))

DELIVERY = Preset("delivery", _("物流配送"), (
    _f("monthly_order_volume", "月订单量", "Monthly orders", FieldType.INTEGER, min_value=0),
    _f("delivery_routes", "配送线路", "Routes", FieldType.TEXTAREA, help_text="每行一条线路"),
    _f("delivery_window", "收货时段", "Delivery window", FieldType.CHOICE, choices=["上午", "下午", "晚间", "不限"]),
))

PRESETS = {p.name: p for p in (EDUCATION, INVESTMENT, DELIVERY)}
