"""POL-1 and ORG-4 pages: anonymous → login, no permission → 403, readers see history, drafters
draft and edit, approvers publish or reject, nobody approves their own draft."""

import copy
import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from kehu.compliance import actions
from kehu.compliance.models import AuditEntry
from kehu.core import clock
from kehu.org import roles
from kehu.org.factories import DepartmentFactory
from kehu.org.models import PolicyResponsibility
from kehu.policy import schemas, services
from kehu.policy.models import Policy, PolicyVersion

pytestmark = [pytest.mark.django_db, pytest.mark.req("POL-1")]

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 6, 1, 9, 0, tzinfo=SH)


@pytest.fixture
def policy():
    return Policy.objects.get(code="customer_management")


@pytest.fixture
def v1(policy):
    return policy.versions.get(number=1)


@pytest.fixture
def drafter(make_user):
    return make_user(roles.SYSTEM_ADMIN)


@pytest.fixture
def approver(make_user):
    return make_user(roles.GENERAL_MANAGER)


@pytest.fixture
def draft(policy, drafter):
    with clock.frozen(T0):
        return services.policy_version_draft(actor=drafter, policy=policy)


def _edit_data(version, **changes):
    data = {name: json.dumps(version.rules[name], ensure_ascii=False) for name in schemas.SECTIONS}
    data.update({"effective_from": "2026-07-01T00:00", "summary": "调整"})
    data.update(changes)
    return data


def test_anonymous_is_sent_to_login(client, v1):
    for url in (reverse("policy:version_list"), reverse("policy:version_detail", args=[v1.pk])):
        response = client.get(url)
        assert response.status_code == 302 and reverse("org:login") in response["Location"]


def test_security_admin_without_policy_permissions_gets_403(make_user, login, v1, policy):
    client = login(make_user(roles.SECURITY_ADMIN))
    assert client.get(reverse("policy:version_list")).status_code == 403
    assert client.get(reverse("policy:version_detail", args=[v1.pk])).status_code == 403
    assert client.post(reverse("policy:version_new", args=[policy.pk])).status_code == 403
    assert not PolicyVersion.objects.filter(number=2).exists()


