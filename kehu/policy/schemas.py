"""The rules of a policy version, one Pydantic model per section (POL-1).

A version's ``rules`` JSON is ``{section name: section rules}``. Every field's default is the
value REQUIREMENTS.md marks *default*, so ``PolicyRules()`` *is* the default policy; values the
requirements leave to the policy (churn signals, loyalty rates, …) carry a reasonable start.

Labels and units are marked with ``gettext_noop`` and translated where they are shown, so the
schema stays plain Python (Pydantic needs ``str`` titles) while the strings reach the catalogue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise
from typing import Annotated, Any, Literal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from kehu.core.i18n import join_list, pick

# --- value types -------------------------------------------------------------------------------
PositiveInt = Annotated[StrictInt, Field(gt=0)]
NonNegativeInt = Annotated[StrictInt, Field(ge=0)]
Money = Annotated[Decimal, Field(ge=0, max_digits=16, decimal_places=2)]  # CNY
Percent = Annotated[Decimal, Field(ge=0, le=100, decimal_places=4)]
Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]

# Ticket priorities and the entry points of the duplicate check, fixed by the application.
PRIORITIES = ("urgent", "high", "medium", "low")
Priority = Literal["urgent", "high", "medium", "low"]
ENTRY_POINTS = ("web", "api", "import", "claim")
EntryPoint = Literal["web", "api", "import", "claim"]


def rule(default: Any = ..., label: str = "", unit: str = "", **kwargs) -> Any:
    """A policy field: its default (``...``: required), a Chinese label (marked for translation) and a unit for display."""
    if callable(default):
        kwargs["default_factory"] = default
    else:
        kwargs["default"] = default
    return Field(title=label, json_schema_extra={"unit": unit}, **kwargs)


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- tiers (CLS-1) -----------------------------------------------------------------------------
class Tier(Section):
    code: Code = rule(label=N("等级编码"))
    name_zh: str = rule(label=N("中文名称"), min_length=1, max_length=20)
    name_en: str = rule(label=N("英文名称"), min_length=1, max_length=40)
    designatable: StrictBool = rule(False, N("可经审批指定"))
    min_annual_sales: Money | None = rule(None, N("年销售额不低于"), N("元"))
    min_revenue_share_percent: Percent | None = rule(None, N("占公司收入高于"), "%")
    requires_deal: StrictBool = rule(True, N("须已成交"))

    @property
    def display_name(self) -> str:
        return pick(self.name_zh, self.name_en)

    @property
    def is_fallback(self) -> bool:
        return not self.designatable and self.min_annual_sales is None and self.min_revenue_share_percent is None


class TierScheme(Section):
    name: str = rule(label=N("方案名称"), min_length=1, max_length=40)
    tiers: list[Tier] = rule(label=N("等级（自上而下依次判断）"), min_length=1)

    @model_validator(mode="after")
    def _check(self):
        codes = [tier.code for tier in self.tiers]
        if len(set(codes)) != len(codes):
            raise ValueError(_("等级编码不能重复"))
        last = self.tiers[-1]
        if not (last.is_fallback and not last.requires_deal):
            raise ValueError(_("最后一个等级必须是兜底等级：不设门槛、不要求成交，使每个客户都有等级"))
        return self


def _standard_scheme() -> TierScheme:
    return TierScheme(name="标准方案", tiers=[
        Tier(code="strategic", name_zh="战略客户", name_en="Strategic", designatable=True,
             min_revenue_share_percent=Decimal("5")),
        Tier(code="key", name_zh="重点客户", name_en="Key", min_annual_sales=Decimal("20000000"),
             min_revenue_share_percent=Decimal("3")),
        Tier(code="major", name_zh="主要客户", name_en="Major", min_annual_sales=Decimal("5000000")),
        Tier(code="general", name_zh="一般客户", name_en="General"),
        Tier(code="potential", name_zh="潜在客户", name_en="Potential", requires_deal=False),
    ])


def _abc_scheme() -> TierScheme:
    # The A/B/C alternative (CLS-1): the same thresholds folded into three classes.
    return TierScheme(name="ABC 分类", tiers=[
        Tier(code="a", name_zh="A 类客户", name_en="Class A", designatable=True,
             min_annual_sales=Decimal("20000000"), min_revenue_share_percent=Decimal("3")),
        Tier(code="b", name_zh="B 类客户", name_en="Class B", min_annual_sales=Decimal("5000000")),
        Tier(code="c", name_zh="C 类客户", name_en="Class C", requires_deal=False),
    ])


class TiersRules(Section):
    schemes: dict[Code, TierScheme] = rule(lambda: {"standard": _standard_scheme(), "abc": _abc_scheme()},
                                           N("分级方案"))
    scheme: Code = rule("standard", N("启用的分级方案"))

    @field_validator("scheme")
    @classmethod
    def _known_scheme(cls, value: str, info: ValidationInfo) -> str:
        if "schemes" in info.data and value not in info.data["schemes"]:
            raise ValueError(_("分级方案“%(scheme)s”未定义") % {"scheme": value})
        return value

    @property
    def active(self) -> TierScheme:
        return self.schemes[self.scheme]

    @property
    def codes(self) -> list[str]:
        return [tier.code for tier in self.active.tiers]

    def tier(self, code: str) -> Tier | None:
        return next((tier for tier in self.active.tiers if tier.code == code), None)


# --- visits (REL-2) ----------------------------------------------------------------------------
# A cadence is a calendar period (Asia/Shanghai): "monthly" means once in every calendar month, so the
# compliance figure "strategic customers visited this month" counts the calendar month, not the last 30 days.
PERIODS = ("month", "quarter", "half_year", "year")
Period = Literal["month", "quarter", "half_year", "year"]
# The visitor of a rule: the customer's owner, or a role code (resolved per customer: the owner when they hold
# the role, else a holder of the role in the owner's department, then company; kehu/engagement/visits.py).
OWNER = "owner"


def _visit_cadence() -> dict[str, dict[str, str]]:
    return {
        # REL-2: top management every 6 months, key-account manager monthly, technical lead every
        # 6 months, quality engineer quarterly. The other tiers are the policy's own choice.
        "strategic": {"general_manager": "half_year", "key_account_manager": "month",
                      "technical_engineer": "half_year", "quality_engineer": "quarter"},
        "key": {"marketing_vp": "year", OWNER: "quarter", "technical_engineer": "year"},
        "major": {OWNER: "half_year"},
        "general": {OWNER: "year"},
        "potential": {},
    }


def _period_from_days(days: int) -> str:
    """A cadence of the first policy format (days) as the calendar period that holds it."""
    return next((period for period, limit in (("month", 31), ("quarter", 92), ("half_year", 184)) if days <= limit),
                "year")


class VisitsRules(Section):
    cadence: dict[Code, dict[Code, Period]] = rule(_visit_cadence, N("拜访周期（等级 × 拜访人）"))
    due_soon_days: PositiveInt = rule(7, N("周期结束前提示即将到期"), N("天"))

    @model_validator(mode="before")
    @classmethod
    def _from_days(cls, data: Any) -> Any:
        # Versions published before cadences were calendar periods stored ``cadence_days``; published
        # versions never change, so they are read in the new form.
        if isinstance(data, dict) and "cadence_days" in data and "cadence" not in data:
            days = data["cadence_days"]
            if isinstance(days, dict) and all(isinstance(row, dict) for row in days.values()):
                data = {**data, "cadence": {
                    tier: {who: _period_from_days(n) if isinstance(n, int) else n for who, n in row.items()}
                    for tier, row in days.items()}}
                data.pop("cadence_days")
        return data

    def period_for(self, tier: str, visitor: str) -> str | None:
        return self.cadence.get(tier, {}).get(visitor)


# --- pools (OWN-3) -----------------------------------------------------------------------------
class ReturnRule(Section):
    no_followup_days: PositiveInt | None = rule(30, N("无跟进退回公海"), N("天"))
    no_opportunity_days: PositiveInt | None = rule(None, N("无商机退回公海"), N("天"))
    no_deal_days: PositiveInt | None = rule(90, N("未成交退回公海"), N("天"))


class PoolsRules(Section):
    return_rule: ReturnRule = rule(ReturnRule, N("退回规则"))
    tier_overrides: dict[Code, ReturnRule] = rule(dict, N("按等级的退回规则"))
    never_return_tiers: list[Code] = rule(lambda: ["strategic", "key"], N("永不自动退回的等级"))
    warn_days_before: NonNegativeInt = rule(3, N("退回前提醒负责人"), N("天"))
    holding_cap: PositiveInt = rule(200, N("每人持有客户上限"), N("个"))
    holding_cap_counts_won: StrictBool = rule(False, N("已成交客户计入持有上限"))
    daily_claim_cap: PositiveInt = rule(20, N("每人每日领取上限"), N("个"))
    reclaim_cooldown_days: NonNegativeInt = rule(7, N("原负责人重新领取冷却期"), N("天"))
    mask_contacts_in_pool: StrictBool = rule(True, N("公海中联系方式脱敏"))

    def rule_for(self, tier: str) -> ReturnRule:
        return self.tier_overrides.get(tier, self.return_rule)


# --- SLA (SVC-3, SVC-4) ------------------------------------------------------------------------
# A target's clock runs on one of two calendars: "24x7" (every hour counts) or "working" (working hours on
# China's working days: Monday to Friday, minus statutory holidays, plus the adjusted working weekends
# (调休), as the chinese_calendar package publishes them; kehu/policy/evaluators/sla.py).
SLA_CALENDARS = ("working", "24x7")
SlaCalendar = Literal["working", "24x7"]
Hour = Annotated[StrictInt, Field(ge=0, le=24)]


class PriorityTarget(Section):
    first_response_hours: PositiveInt = rule(24, N("首次响应时限"), N("小时"))
    resolution_hours: PositiveInt = rule(72, N("解决时限"), N("小时"))
    calendar: SlaCalendar = rule("24x7", N("计时日历"))

    @model_validator(mode="after")
    def _check(self):
        if self.resolution_hours < self.first_response_hours:
            raise ValueError(_("解决时限不能短于首次响应时限"))
        return self


def _sla_targets() -> dict[str, PriorityTarget]:
    # Every priority counts working hours by default: a complaint filed before National Day is not breached
    # while the company is on its statutory holiday (the done-when); a company that staffs a 24×7
    # desk sets "24x7" per priority. With a 9-hour working day, 45 hours are 5 working days and 90 hours 10.
    # First response: 24 hours for every priority.
    return {
        "urgent": PriorityTarget(first_response_hours=24, resolution_hours=24, calendar="working"),
        "high": PriorityTarget(first_response_hours=24, resolution_hours=48, calendar="working"),
        "medium": PriorityTarget(first_response_hours=24, resolution_hours=45, calendar="working"),
        "low": PriorityTarget(first_response_hours=24, resolution_hours=90, calendar="working"),
    }


class EscalationStep(Section):
    to: Code = rule(label=N("升级给（owner 负责人、manager 直属上级或角色编码）"))
    after_hours: NonNegativeInt = rule(0, N("超时后"), N("小时"))


def _escalation_chain() -> list[EscalationStep]:
    return [EscalationStep(to="owner", after_hours=0), EscalationStep(to="manager", after_hours=4),
            EscalationStep(to="marketing_vp", after_hours=24)]


class SlaRules(Section):
    targets: dict[Priority, PriorityTarget] = rule(_sla_targets, N("各优先级时限"))
    workday_start_hour: Hour = rule(9, N("工作时间开始（北京时间）"), N("时"))
    workday_end_hour: Hour = rule(18, N("工作时间结束（北京时间）"), N("时"))
    breach_warning_percent: Annotated[StrictInt, Field(gt=0, lt=100)] = rule(80, N("时限用去多少时预警"), "%")
    due_soon_hours: PositiveInt | None = rule(None, N("或剩余不足多少时预警"), N("小时"))
    auto_close_days: PositiveInt = rule(7, N("解决后客户未确认自动关闭"), N("天"))
    escalation: list[EscalationStep] = rule(_escalation_chain, N("超时升级（依次）"), min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _calendar_per_target(cls, data: Any) -> Any:
        # Versions published before each target had its own calendar stored one ``calendar`` for the
        # section; published versions never change, so they are read with that calendar on every target.
        if isinstance(data, dict) and "calendar" in data:
            data = dict(data)
            calendar = data.pop("calendar")
            targets = data.get("targets")
            if isinstance(targets, dict):
                data["targets"] = {p: {"calendar": calendar, **t} if isinstance(t, dict) else t
                                   for p, t in targets.items()}
        return data

    @field_validator("targets")
    @classmethod
    def _every_priority(cls, targets: dict) -> dict:
        missing = [p for p in PRIORITIES if p not in targets]
        if missing:
            raise ValueError(_("缺少优先级的时限：%(missing)s") % {"missing": join_list(missing)})
        return targets

    @field_validator("workday_end_hour")
    @classmethod
    def _after_start(cls, value: int, info: ValidationInfo) -> int:
        if value <= info.data.get("workday_start_hour", -1):
            raise ValueError(_("工作时间结束必须晚于开始"))
        return value

    @field_validator("escalation")
    @classmethod
    def _rising(cls, steps: list) -> list:
        hours = [step.after_hours for step in steps]
        if any(later <= earlier for earlier, later in pairwise(hours)):
            raise ValueError(_("升级步骤的超时小时数必须逐级递增"))
        return steps


# --- service tickets (SVC-2, SVC-5, SVC-9) ---------------------------------------------------------
class SeverityPriorities(Section):
    # One field per severity (kehu.service.models.Severity), not a dict: "major" is also a tier code, and a
    # field carries its own label where a dict key would be named after the tier.
    critical: Priority = rule("urgent", N("特别重大"))
    major: Priority = rule("high", N("重大"))
    normal: Priority = rule("medium", N("一般"))
    minor: Priority = rule("low", N("轻微"))


class ServiceRules(Section):
    priority_by_severity: SeverityPriorities = rule(SeverityPriorities, N("按严重程度的优先级"))
    tier_raise: dict[Code, NonNegativeInt] = rule(lambda: {"strategic": 1, "key": 1}, N("按客户等级提高优先级"),
                                                  N("级"))
    strategic_tiers: list[Code] = rule(lambda: ["strategic"], N("排在队列最前的客户等级"))
    handle_first_tiers: list[Code] = rule(lambda: ["strategic"], N("非重大质量问题先处理后分清责任的等级"))
    repeat_window_days: PositiveInt = rule(90, N("多少天内再次投诉记为重复投诉"), N("天"))
    callback_within_days: PositiveInt = rule(3, N("关闭后回访时限"), N("天"))


# --- reminders (INFO-7, REL-4) -----------------------------------------------------------------
class RemindersRules(Section):
    review_interval_days: dict[Code, PositiveInt] = rule(lambda: {"strategic": 90}, N("资料复核周期（按等级）"), N("天"))
    review_interval_default_days: PositiveInt = rule(180, N("资料复核周期（其他等级）"), N("天"))
    recontact_after_days: PositiveInt = rule(60, N("未联系多少天生成回访任务"), N("天"))
    first_followup_within_days: PositiveInt = rule(3, N("新客户首次跟进时限"), N("天"))

    def review_interval(self, tier: str) -> int:
        return self.review_interval_days.get(tier, self.review_interval_default_days)


# --- loyalty (LOY-1) ---------------------------------------------------------------------------
class LoyaltyRules(Section):
    points_per_cny: Annotated[Decimal, Field(ge=0, decimal_places=4)] = rule(Decimal("1"), N("每付款 1 元积分"), N("分"))
    points_expiry_months: PositiveInt = rule(24, N("积分有效期"), N("个月"))


# --- retention (PRIV-3, SEC-5) and data-subject requests (PRIV-2) ------------------------------
class RetentionRules(Section):
    anonymise_after_years: PositiveInt = rule(3, N("流失或不活跃个人客户的个人信息匿名化"), N("年"))
    # Cybersecurity Law art. 21(3): network logs are kept not less than six months.
    audit_retention_days: Annotated[StrictInt, Field(ge=180)] = rule(365, N("审计日志保留"), N("天"))


class PrivacyRules(Section):
    dsr_deadline_days: PositiveInt = rule(15, N("个人信息权利请求办理时限"), N("个工作日"))
    dsr_warning_days: PositiveInt = rule(10, N("办理多少天后预警"), N("个工作日"))

    @field_validator("dsr_warning_days")
    @classmethod
    def _before_deadline(cls, value: int, info: ValidationInfo) -> int:
        if value >= info.data.get("dsr_deadline_days", value + 1):
            raise ValueError(_("预警天数必须小于办理时限"))
        return value


# --- exfiltration warning (OWN-6) --------------------------------------------------------------
class MonitoringRules(Section):
    exfiltration_multiplier: Annotated[Decimal, Field(gt=1, decimal_places=2)] = rule(
        Decimal("3"), N("超过本人日中位数的倍数"), N("倍"))
    exfiltration_baseline_days: PositiveInt = rule(30, N("日中位数统计期"), N("天"))
    exfiltration_min_count: PositiveInt = rule(50, N("且当日次数高于"), N("次"))


# --- exports (SEC-6) and the duplicate check (INFO-5) ------------------------------------------
class ExportsRules(Section):
    approval_above_rows: PositiveInt = rule(500, N("导出超过多少行须审批"), N("行"))


class DuplicatesRules(Section):
    action_by_entry_point: dict[EntryPoint, Literal["block", "warn"]] = rule(
        lambda: {"web": "block", "api": "block", "import": "block", "claim": "warn"}, N("查重命中时（按录入途径）"))

    @field_validator("action_by_entry_point")
    @classmethod
    def _every_entry_point(cls, actions: dict) -> dict:
        missing = [e for e in ENTRY_POINTS if e not in actions]
        if missing:
            raise ValueError(_("缺少录入途径：%(missing)s") % {"missing": join_list(missing)})
        return actions


# --- churn (CHURN-1): the requirements name the signals, the values are the policy's ----------
class ChurnRules(Section):
    no_contact_days: PositiveInt = rule(90, N("未联系预警"), N("天"))
    order_drop_percent: Percent = rule(Decimal("30"), N("订单较上期下降预警"), "%")
    complaints_rise_count: PositiveInt = rule(3, N("本期投诉比上期增加"), N("件"))
    contract_expiring_days: PositiveInt = rule(60, N("合同到期前预警"), N("天"))
    satisfaction_drop_points: Annotated[Decimal, Field(gt=0, le=10, decimal_places=2)] = rule(
        Decimal("1"), N("满意度下降预警"), N("分"))
    payment_overdue_days: PositiveInt = rule(30, N("回款逾期预警"), N("天"))


# --- resources (CLS-5) -------------------------------------------------------------------------
class ResourcesRules(Section):
    resident_rep_tiers: list[Code] = rule(lambda: ["strategic"], N("须配驻厂代表的等级"))
    resident_rep_min_annual_sales: Money = rule(Decimal("50000000"), N("且年销售额不低于"), N("元"))


# --- care (REL-3) ------------------------------------------------------------------------------
CareHoliday = Literal["new_years_day", "tomb_sweeping_day", "labour_day", "dragon_boat_festival", "national_day"]
CARE_HOLIDAYS = ("new_years_day", "tomb_sweeping_day", "labour_day", "dragon_boat_festival", "national_day")


class CareRules(Section):
    lead_days: NonNegativeInt = rule(3, N("提前多少天生成关怀任务"), N("天"))
    tiers: list[Code] = rule(lambda: ["strategic", "key", "major"], N("关怀的客户等级（空表示全部）"))
    birthdays: StrictBool = rule(True, N("联系人生日"))
    spring_festival: StrictBool = rule(True, N("春节"))
    mid_autumn: StrictBool = rule(True, N("中秋节"))
    holidays: list[CareHoliday] = rule(lambda: ["new_years_day", "national_day"], N("法定节假日"))
    anniversaries: StrictBool = rule(True, N("合作周年"))


# --- the whole policy --------------------------------------------------------------------------
class PolicyRules(Section):
    tiers: TiersRules = rule(TiersRules, N("客户分级"))
    visits: VisitsRules = rule(VisitsRules, N("拜访计划"))
    pools: PoolsRules = rule(PoolsRules, N("公海规则"))
    sla: SlaRules = rule(SlaRules, N("服务时限（SLA）"))
    service: ServiceRules = rule(ServiceRules, N("服务工单"))
    reminders: RemindersRules = rule(RemindersRules, N("提醒"))
    loyalty: LoyaltyRules = rule(LoyaltyRules, N("积分"))
    retention: RetentionRules = rule(RetentionRules, N("数据保留"))
    privacy: PrivacyRules = rule(PrivacyRules, N("个人信息权利请求"))
    monitoring: MonitoringRules = rule(MonitoringRules, N("异常访问预警"))
    exports: ExportsRules = rule(ExportsRules, N("数据导出"))
    duplicates: DuplicatesRules = rule(DuplicatesRules, N("客户查重"))
    churn: ChurnRules = rule(ChurnRules, N("流失预警"))
    resources: ResourcesRules = rule(ResourcesRules, N("资源配置"))
    care: CareRules = rule(CareRules, N("客户关怀"))

    def section(self, name: str) -> Section:
        if name not in SECTIONS:
            raise KeyError(f"unknown policy section {name!r}")
        return getattr(self, name)


SECTIONS: dict[str, type[Section]] = {
    name: field.annotation for name, field in PolicyRules.model_fields.items()  # type: ignore[misc]
}


def section_label(name: str) -> str:
    return _(PolicyRules.model_fields[name].title)


# --- validation with field paths and Chinese messages ------------------------------------------
@dataclass(frozen=True)
class RuleError:
    field: str  # dotted path from the rules root, e.g. "visits.cadence.strategic.key_account_manager"
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class RulesInvalid(Exception):
    def __init__(self, errors: list[RuleError]):
        super().__init__("; ".join(map(str, errors)))
        self.errors = errors


# Pydantic error type → Chinese message (ctx keys fill the placeholders).
_MESSAGES = {
    "missing": N("缺少此项"),
    "extra_forbidden": N("制度中没有此项，请删除"),
    "int_type": N("必须是整数"),
    "int_parsing": N("必须是整数"),
    "int_from_float": N("必须是整数"),
    "bool_type": N("必须是 true 或 false"),
    "bool_parsing": N("必须是 true 或 false"),
    "string_type": N("必须是文本"),
    "string_pattern_mismatch": N("只能由小写英文字母、数字和下划线组成，并以字母开头"),
    "string_too_short": N("至少 %(min_length)s 个字符"),
    "string_too_long": N("最多 %(max_length)s 个字符"),
    "decimal_type": N("必须是数字"),
    "decimal_parsing": N("必须是数字"),
    "decimal_max_digits": N("数字过大（最多 %(max_digits)s 位）"),
    "decimal_max_places": N("最多 %(decimal_places)s 位小数"),
    "decimal_whole_digits": N("整数部分位数过多"),
    "greater_than": N("必须大于 %(gt)s"),
    "greater_than_equal": N("必须大于或等于 %(ge)s"),
    "less_than": N("必须小于 %(lt)s"),
    "less_than_equal": N("必须小于或等于 %(le)s"),
    "literal_error": N("必须是以下值之一：%(expected)s"),
    "dict_type": N("必须是对象（{…}）"),
    "model_type": N("必须是对象（{…}）"),
    "model_attributes_type": N("必须是对象（{…}）"),
    "list_type": N("必须是列表（[…]）"),
    "too_short": N("至少需要 %(min_length)s 项"),
}
_INT_MESSAGES = {
    "greater_than": N("必须是大于 %(gt)s 的整数"),
    "greater_than_equal": N("必须是大于或等于 %(ge)s 的整数"),
}


def _message(error: dict) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind in _INT_MESSAGES and isinstance(error.get("input"), int):
        template = _INT_MESSAGES[kind]
    else:
        template = _MESSAGES.get(kind)
    if template is None:
        return error["msg"]
    values = {key: str(value) for key, value in ctx.items()}
    if kind == "literal_error":
        # Pydantic lists the allowed values in English ("'a', 'b' or 'c'"); relist them in the active language.
        values["expected"] = join_list(re.split(r", | or ", values["expected"]))
    return _(template) % values


def _path(prefix: tuple, loc: tuple) -> str:
    # Pydantic marks a bad dict key with a trailing "[key]"; the key itself is the part before it.
    parts = [str(part) for part in (*prefix, *loc) if part != "[key]"]
    return ".".join(parts)


def errors_from(exc: ValidationError, prefix: tuple = ()) -> list[RuleError]:
    return [RuleError(_path(prefix, tuple(e["loc"])), _message(e)) for e in exc.errors()]


def _cross_check(rules: PolicyRules) -> list[RuleError]:
    """Rules that span sections: every tier named elsewhere must exist in the active tier scheme."""
    codes = set(rules.tiers.codes)
    named = [
        *((f"visits.cadence.{t}", t) for t in rules.visits.cadence),
        *((f"pools.tier_overrides.{t}", t) for t in rules.pools.tier_overrides),
        *((f"pools.never_return_tiers.{i}", t) for i, t in enumerate(rules.pools.never_return_tiers)),
        *((f"reminders.review_interval_days.{t}", t) for t in rules.reminders.review_interval_days),
        *((f"resources.resident_rep_tiers.{i}", t) for i, t in enumerate(rules.resources.resident_rep_tiers)),
        *((f"care.tiers.{i}", t) for i, t in enumerate(rules.care.tiers)),
        *((f"service.tier_raise.{t}", t) for t in rules.service.tier_raise),
        *((f"service.strategic_tiers.{i}", t) for i, t in enumerate(rules.service.strategic_tiers)),
        *((f"service.handle_first_tiers.{i}", t) for i, t in enumerate(rules.service.handle_first_tiers)),
    ]
    message = _("等级“%(tier)s”不在启用的分级方案中（可用：%(codes)s）")
    return [RuleError(path, message % {"tier": tier, "codes": join_list(rules.tiers.codes)})
            for path, tier in named if tier not in codes]


def validate_rules(data: Any) -> PolicyRules:
    """Validate a whole rules dict for a draft; raise RulesInvalid with every error, each with its path."""
    if not isinstance(data, dict):
        raise RulesInvalid([RuleError("rules", _("必须是对象（{…}）"))])
    try:
        rules = PolicyRules.model_validate(data)
    except ValidationError as exc:
        raise RulesInvalid(errors_from(exc)) from None
    problems = _cross_check(rules)
    if problems:
        raise RulesInvalid(problems)
    return rules


def dump(rules: PolicyRules) -> dict:
    """The JSON form stored in a version (Decimals as strings, so no float rounding)."""
    return rules.model_dump(mode="json")
