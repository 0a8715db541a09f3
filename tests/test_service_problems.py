"""Problems met in applying the policy (执行中遇到的问题, POL-4): reported by any business user, solved by a
handbook editor into a published handbook article in the same transaction, or declined with a reason; the
reporter is notified once the decision is committed. Pages and /api/v1/policy-problems."""

import pytest
from django.urls import reverse

from kehu.compliance.models import AuditEntry
from kehu.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from kehu.engagement.models import Notification
from kehu.org import roles
from kehu.service import handbook, problems
from kehu.service.models import HandbookArticle, PolicyProblem, ProblemStatus, TicketCategory

pytestmark = [pytest.mark.django_db, pytest.mark.req("POL-4")]

POOL_PROBLEM = "客户签了意向书，公海仍按 30 天无跟进退回，制度没说签意向书算不算有效跟进。"


@pytest.fixture
def editor(make_user):
    return make_user(roles.CUSTOMER_SERVICE, full_name="刘客服")


@pytest.fixture
def reporter(sales):
    return sales


@pytest.fixture
def problem(reporter):
    return problems.problem_report(actor=reporter, section="pools", description=POOL_PROBLEM)


# --- the services ---------------------------------------------------------------------------------------
def test_report_is_audited_and_refused_when_invalid(reporter, make_user):
    problem = problems.problem_report(actor=reporter, section="sla", description="  节前报修的响应时限不清楚  ")
    assert (problem.status, problem.section, problem.description) == ("open", "sla", "节前报修的响应时限不清楚")
    assert AuditEntry.objects.get(action="policy_problem.report").data["section"] == "sla"
    with pytest.raises(DomainError) as refused:
        problems.problem_report(actor=reporter, section="nonsense", description="x")
    assert refused.value.code == "problem_section_unknown"
    with pytest.raises(DomainError) as refused:
        problems.problem_report(actor=reporter, description=" ")
    assert refused.value.field == "description"
    with pytest.raises(PermissionDenied):  # a system administrator is not a business user
        problems.problem_report(actor=make_user(roles.SYSTEM_ADMIN), description="x")
    assert PolicyProblem.objects.count() == 1


def test_solving_publishes_an_article_and_notifies_the_reporter_on_commit(
        editor, reporter, problem, django_capture_on_commit_callbacks):
    category = TicketCategory.objects.create(code="kb-pool", name="公海")
    with django_capture_on_commit_callbacks(execute=False) as pending:
        article = problems.problem_solve(actor=editor, problem=problem, solution="签意向书视同有效跟进。",
                                         keywords="公海 意向书", categories=[category])
    assert not Notification.objects.exists()  # not before the commit
    for callback in pending:
        callback()
    problem.refresh_from_db()
    assert (problem.status, problem.solved_by, problem.solution) == ("solved", editor, "签意向书视同有效跟进。")
    assert article.source_problem == problem and article.published and article.problem == POOL_PROBLEM
    assert article.title == POOL_PROBLEM[:200] and list(article.categories.all()) == [category]
    assert handbook.suggest(text="签了意向书算不算跟进")[0] == article
    note = Notification.objects.get()
    assert note.recipient == reporter and note.url == reverse("service_kb:article_detail", args=[article.pk])
    solved = AuditEntry.objects.get(action="policy_problem.solve")
    assert solved.data["article"] == article.pk
    assert AuditEntry.objects.get(action="handbook.save").data["source_problem"] == problem.pk
    with pytest.raises(Conflict):
        problems.problem_solve(actor=editor, problem=problem, solution="再解决一次")
    assert HandbookArticle.objects.count() == 1


def test_a_failed_solve_leaves_nothing(editor, problem):
    """The article's own rules refuse an over-long solution after the problem row was written: the whole
    decision rolls back."""
    with pytest.raises(DomainError) as refused:
        problems.problem_solve(actor=editor, problem=problem, solution="很长" * handbook.TEXT_MAX)
    assert refused.value.code == "article_text_too_long"
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.OPEN and problem.solution == "" and problem.solved_by is None
    assert not HandbookArticle.objects.exists()
    assert not AuditEntry.objects.filter(action__in=["policy_problem.solve", "handbook.save"]).exists()