def test_reader_sees_history_as_readable_tables_but_not_drafts(make_user, login, v1, draft):
    client = login(make_user(roles.SALESPERSON))
    page = client.get(reverse("policy:version_list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "客户管理制度 v1" in html and "当前生效" in html
    # The draft is neither listed nor linked (a bare "v2" can occur inside the CSRF token).
    assert "客户管理制度 v2" not in html and reverse("policy:version_detail", args=[draft.pk]) not in html
    assert "起草新版本" not in html
    detail = client.get(reverse("policy:version_detail", args=[v1.pk])).content.decode()
    assert "每人持有客户上限" in detail and "200 个" in detail and "大客户经理" in detail
    assert '"holding_cap"' not in detail  # tables, not raw JSON
    assert client.get(reverse("policy:version_detail", args=[draft.pk])).status_code == 404
    assert client.post(reverse("policy:version_publish", args=[draft.pk])).status_code == 403


def test_nav_shows_the_policy_entry(make_user, login):
    home = login(make_user(roles.SALESPERSON)).get(reverse("web:home")).content.decode()
    assert "制度版本" in home and reverse("policy:version_list") in home


def test_drafter_creates_edits_and_submits(login, drafter, policy):
    client = login(drafter)
    with clock.frozen(T0):
        response = client.post(reverse("policy:version_new", args=[policy.pk]))
        version = policy.versions.get(number=2)
        assert response["Location"] == reverse("policy:version_edit", args=[version.pk])
        edit = client.get(response["Location"])
        assert edit.status_code == 200 and 'name="pools"' in edit.content.decode()
        pools = copy.deepcopy(version.rules["pools"])
        pools["holding_cap"] = 180
        saved = client.post(reverse("policy:version_edit", args=[version.pk]),
                            _edit_data(version, pools=json.dumps(pools)))
        assert saved.status_code == 302
        client.post(reverse("policy:version_submit", args=[version.pk]))
    version.refresh_from_db()
    assert version.status == "pending_approval" and version.rules["pools"]["holding_cap"] == 180
    assert version.effective_from == dt.datetime(2026, 7, 1, tzinfo=SH)
    detail = client.get(reverse("policy:version_detail", args=[version.pk])).content.decode()
    assert "table-warning" in detail and "150 个" not in detail and "180 个" in detail and "200 个" in detail


def test_edit_shows_field_path_errors_next_to_the_section(login, drafter, draft):
    client = login(drafter)
    visits = copy.deepcopy(draft.rules["visits"])
    visits["due_soon_days"] = 0
    with clock.frozen(T0):
        response = client.post(reverse("policy:version_edit", args=[draft.pk]),
                               _edit_data(draft, visits=json.dumps(visits), loyalty="{not json"))
    assert response.status_code == 200
    form = response.context["form"]
    assert "JSON 格式错误" in form.errors["loyalty"][0]
    with clock.frozen(T0):
        response = client.post(reverse("policy:version_edit", args=[draft.pk]),
                               _edit_data(draft, visits=json.dumps(visits)))
    assert response.context["form"].errors["visits"] == [
        "visits.due_soon_days: 必须是大于 0 的整数"]
    assert "必须是大于 0 的整数" in response.content.decode()
    draft.refresh_from_db()
    assert draft.rules["visits"]["due_soon_days"] == 7


def test_approver_publishes_and_rejects(login, drafter, approver, draft):
    with clock.frozen(T0):
        services.policy_version_update(actor=drafter, version=draft, rules=draft.rules,
                                       effective_from=dt.datetime(2026, 7, 1, tzinfo=SH), summary="年度修订")
        services.policy_version_submit(actor=drafter, version=draft)
        client = login(approver)
        page = client.get(reverse("policy:version_detail", args=[draft.pk])).content.decode()
        assert "批准并发布" in page and "退回修改" in page
        client.post(reverse("policy:version_reject", args=[draft.pk]), {"reason": ""})
        assert PolicyVersion.objects.get(pk=draft.pk).status == "pending_approval"
        client.post(reverse("policy:version_publish", args=[draft.pk]))
    draft.refresh_from_db()
    assert (draft.status, draft.approved_by) == ("published", approver)
    assert AuditEntry.objects.filter(action=actions.POLICY_PUBLISH, actor=approver).count() == 1


def test_general_manager_who_drafted_cannot_approve_on_the_page(make_user, login, policy):
    both = make_user(roles.SYSTEM_ADMIN, roles.GENERAL_MANAGER)
    with clock.frozen(T0):
        version = services.policy_version_draft(actor=both, policy=policy)
        services.policy_version_update(actor=both, version=version, rules=version.rules,
                                       effective_from=dt.datetime(2026, 7, 1, tzinfo=SH), summary="修订")
        services.policy_version_submit(actor=both, version=version)
        client = login(both)
        page = client.get(reverse("policy:version_detail", args=[version.pk])).content.decode()
        assert "不能批准自己起草的版本" in page and "批准并发布" not in page
        response = client.post(reverse("policy:version_publish", args=[version.pk]), follow=True)
    assert "起草人不能批准自己起草的制度版本" in response.content.decode()
    assert PolicyVersion.objects.get(pk=version.pk).status == "pending_approval"


@pytest.mark.req("ORG-4")
def test_responsibilities_shown_and_set_by_the_drafter(make_user, login, drafter):
    department = DepartmentFactory(name="市场营销部")
    person = make_user(roles.MARKETING_VP, full_name="李营销")
    reader = login(make_user(roles.SALESPERSON))
    assert reader.post(reverse("policy:responsibility_set"),
                       {"area": "pools", "department": department.pk}).status_code == 403
    client = login(drafter)
    response = client.post(reverse("policy:responsibility_set"),
                           {"area": "pools", "department": department.pk, "person": person.pk})
    assert response.status_code == 302
    row = PolicyResponsibility.objects.get(area="pools")
    assert (row.department, row.person) == (department, person)
    assert AuditEntry.objects.get(action=actions.RESPONSIBILITY_SET).data["area"] == "pools"
    page = client.get(reverse("policy:version_list")).content.decode()
    assert "市场营销部" in page and "李营销" in page


@pytest.mark.req("ORG-4")
def test_responsibility_service_checks_area_and_permission(make_user, drafter):
    department = DepartmentFactory()
    with pytest.raises(services.DomainError) as info:
        services.responsibility_set(actor=drafter, area="weather", department=department)
    assert info.value.field == "area"
    with pytest.raises(services.PermissionDenied):
        services.responsibility_set(actor=make_user(roles.GENERAL_MANAGER), area="pools", department=department)
    services.responsibility_set(actor=drafter, area="sla", department=department)
    assert PolicyResponsibility.objects.get(area="sla").person is None


def test_pages_keep_a_query_budget(login, drafter, approver, policy, django_assert_max_num_queries):
    for day in (1, 2, 3):
        with clock.frozen(T0 + dt.timedelta(days=day)):
            version = services.policy_version_draft(actor=drafter, policy=policy)
            services.policy_version_update(actor=drafter, version=version, rules=version.rules, summary="修订",
                                           effective_from=T0 + dt.timedelta(days=day + 10))
            services.policy_version_submit(actor=drafter, version=version)
            services.policy_version_publish(actor=approver, version=version)
    client = login(drafter)
    with django_assert_max_num_queries(16):
        assert client.get(reverse("policy:version_list")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("policy:version_detail", args=[version.pk])).status_code == 200
