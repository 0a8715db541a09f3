"""/api/v1/service-analysis, /api/v1/service-sla-compliance and /api/v1/service-satisfaction (SVC-9, SVC-3,
POL-3, PERF-1, FB-2): the figures of the analysis pages, in the caller's scope, for one period chosen as on
the pages (``month=2026-10``, ``quarter=2026-Q4`` or ``start=…&end=…``; default this month)."""


import datetime as dt

from ninja import Field, Query, Router, Schema

from kehu.service import analysis, analysis_periods, analysis_satisfaction, analysis_sla
from kehu.service.models import TicketKind

analysis_router = Router(tags=["service-analysis"])
sla_router = Router(tags=["service-analysis"])
satisfaction_router = Router(tags=["service-analysis"])


class PeriodIn(Schema):
    month: str = Field("", description="月份，如 2026-10")
    quarter: str = Field("", description="季度，如 2026-Q4")
    start: str = Field("", description="自定义期间开始日期 YYYY-MM-DD（与 end 同用）")
    end: str = Field("", description="自定义期间结束日期 YYYY-MM-DD（含）")


class KindPeriodIn(PeriodIn):
    kind: TicketKind | None = Field(None, description="只统计此类型的工单")


def _period(query: PeriodIn) -> analysis_periods.Period:
    return analysis_periods.parse(month_code=query.month, quarter_code=query.quarter, start=query.start, end=query.end)


class PeriodOut(Schema):
    kind: str = Field(description="month / quarter / range")
    start: dt.date
    end: dt.date
    label: str


def _period_out(period: analysis_periods.Period) -> dict:
    return {"kind": period.kind, "start": period.start, "end": period.end, "label": period.label}


class RowOut(Schema):
    key: str | None = Field(description="分类 id、客户 id、类型或渠道编码、原因或产品文字；未分类为空")
    label: str
    count: int = Field(description="本期")
    previous: int = Field(description="上期")
    link: str = Field(description="工单列表的筛选链接（可为空）")


class HandlingOut(Schema):
    kind: str
    label: str
    resolved: int
    average_hours: float | None
    median_hours: float | None


class AnalysisOut(Schema):
    period: PeriodOut
    previous: PeriodOut
    kind: str
    total: int
    previous_total: int
    repeat: int
    previous_repeat: int
    without_customer: int
    without_cause: int
    by_category: list[RowOut]
    by_cause: list[RowOut]
    by_product: list[RowOut]
    by_customer: list[RowOut]
    by_kind: list[RowOut]
    by_channel: list[RowOut]
    by_month: list[RowOut] = Field(description="近十二个月，按月受理量，最早的在前")
    repeat_customers: list[RowOut] = Field(description="本期内有两张及以上工单的客户（最多的 20 位）")
    repeat_customer_count: int = Field(description="本期内有两张及以上工单的客户数")
    handling: list[HandlingOut]


def _rows(rows: list[analysis.Row]) -> list[dict]:
    return [{"key": None if row.key is None else str(row.key), "label": row.label, "count": row.count,
             "previous": row.previous, "link": row.link} for row in rows]


@analysis_router.get("", response=AnalysisOut, summary="投诉分析")
def service_analysis(request, query: Query[KindPeriodIn]):
    """Tickets opened in the period by category, cause, product, customer, kind, channel and month, repeat
    complaints and handling times, each beside the previous period (service.analysis.view)."""
    found = analysis.complaint_analysis(request.auth, _period(query), kind=query.kind or "")
    lists = ("by_category", "by_cause", "by_product", "by_customer", "by_kind", "by_channel", "by_month",
             "repeat_customers")
    return {**{name: getattr(found, name) for name in ("kind", "total", "previous_total", "repeat",
                                                        "previous_repeat", "without_customer", "without_cause",
                                                        "repeat_customer_count")},
            **{name: _rows(getattr(found, name)) for name in lists},
            "period": _period_out(found.period), "previous": _period_out(found.previous),
            "handling": [vars(h) for h in found.handling]}


class SlaFigureOut(Schema):
    opened: int
    responded_in_time: int
    responded_late: int = Field(description="超时响应，或已过时限尚未响应")
    response_share: float | None = Field(description="按时首次响应率（%）")
    resolved_in_time: int
    resolved_late: int = Field(description="超时解决，或已过时限尚未解决（等待客户中的不计）")
    resolution_share: float | None = Field(description="按时解决率（%）")
    breached: int
    average_response_hours: float | None
    average_handling_hours: float | None = Field(description="受理至解决的平均小时数")