def test_decline_with_a_reason(editor, reporter, problem, django_capture_on_commit_callbacks):
    with pytest.raises(DomainError) as refused:
        problems.problem_decline(actor=editor, problem=problem, reason=" ")
    assert refused.value.field == "reason"
    with django_capture_on_commit_callbacks(execute=True):
        problems.problem_decline(actor=editor, problem=problem, reason="制度第 5 条已有规定")
    problem.refresh_from_db()
    assert (problem.status, problem.solution) == ("declined", "制度第 5 条已有规定")
    assert Notification.objects.get().recipient == reporter
    assert AuditEntry.objects.get(action="policy_problem.decline").data["reason"] == "制度第 5 条已有规定"
    assert not HandbookArticle.objects.exists()
    with pytest.raises(Conflict):
        problems.problem_solve(actor=editor, problem=problem, solution="x")


def test_who_sees_which_problems(editor, reporter, problem, other):
    theirs = problems.problem_report(actor=other, description="拜访计划周期与实际不符")
    assert set(problems.problems_for(editor)) == {problem, theirs}
    assert list(problems.problems_for(reporter)) == [problem]
    with pytest.raises(NotFound):
        problems.problem_for(reporter, theirs.pk)
    with pytest.raises(PermissionDenied):
        problems.problem_solve(actor=reporter, problem=problem, solution="自己解决")


# --- the pages --------------------------------------------------------------------------------------------
def test_report_then_solve_through_the_pages(login, client, reporter, editor):
    seller = login(reporter)
    response = seller.post(reverse("service_kb:problem_list"), {"section": "visits", "description": "拜访周期过密"})
    assert response.status_code == 302
    problem = PolicyProblem.objects.get()
    assert problem.reported_by == reporter and problem.section == "visits"
    assert "拜访周期过密" in seller.get(reverse("service_kb:problem_list")).content.decode()
    assert seller.post(reverse("service_kb:problem_list"), {"description": ""}).status_code == 400
    detail = reverse("service_kb:problem_detail", args=[problem.pk])
    assert 'name="decide"' not in seller.get(detail).content.decode()
    fixer = login(editor, on=client.__class__())
    html = fixer.get(reverse("service_kb:problem_list")).content.decode()
    assert "拜访周期过密" in html and "拜访计划" in html  # the section's name
    response = fixer.post(detail, {"decide": "solve", "solution": "按客户等级调整周期", "title": "拜访周期"})
    article = HandbookArticle.objects.get()
    assert response.status_code == 302 and response.url == reverse("service_kb:article_detail", args=[article.pk])
    assert article.title == "拜访周期" and article.source_problem == problem
    assert "按客户等级调整周期" in seller.get(detail).content.decode()


def test_decline_through_the_page(login, editor, problem):
    c = login(editor)
    detail = reverse("service_kb:problem_detail", args=[problem.pk])
    assert c.post(detail, {"decide": "decline", "reason": ""}).status_code == 400
    assert c.post(detail, {"decide": "decline", "reason": "已有规定"}).status_code == 302
    problem.refresh_from_db()
    assert problem.status == "declined"
    assert "已有规定" in c.get(detail).content.decode()
    assert "已有规定" not in c.get(reverse("service_kb:problem_list")).content.decode()  # the open list
    assert POOL_PROBLEM[:20] in c.get(reverse("service_kb:problem_list"), {"status": "declined"}).content.decode()


