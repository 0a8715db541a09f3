"""``kehu service_report [--month 2026-10] [--user login] [--language en]``: the month's complaint analysis,
SLA compliance and satisfaction tables for the monthly review meeting (评审会议, POL-3), as plain text.

The figures are those of the analysis pages, read in the data scope of ``--user`` (the pages' rule: the
report never shows more than that person may see). Without ``--user`` the report is the whole company's,
read as the first active user whose roles see everything and hold the analysis permission (the general
manager, by default). Chinese unless ``--language en``.
"""

from __future__ import annotations

import dataclasses
import unicodedata

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from kehu.core.errors import DomainError
from kehu.org import roles
from kehu.org.models import User
from kehu.service import analysis, analysis_periods, analysis_satisfaction, analysis_sla
from kehu.service import permissions as perms


def width(text: str) -> int:
    """Columns ``text`` takes in a terminal: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def table(headers: list[str], rows: list[list[object]]) -> list[str]:
    """A plain-text table; the first column left-aligned, the figures right-aligned."""
    cells = [[str(h) for h in headers]] + [["—" if c is None else str(c) for c in row] for row in rows]
    widths = [max(width(row[i]) for row in cells) for i in range(len(headers))]

    def line(row):
        return "  ".join(c + " " * (w - width(c)) if i == 0 else " " * (w - width(c)) + c
                         for i, (c, w) in enumerate(zip(row, widths, strict=True))).rstrip()

    return [line(cells[0]), "  ".join("-" * w for w in widths)] + [line(row) for row in cells[1:]]


def percent(value) -> str | None:
    return None if value is None else f"{value}%"


def reader(login: str | None) -> User:
    if login:
        user = User.objects.filter(username__iexact=login, is_active=True).first()
        if user is None:
            raise CommandError(_("没有启用的用户：%(login)s") % {"login": login})
    else:
        user = next((u for u in User.objects.filter(is_active=True).order_by("pk")
                     if u.data_scope == roles.ALL and u.has_permission(perms.ANALYSIS_VIEW)), None)
        if user is None:
            raise CommandError(_("没有可查看全部工单的分析人员，请用 --user 指定。"))
    if not user.has_permission(perms.ANALYSIS_VIEW):
        raise CommandError(_("%(login)s 没有查看投诉分析的权限。") % {"login": user.username})
    return user


class Command(BaseCommand):
    help = "打印某月的投诉分析、服务时限达成率和满意度表，供月度评审会议使用"

    def add_arguments(self, parser):
        parser.add_argument("--month", default="", help="月份，如 2026-10（默认本月）")
        parser.add_argument("--user", default="", help="按此用户的数据范围统计（默认全公司）")
        parser.add_argument("--language", default="zh-hans", choices=["zh-hans", "en"], help="输出语言")

    def handle(self, *args, month: str, user: str, language: str, **options):
        with translation.override(language):
            try:
                period = analysis_periods.parse(month_code=month)
            except DomainError as exc:
                raise CommandError(str(exc.message)) from None
            for line in report(reader(user or None), period):
                self.stdout.write(line)


def report(user, period) -> list[str]:
    found = analysis.complaint_analysis(user, period)
    sla = analysis_sla.sla_compliance(user, period)
    rule = analysis_sla.complaints_answered_in_time(user, period)
    rated = analysis_satisfaction.satisfaction(user, period)
    previous = period.preceding().label
    lines = [_("服务与投诉月度报告：%(period)s（上期：%(previous)s；数据范围：%(user)s）")
             % {"period": period.label, "previous": previous, "user": user.full_name or user.username}, ""]
    lines += [_("一、投诉分析"),
              _("受理工单 %(n)s 张（上期 %(p)s），重复投诉 %(r)s 张。") % {
                  "n": found.total, "p": found.previous_total, "r": found.repeat}, ""]
    count_headers = [_("本期"), _("上期")]
    for title, heading, rows in ((_("按分类"), _("分类"), found.by_category), (_("按类型"), _("类型"), found.by_kind),
                                 (_("按渠道"), _("渠道"), found.by_channel),
                                 (_("原因（前十）"), _("原因分析"), found.by_cause),
                                 (_("产品（前十）"), _("产品"), found.by_product),
                                 (_("客户（前十）"), _("客户"), found.by_customer)):
        if rows:
            lines += [title, *table([heading, *count_headers], [[r.label, r.count, r.previous] for r in rows]), ""]
    if found.repeat_customers:
        lines += [_("本期内多次反映的客户：%(n)s 位") % {"n": found.repeat_customer_count},
                  *table([_("客户"), _("工单")], [[r.label, r.count] for r in found.repeat_customers]), ""]
    if found.handling:
        lines += [_("处理时长（受理至解决）"), *table(
            [_("类型"), _("已解决"), _("平均（小时）"), _("中位数（小时）")],
            [[h.label, h.resolved, h.average_hours, h.median_hours] for h in found.handling]), ""]
    sla_headers = [_("受理"), _("按时首次响应"), _("上期"), _("按时解决"), _("超时"), _("平均首次响应（小时）"),
                   _("平均处理时长（小时）")]

    def sla_rows(compared):
        return [[c.label, c.current.opened, percent(c.current.response_share), percent(c.previous.response_share),
                 percent(c.current.resolution_share), c.current.breached, c.current.average_response_hours,
                 c.current.average_handling_hours] for c in compared]

    total_row = dataclasses.replace(sla.total, current=dataclasses.replace(sla.total.current, label=_("合计")))
    lines += [_("二、服务时限达成率"),
              _("投诉按时响应率（制度执行）：%(now)s（上期 %(before)s）") % {
                  "now": percent(rule.current.response_share) or "—",
                  "before": percent(rule.previous.response_share) or "—"}, "",
              _("按团队"), *table([_("团队"), *sla_headers], sla_rows([*sla.teams, total_row])), "",
              _("按责任人"), *table([_("责任人"), *sla_headers], sla_rows(sla.people)), ""]
    lines += [_("三、满意度"),
              _("回访 %(n)s 张，平均 %(avg)s 分，满意率 %(share)s；待回访 %(owed)s 张。") % {
                  "n": rated.total.rated, "avg": rated.total.average or "—",
                  "share": percent(rated.total.satisfied_share) or "—", "owed": rated.owed}, ""]
    rated_headers = [_("已回访"), _("平均满意度"), _("满意率")]
    for title, heading, rows in ((_("按团队"), _("团队"), rated.teams), (_("按责任人"), _("责任人"), rated.people)):
        if rows:
            lines += [title, *table([heading, *rated_headers],
                                    [[r.label, r.rated, r.average, percent(r.satisfied_share)] for r in rows]), ""]
    return lines