class SlaRowOut(Schema):
    id: int | None = Field(description="部门或用户 id；未指定团队为空")
    label: str
    current: SlaFigureOut
    previous: SlaFigureOut
    response_change: float | None = Field(description="按时首次响应率较上期的变化（百分点）")
    link: str


class CommitmentRowOut(Schema):
    customer_id: int
    label: str
    tickets: int
    response_met: int
    response_missed: int
    resolution_met: int
    resolution_missed: int


class SlaComplianceOut(Schema):
    period: PeriodOut
    previous: PeriodOut
    total: SlaRowOut
    teams: list[SlaRowOut]
    people: list[SlaRowOut]
    complaints_answered_in_time: SlaRowOut = Field(description="制度执行：投诉在制度时限内首次响应的比例")
    commitments: list[CommitmentRowOut] = Field(description="有服务承诺书的客户：按承诺时限兑现的工单数")


def _figure(figure: analysis_sla.SlaFigure) -> dict:
    def number(value):
        return None if value is None else float(value)

    return {**{name: getattr(figure, name) for name in ("opened", "responded_in_time", "responded_late",
                                                        "resolved_in_time", "resolved_late", "breached",
                                                        "average_response_hours", "average_handling_hours")},
            "response_share": number(figure.response_share), "resolution_share": number(figure.resolution_share)}


def _sla_row(row: analysis_sla.Compared) -> dict:
    change = row.response_change
    return {"id": row.current.key, "label": row.label, "current": _figure(row.current),
            "previous": _figure(row.previous), "response_change": None if change is None else float(change),
            "link": row.link}


@sla_router.get("", response=SlaComplianceOut, summary="服务时限达成率")
def service_sla_compliance(request, query: Query[KindPeriodIn]):
    """SLA compliance per team and per person with the previous period, the complaint rule of the policy
    (POL-3) and the service commitments kept (service.analysis.view)."""
    user, period, kind = request.auth, _period(query), query.kind or ""
    report = analysis_sla.sla_compliance(user, period, kind=kind)
    return {"period": _period_out(report.period), "previous": _period_out(report.previous),
            "total": _sla_row(report.total), "teams": [_sla_row(r) for r in report.teams],
            "people": [_sla_row(r) for r in report.people],
            "complaints_answered_in_time": _sla_row(analysis_sla.complaints_answered_in_time(user, period)),
            "commitments": [vars(r) for r in analysis_sla.commitment_compliance(user, period, kind=kind)]}


class RatedOut(Schema):
    id: int | None = None
    label: str
    rated: int
    satisfied: int = Field(description="4 分及以上")
    average: float | None
    satisfied_share: float | None


class SatisfactionOut(Schema):
    period: PeriodOut
    previous: PeriodOut
    total: RatedOut
    previous_total: RatedOut
    distribution: dict[int, int] = Field(description="评分 1–5 → 工单数")
    teams: list[RatedOut]
    people: list[RatedOut]
    by_month: list[RatedOut] = Field(description="近十二个月，最早的在前")
    owed: int = Field(description="已关闭尚未回访评分的工单数")


def _rated(row: analysis_satisfaction.Rated) -> dict:
    return {"id": row.key if isinstance(row.key, int) else None, "label": row.label, "rated": row.rated,
            "satisfied": row.satisfied, "average": None if row.average is None else float(row.average),
            "satisfied_share": None if row.satisfied_share is None else float(row.satisfied_share)}


@satisfaction_router.get("", response=SatisfactionOut, summary="满意度")
def service_satisfaction(request, query: Query[PeriodIn]):
    """Callback ratings collected in the period (FB-2): average, distribution, share satisfied, per team,
    person and month, and the callbacks still owed (service.analysis.view)."""
    result = analysis_satisfaction.satisfaction(request.auth, _period(query))
    return {"period": _period_out(result.period), "previous": _period_out(result.previous),
            "total": _rated(result.total), "previous_total": _rated(result.previous_total),
            "distribution": dict(result.distribution), "teams": [_rated(r) for r in result.teams],
            "people": [_rated(r) for r in result.people], "by_month": [_rated(r) for r in result.by_month],
            "owed": result.owed}
