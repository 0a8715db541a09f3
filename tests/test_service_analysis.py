"""Complaint analysis (SVC-9), SLA compliance per team and person (SVC-3), satisfaction figures (FB-2), the
complaint rule of POL-3 and the period-over-period figures of PERF-1, on a small data set whose every figure
is worked out by hand below; then their scope, pages, language and query budgets."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from kehu.core import clock
from kehu.core.errors import DomainError, PermissionDenied
from kehu.org import roles
from kehu.org.models import Role, UserRole
from kehu.service import analysis, analysis_periods, analysis_satisfaction, analysis_sla
from kehu.service import permissions as perms
from kehu.service.models import Ticket
from tests.customer_data import make_customer
from tests.service_figures import at, category, ticket

pytestmark = [pytest.mark.django_db, pytest.mark.req("SVC-9")]

NOW = at("2026-10-20", 12)
OCTOBER = analysis_periods.parse(month_code="2026-10")


@pytest.fixture
def team(make_user):
    """A sales department: its manager, two salespeople; and an outsider in another department."""
    manager = make_user(roles.SALES_MANAGER, full_name="刘经理")
    sales = make_user(roles.SALESPERSON, full_name="张销售", department=manager.department)
    colleague = make_user(roles.SALESPERSON, full_name="李同事", department=manager.department)
    outsider = make_user(roles.SALESPERSON, full_name="外部门")
    return manager, sales, colleague, outsider


def analyst(user):
    """``user`` also holds the analysis permission, through a role of the narrowest scope: their own
    salesperson scope stays the one that counts."""
    role = Role.objects.create(code=f"analyst_{user.pk}", name="分析员", data_scope=roles.OWN,
                               permissions=[perms.ANALYSIS_VIEW])
    UserRole.objects.create(user=user, role=role)
    user.forget_roles()
    return user


@pytest.fixture
def figures(team):
    """The data set. October is the period, September the previous one; "now" is 20 October, 12:00.

    | # | handler   | opened | kind       | channel  | category | customer | responded | resolved | notes |
    | 1 | sales     | 10-05  | complaint  | phone    | quality  | c1       | 2 h       | 10 h     | cause 包装破损, A型泵 |
    | 2 | sales     | 10-08  | complaint  | wechat   | quality  | c1       | 30 h late | 100 h late | repeat, 包装破损, A型泵 |
    | 3 | colleague | 10-10  | inquiry    | email    | delivery | c2       | 4 h       | 20 h     | " 发货延迟 ", B型阀, rated 5 |
    | 4 | colleague | 10-18  | complaint  | phone    | delivery | c2       | none, due 10-19: late | due 10-21: pending |
    | 5 | colleague | 10-19  | suggestion | web_form | —        | —        | none, due 10-20 09:00: late | pending |
    | 8 | sales     | 10-20 10:00 | inquiry | in_app | —        | —        | pending   | pending  | |
    | 6 | sales     | 09-10  | complaint  | phone    | quality  | c1       | 1 h       | 5 h      | 包装破损, A型泵, rated 4 on 10-02 |
    | 9 | sales     | 09-20  | complaint  | phone    | quality  | c1       | 1 h       | waiting, due passed: not late |
    | 10| colleague | 08-10  | complaint  | phone    | —        | c2       | 1 h       | 2 h      | rated 2 on 10-03 |
    | 11| sales     | 08-11  | complaint  | phone    | —        | c1       | 1 h       | 2 h      | closed, not rated: owed |
    | 7 | outsider  | 10-06  | complaint  | phone    | —        | c3       | 1 h       | 2 h      | rated 1 on 10-08: out of scope |
    """
    manager, sales, colleague, outsider = team
    quality = category("t-quality", "产品质量", "Product quality")
    delivery = category("t-delivery", "物流配送", "Delivery")
    c1, c2 = make_customer(sales, "甲公司"), make_customer(colleague, "乙公司")
    c3 = make_customer(outsider, "丙公司")
    ticket(sales, at("2026-10-05"), respond_hours=2, resolve_hours=10, category=quality, customer=c1,
           cause="包装破损", product="A型泵")
    ticket(sales, at("2026-10-08"), respond_hours=30, resolve_hours=100, channel="wechat", category=quality,
           customer=c1, cause="包装破损", product="A型泵", repeat=True)
    ticket(colleague, at("2026-10-10"), respond_hours=4, resolve_hours=20, kind="inquiry", channel="email",
           category=delivery, customer=c2, cause=" 发货延迟 ", product="B型阀", rating=5)
    ticket(colleague, at("2026-10-18"), category=delivery, customer=c2)
    ticket(colleague, at("2026-10-19"), kind="suggestion", channel="web_form")
    ticket(sales, at("2026-10-20", 10), kind="inquiry", channel="in_app")
    ticket(sales, at("2026-09-10"), respond_hours=1, resolve_hours=5, category=quality, customer=c1,
           cause="包装破损", product="A型泵", rating=4, rated=at("2026-10-02"))
    ticket(sales, at("2026-09-20"), respond_hours=1, status="waiting", category=quality, customer=c1)
    ticket(colleague, at("2026-08-10"), respond_hours=1, resolve_hours=2, customer=c2, rating=2,
           rated=at("2026-10-03"))
    ticket(sales, at("2026-08-11"), respond_hours=1, resolve_hours=2, customer=c1, status="closed")
    ticket(outsider, at("2026-10-06"), respond_hours=1, resolve_hours=2, customer=c3, rating=1, rated=at("2026-10-08"))
    with clock.frozen(NOW):
        yield team


def rows(breakdown):
    return [(row.label, row.count, row.previous) for row in breakdown]


def test_counts_by_every_dimension_beside_the_previous_period(figures):
    manager = figures[0]
    result = analysis.complaint_analysis(manager, OCTOBER)
    assert (result.total, result.previous_total, result.repeat) == (6, 2, 1)
    assert (result.without_customer, result.without_cause) == (2, 3)
    assert rows(result.by_category) == [("产品质量", 2, 2), ("未分类", 2, 0), ("物流配送", 2, 0)]
    assert rows(result.by_cause) == [("包装破损", 2, 1), ("发货延迟", 1, 0)]
    assert rows(result.by_product) == [("A型泵", 2, 1), ("B型阀", 1, 0)]
    assert rows(result.by_customer) == [("甲公司", 2, 2), ("乙公司", 2, 0)]
    assert rows(result.by_kind) == [("咨询", 2, 0), ("投诉", 3, 2), ("建议", 1, 0)]
    assert rows(result.by_channel) == [("电话", 2, 2), ("电子邮件", 1, 0), ("在线表单", 1, 0), ("系统内", 1, 0),
                                       ("微信", 1, 0)]
    assert [row.label for row in result.repeat_customers] == ["甲公司", "乙公司"]
    assert result.repeat_customer_count == 2
    trend = {row.label: row.count for row in result.by_month}
    assert len(trend) == 12 and list(trend)[0] == "2025-11" and list(trend)[-1] == "2026-10"
    assert (trend["2026-08"], trend["2026-09"], trend["2026-10"], trend["2026-07"]) == (2, 2, 6, 0)


def test_drill_down_links_filter_the_queue(figures, client, login):
    manager = figures[0]
    result = analysis.complaint_analysis(manager, OCTOBER, kind="complaint")
    quality = result.by_category[0]
    assert quality.link == f"/service/tickets/?category={quality.key}&kind=complaint&status=all"
    login(manager)

    def listed(link):  # the titles the queue lists behind a link (every status: resolved ones too)
        return sorted(ticket.title for ticket in client.get(link).context["page"])

    assert listed(quality.link) == sorted(Ticket.objects.filter(category_id=quality.key, kind="complaint")
                                          .values_list("title", flat=True))
    customer = result.by_customer[0]
    assert listed(customer.link) == sorted(Ticket.objects.filter(customer_id=customer.key, kind="complaint")
                                           .values_list("title", flat=True))
    pump = next(row for row in result.by_product if row.label == "A型泵")
    assert len(listed(pump.link)) == Ticket.objects.filter(product="A型泵", kind="complaint").count() == 3
    page = client.get(pump.link)
    assert "按分析页面的筛选：产品：A型泵" in page.content.decode()  # the hidden filter says it is there
    clear = re.search(r'id="drill-down">.*?<a href="([^"]+)"', page.content.decode(), re.S)[1].replace("&amp;", "&")
    assert "product" not in clear and "kind=complaint" in clear
    assert "drill-down" not in client.get(clear).content.decode()
    owed = analysis_satisfaction.satisfaction(manager, OCTOBER).owed_link
    assert listed(owed) == sorted(Ticket.objects.filter(status="closed", satisfaction__isnull=True)
                                  .exclude(customer__owner=figures[3]).values_list("title", flat=True))


def test_handling_time_average_and_median_per_kind(figures):
    handling = {h.kind: h for h in analysis.complaint_analysis(figures[0], OCTOBER).handling}
    assert set(handling) == {"complaint", "inquiry"}
    complaint = handling["complaint"]
    assert (complaint.resolved, complaint.average_hours, complaint.median_hours) == (2, 55.0, 55.0)
    assert (handling["inquiry"].resolved, handling["inquiry"].average_hours) == (1, 20.0)


def test_a_kind_narrows_every_figure(figures):
    result = analysis.complaint_analysis(figures[0], OCTOBER, kind="complaint")
    assert (result.total, result.previous_total) == (3, 2)
    assert rows(result.by_category) == [("产品质量", 2, 2), ("物流配送", 1, 0)]


def test_a_salesperson_analysis_covers_only_the_tickets_they_see(figures):
    sales = analyst(figures[1])
    result = analysis.complaint_analysis(sales, OCTOBER)
    # Theirs (1, 2, 8) and those of the customers they own (c1): not the colleague's nor the outsider's.
    assert (result.total, result.previous_total) == (3, 2)
    assert rows(result.by_customer) == [("甲公司", 2, 2)]
    sla = analysis_sla.sla_compliance(sales, OCTOBER)
    assert [row.label for row in sla.people] == ["张销售"]
    assert analysis_satisfaction.satisfaction(sales, OCTOBER).total.rated == 1


def test_without_the_permission_nothing_is_computed(figures):
    sales = figures[1]
    for compute in (analysis.complaint_analysis, analysis_sla.sla_compliance, analysis_satisfaction.satisfaction):
        with pytest.raises(PermissionDenied):
            compute(sales, OCTOBER)


@pytest.mark.req("SVC-3")
@pytest.mark.req("PERF-1")
def test_sla_compliance_per_team_and_person_period_over_period(figures):
    report = analysis_sla.sla_compliance(figures[0], OCTOBER)
    (team,) = report.teams
    now, before = team.current, team.previous
    assert (now.opened, now.responded_in_time, now.responded_late, now.response_share) == (6, 2, 3, Decimal("40.0"))
    assert (now.resolved_in_time, now.resolved_late, now.resolution_share, now.breached) == (2, 1, Decimal("66.7"), 3)
    assert (now.average_response_hours, now.average_handling_hours) == (12.0, 43.3)
    # September: both answered in time; the waiting ticket's passed due time is not a breach (its clock stopped).
    assert (before.opened, before.response_share, before.resolution_share, before.breached) == (2, Decimal("100.0"),
                                                                                               Decimal("100.0"), 0)
    assert team.response_change == Decimal("-60.0")
    people = {row.label: row for row in report.people}
    assert set(people) == {"张销售", "李同事"}
    assert (people["张销售"].current.response_share, people["李同事"].current.response_share) == (Decimal("50.0"),
                                                                                           Decimal("33.3"))
    assert people["李同事"].previous.opened == 0
    assert report.total.current.opened == 6 and report.total.current.breached == 3


@pytest.mark.req("POL-3")
def test_complaint_rule_share_answered_in_time(figures):
    rule = analysis_sla.complaints_answered_in_time(figures[0], OCTOBER)
    assert (rule.current.responded_in_time, rule.current.responded_late, rule.current.response_share) == (
        1, 2, Decimal("33.3"))
    assert rule.previous.response_share == Decimal("100.0")


@pytest.mark.req("FB-2")
def test_satisfaction_figures(figures):
    result = analysis_satisfaction.satisfaction(figures[0], OCTOBER)
    assert (result.total.rated, result.total.average, result.total.satisfied_share) == (3, Decimal("3.67"),
                                                                                       Decimal("66.7"))
    assert result.distribution == [(1, 0), (2, 1), (3, 0), (4, 1), (5, 1)]
    assert [(r.label, r.rated, r.average, r.satisfied_share) for r in result.people] == [
        ("李同事", 2, Decimal("3.50"), Decimal("50.0")), ("张销售", 1, Decimal("4.00"), Decimal("100.0"))]
    assert [(r.rated, r.average) for r in result.teams] == [(3, Decimal("3.67"))]
    assert result.by_month[-1].rated == 3 and result.by_month[-2].rated == 0
    assert result.previous_total.rated == 0 and result.previous_total.average is None
    assert result.owed == 1 and result.owed_oldest[0].opened_at == at("2026-08-11")


def test_periods_month_quarter_range_and_their_previous():
    assert (OCTOBER.start.isoformat(), OCTOBER.end.isoformat(), OCTOBER.preceding().code) == (
        "2026-10-01", "2026-10-31", "2026-09")
    january = analysis_periods.parse(month_code="2026-01")
    assert january.preceding().code == "2025-12"
    q1 = analysis_periods.parse(quarter_code="2026-Q1")
    assert (q1.end.isoformat(), q1.preceding().code, q1.preceding().end.isoformat()) == (
        "2026-03-31", "2025-Q4", "2025-12-31")
    span = analysis_periods.parse(start="2026-10-11", end="2026-10-20")
    assert (span.preceding().start.isoformat(), span.preceding().end.isoformat()) == ("2026-10-01", "2026-10-10")
    assert analysis_periods.parse(today=NOW.date()).code == "2026-10"
    for bad in ({"month_code": "2026-13"}, {"quarter_code": "Q5"}, {"start": "2026-10-20", "end": "2026-10-01"},
                {"start": "x", "end": "2026-10-01"}):
        with pytest.raises(DomainError):
            analysis_periods.parse(**bad)


def test_analysis_queries_stay_fixed(figures, django_assert_max_num_queries):
    # Totals, six breakdowns, the month trend and the handling times; permission read once.
    with django_assert_max_num_queries(12):
        analysis.complaint_analysis(figures[0], OCTOBER)
    with django_assert_max_num_queries(5):
        analysis_sla.sla_compliance(figures[0], OCTOBER)
    with django_assert_max_num_queries(9):
        analysis_satisfaction.satisfaction(figures[0], OCTOBER)


def test_pages_anonymous_without_permission_and_with(figures, client, login):
    manager, sales = figures[0], figures[1]
    for name in ("complaints", "sla", "satisfaction"):
        url = reverse(f"service_analysis:{name}")
        assert client.get(url).status_code == 302
    login(sales)
    for name in ("complaints", "sla", "satisfaction"):
        assert client.get(reverse(f"service_analysis:{name}")).status_code == 403
    login(manager)
    page = client.get(reverse("service_analysis:complaints"), {"month": "2026-10"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "包装破损" in text and "甲公司" in text and "外部门" not in text
    assert "/service/tickets/?category=" in text


def test_pages_render_every_section(figures, client, login):
    login(figures[0])
    sla = client.get(reverse("service_analysis:sla"), {"month": "2026-10"}).content.decode()
    assert "40.0%" in sla and "张销售" in sla and "33.3%" in sla
    satisfaction = client.get(reverse("service_analysis:satisfaction"), {"month": "2026-10"}).content.decode()
    assert "3.67" in satisfaction and "66.7%" in satisfaction
    owed = analysis_satisfaction.owed(figures[0]).get()
    assert reverse("service:ticket", args=[owed.pk]) in satisfaction


def test_a_bad_period_is_a_clear_error_not_a_fallback(figures, client, login):
    login(figures[0])
    response = client.get(reverse("service_analysis:complaints"), {"month": "2026-13"})
    assert response.status_code == 400
    assert "月份格式应为 2026-10" in response.content.decode()


def test_pages_in_english(figures, client, login):
    login(figures[0])
    page = client.get(reverse("service_analysis:complaints"), {"month": "2026-10"}, HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert "Complaint analysis" in text and "Product quality" in text and "产品质量" not in text
    sla = client.get(reverse("service_analysis:sla"), {"quarter": "2026-Q4"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "SLA compliance" in sla.content.decode()


def test_page_query_budget(figures, client, login, django_assert_max_num_queries):
    login(figures[0])
    client.get(reverse("service_analysis:complaints"))  # the session's first write out of the way
    with django_assert_max_num_queries(20):
        assert client.get(reverse("service_analysis:complaints"), {"month": "2026-10"}).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("service_analysis:sla"), {"month": "2026-10"}).status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(reverse("service_analysis:satisfaction"), {"month": "2026-10"}).status_code == 200


@pytest.mark.req("POL-3")
def test_the_monthly_review_report_on_the_command_line(figures, make_user):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("service_report", month="2026-10", user=figures[0].username, stdout=out)
    text = out.getvalue()
    assert "服务与投诉月度报告：2026年10月（上期：2026年9月；数据范围：刘经理）" in text
    assert "受理工单 6 张（上期 2），重复投诉 1 张。" in text
    assert "投诉按时响应率（制度执行）：33.3%（上期 100.0%）" in text
    assert "回访 3 张，平均 3.67 分，满意率 66.7%；待回访 1 张。" in text
    assert any(line.startswith("张销售") and "50.0%" in line for line in text.splitlines())
    assert "外部门" not in text
    make_user(roles.GENERAL_MANAGER, full_name="总经理甲")
    english = StringIO()
    call_command("service_report", month="2026-10", language="en", stdout=english)
    assert "data scope of 总经理甲" in english.getvalue() and "1. Complaint analysis" in english.getvalue()
    assert "7 tickets opened" in english.getvalue()  # the whole company: the outsider's ticket as well
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="2026-10"):
        call_command("service_report", month="10/2026", user=figures[0].username, stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("service_report", month="2026-10", user=figures[1].username, stdout=StringIO())


def test_top_lists_leave_out_what_only_the_previous_period_had(figures, make_user):
    manager = figures[0]
    gone = make_customer(manager, "丁公司")
    ticket(manager, at("2026-09-03"), customer=gone, product="C型阀", cause="安装不当")
    result = analysis.complaint_analysis(manager, OCTOBER)
    assert "丁公司" not in [row.label for row in result.by_customer]
    assert "C型阀" not in [row.label for row in result.by_product]
    assert "安装不当" not in [row.label for row in result.by_cause]
    assert result.previous_total == 3


@pytest.mark.req("SVC-3")
def test_tickets_under_a_service_commitment_are_measured_against_its_hours(team, make_user):
    """Promised: an answer within 4 hours (counted as the ticket's SLA counts them), no resolution time."""
    from kehu.service.models import ServiceCommitment

    manager, sales = team[0], team[1]
    customer = make_customer(sales, "甲公司")
    promise = ServiceCommitment.objects.create(customer=customer, content="4 小时内响应", response_hours=4,
                                               valid_from=at("2026-01-01").date(), created_by=sales)
    ticket(sales, at("2026-10-13"), respond_hours=2, customer=customer, commitment=promise)   # Tuesday: met
    ticket(sales, at("2026-10-14"), respond_hours=30, customer=customer, commitment=promise)  # missed
    ticket(sales, at("2026-10-20", 11), customer=customer, commitment=promise)  # not yet due: pending
    ticket(sales, at("2026-10-15"), respond_hours=1, customer=customer)  # no commitment: not measured
    with clock.frozen(NOW):
        (row,) = analysis_sla.commitment_compliance(manager, OCTOBER)
    assert (row.label, row.tickets, row.response_met, row.response_missed) == ("甲公司", 3, 1, 1)
    assert (row.response_share, row.resolution_share) == (Decimal("50.0"), None)
    assert analysis_sla.commitment_compliance(analyst(team[3]), OCTOBER) == []


@pytest.mark.req("SVC-3")
def test_a_team_row_drills_down_into_the_queue_of_that_team(figures, client, login):
    manager, outsider = figures[0], figures[3]
    ticket(manager, at("2026-10-19"), title="本团队的工单")
    ticket(manager, at("2026-10-19"), title="别的团队的工单", department=outsider.department)  # theirs: in scope
    login(manager)
    team = next(row for row in analysis_sla.sla_compliance(manager, OCTOBER).teams
                if row.current.key == manager.department_id)
    assert team.link == f"/service/tickets/?team={manager.department_id}&status=all"
    queue = client.get(team.link).content.decode()
    assert "本团队的工单" in queue and "别的团队的工单" not in queue


def test_the_customers_with_several_tickets_are_all_counted_the_most_listed(team):
    manager, sales = team[0], team[1]
    for n in range(analysis.REPEAT_SHOWN + 2):
        customer = make_customer(sales, f"回头客{n}号公司")
        for day in range(2 + (n == 5)):
            ticket(sales, at(f"2026-10-{day + 10}"), customer=customer)
    with clock.frozen(NOW):
        result = analysis.complaint_analysis(manager, OCTOBER)
    assert result.repeat_customer_count == analysis.REPEAT_SHOWN + 2
    assert len(result.repeat_customers) == analysis.REPEAT_SHOWN
    assert (result.repeat_customers[0].label, result.repeat_customers[0].count) == ("回头客5号公司", 3)