def test_pages_anonymous_without_permission_and_out_of_scope(client, login, make_user, problem, other):
    urls = [reverse("service_kb:problem_list"), reverse("service_kb:problem_detail", args=[problem.pk])]
    for url in urls:
        assert client.get(url).status_code == 302
    outsider = login(make_user(roles.SYSTEM_ADMIN))
    for url in urls:
        assert outsider.get(url).status_code == 403
    stranger = login(other, on=client.__class__())  # reports problems, but this one is not theirs
    assert stranger.get(urls[0]).status_code == 200 and POOL_PROBLEM[:20] not in stranger.get(urls[0]).content.decode()
    assert stranger.get(urls[1]).status_code == 404
    reporter = login(problem.reported_by, on=client.__class__())
    assert reporter.post(urls[1], {"decide": "solve", "solution": "x"}).status_code == 403
    problem.refresh_from_db()
    assert problem.status == "open"


def test_list_page_query_budget(login, editor, make_user, django_assert_max_num_queries):
    for n in range(40):
        problems.problem_report(actor=make_user(roles.SALESPERSON), section="pools", description=f"问题 {n}")
    c = login(editor)
    with django_assert_max_num_queries(9):
        assert c.get(reverse("service_kb:problem_list")).status_code == 200


# --- the API ----------------------------------------------------------------------------------------------
def test_api_report_list_solve_and_decline(api_client, reporter, editor):
    seller = api_client(reporter)
    body = {"section": "pools", "description": POOL_PROBLEM}
    created = seller.post("/api/v1/policy-problems", body, content_type="application/json",
                          headers={"Idempotency-Key": "p-1"})
    again = seller.post("/api/v1/policy-problems", body, content_type="application/json",
                        headers={"Idempotency-Key": "p-1"})
    assert created.status_code == 201 and again.json() == created.json() and PolicyProblem.objects.count() == 1
    second = seller.post("/api/v1/policy-problems", {"description": "另一个问题"}, content_type="application/json")
    fixer = api_client(editor)
    assert fixer.get("/api/v1/policy-problems?status=open").json()["count"] == 2
    solved = fixer.post(f"/api/v1/policy-problems/{created.json()['id']}/solve", {"solution": "视同有效跟进"},
                        content_type="application/json")
    assert solved.status_code == 200
    assert solved.json()["problem"]["status"] == "solved"
    assert solved.json()["problem"]["article_id"] == solved.json()["article"]["id"]
    assert solved.json()["article"]["source_problem_id"] == created.json()["id"]
    declined = fixer.post(f"/api/v1/policy-problems/{second.json()['id']}/decline", {"reason": "不属于制度问题"},
                          content_type="application/json")
    assert declined.json()["status"] == "declined" and declined.json()["solution"] == "不属于制度问题"
    again = fixer.post(f"/api/v1/policy-problems/{second.json()['id']}/decline", {"reason": "x"},
                       content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "problem_not_open"
    assert [p["status"] for p in seller.get("/api/v1/policy-problems").json()["items"]] == ["declined", "solved"]


def test_api_anonymous_without_permission_and_out_of_scope(client, api_client, make_user, problem, other,
                                                           django_assert_max_num_queries):
    assert client.get("/api/v1/policy-problems").status_code == 401
    outsider = api_client(make_user(roles.SYSTEM_ADMIN))
    assert outsider.get("/api/v1/policy-problems").status_code == 403
    assert outsider.post("/api/v1/policy-problems", {"description": "x"},
                         content_type="application/json").status_code == 403
    stranger = api_client(other)
    assert stranger.get("/api/v1/policy-problems").json()["count"] == 0
    assert stranger.get(f"/api/v1/policy-problems/{problem.pk}").status_code == 404
    owner = api_client(problem.reported_by)
    assert owner.post(f"/api/v1/policy-problems/{problem.pk}/solve", {"solution": "x"},
                      content_type="application/json").status_code == 403
    assert owner.post(f"/api/v1/policy-problems/{problem.pk}/decline", {"reason": "x"},
                      content_type="application/json").status_code == 403
    for n in range(20):
        problems.problem_report(actor=other, description=f"问题 {n}")
    editor = api_client(make_user(roles.CUSTOMER_SERVICE))
    with django_assert_max_num_queries(5):
        assert editor.get("/api/v1/policy-problems").json()["count"] == 21
