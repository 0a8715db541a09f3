"""ORG-1..3, SEC-2 (SECURITY.md AC-1..3, AC-7): the organisation pages. Role × page matrix for the three
admin duties and business roles, anonymous and out-of-scope answers, forms, query budgets."""

import pytest
from django.test import Client
from django.urls import reverse

from kehu.compliance import actions
from kehu.compliance.models import AuditEntry
from kehu.org import roles
from kehu.org.factories import CompanyFactory, DepartmentFactory
from kehu.org.models import ApiToken, Department, Role, User, UserSession
from kehu.org.permissions import of_duty

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    group = CompanyFactory(name="华东控股集团有限公司", parent=None)
    sales = DepartmentFactory(company=group, name="销售部")
    service = DepartmentFactory(company=group, name="客服部")
    return {"group": group, "sales": sales, "service": service}


@pytest.fixture
def people(make_user, org):
    made = {code: make_user(code, username=code, department=org["sales"])
            for code in (roles.SYSTEM_ADMIN, roles.SECURITY_ADMIN, roles.AUDIT_ADMIN, roles.GENERAL_MANAGER,
                         roles.SALESPERSON)}
    made["target"] = make_user(roles.SALESPERSON, username="target", department=org["service"])
    return made


SYS, SEC, AUD, GM, REP = (roles.SYSTEM_ADMIN, roles.SECURITY_ADMIN, roles.AUDIT_ADMIN, roles.GENERAL_MANAGER,
                          roles.SALESPERSON)
ROLES = [SYS, SEC, AUD, GM, REP]

# url name, how to build its arguments, the roles that get 200 (every other role gets 403)
PAGES = [
    ("org:structure", None, {SYS}),
    ("org:company_create", None, {SYS}),
    ("org:department_create", None, {SYS}),
    ("org:department_edit", lambda o, p, viewer: o["service"].pk, {SYS}),
    ("org:users", None, {SYS, SEC}),
    ("org:user_create", None, {SYS}),
    ("org:user_edit", lambda o, p, viewer: p["target"].pk, {SYS}),
    ("org:user_disable", lambda o, p, viewer: p["target"].pk, {SYS}),
    ("org:user_password_reset", lambda o, p, viewer: p["target"].pk, {SYS}),
    ("org:user_roles", lambda o, p, viewer: p["target"].pk, {SEC}),
    ("org:roles", None, {SEC}),
    ("org:role_create", None, {SEC}),
    ("org:role_edit", lambda o, p, viewer: Role.objects.get(code=REP).pk, {SEC}),
    ("org:directory", None, {GM, REP}),
    # Everyone may see their own directory entry; the scope tests below cover other people's.
    ("org:directory_detail", lambda o, p, viewer: viewer.pk, {GM, REP}),
]


def url_for(name, args_fn, org, people, viewer=None):
    if args_fn is None:
        return reverse(name)
    return reverse(name, args=[args_fn(org, people, viewer)])


@pytest.mark.req("SEC-2")
@pytest.mark.parametrize("name,args_fn,allowed", PAGES, ids=[p[0] for p in PAGES])
@pytest.mark.parametrize("role", ROLES)
def test_role_page_matrix(login, org, people, name, args_fn, allowed, role):
    viewer = people[role]
    response = login(viewer).get(url_for(name, args_fn, org, people, viewer))
    assert response.status_code == (200 if role in allowed else 403)


@pytest.mark.req("SEC-2")
@pytest.mark.parametrize("name,args_fn,allowed", PAGES, ids=[p[0] for p in PAGES])
def test_pages_send_anonymous_to_login(client, org, people, name, args_fn, allowed):
    url = url_for(name, args_fn, org, people, people[REP])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("org:login"))


@pytest.mark.req("SEC-2")
def test_admin_duties_carry_no_business_permission(people):
    for code in (SYS, SEC, AUD):
        user = User.objects.get(pk=people[code].pk)
        assert not user.has_permission("org.directory.view")
        assert User.objects.visible_to(user).count() == 1  # own scope: only themselves


@pytest.mark.req("ORG-3", "SEC-2")
def test_directory_is_scoped_and_out_of_scope_detail_is_404(login, org, people, make_user):
    colleague = make_user(roles.SALESPERSON, username="colleague", department=org["sales"])
    rep = login(people[REP])
    assert rep.get(reverse("org:directory_detail", args=[colleague.pk])).status_code == 404
    assert rep.get(reverse("org:directory_detail", args=[99999])).status_code == 404
    listed = rep.get(reverse("org:directory")).context["page"].object_list
    assert [u.username for u in listed] == [REP]

    manager = make_user(roles.SALES_MANAGER, username="manager", department=org["sales"])
    client = login(manager, on=Client())  # a sales manager holds pii.unmask: second factor included
    assert client.get(reverse("org:directory_detail", args=[colleague.pk])).status_code == 200
    assert client.get(reverse("org:directory_detail", args=[people["target"].pk])).status_code == 404
    visible = {u.username for u in client.get(reverse("org:directory")).context["page"].object_list}
    assert visible == set(User.objects.visible_to(manager).filter(is_active=True).values_list("username", flat=True))
    assert "target" not in visible


@pytest.mark.req("SEC-2")
def test_navigation_shows_each_duty_its_own_entries(login, people):
    expectations = {
        SYS: ({"org:structure", "org:users"}, {"org:roles", "org:directory"}),
        SEC: ({"org:users", "org:roles"}, {"org:structure", "org:directory"}),
        AUD: (set(), {"org:structure", "org:users", "org:roles", "org:directory"}),
        REP: ({"org:directory"}, {"org:structure", "org:users", "org:roles"}),
    }
    for role, (shown, hidden) in expectations.items():
        html = login(people[role]).get(reverse("web:home")).content.decode()
        for name in shown:
            assert f'href="{reverse(name)}"' in html, (role, name)
        for name in hidden:
            assert f'href="{reverse(name)}"' not in html, (role, name)


# --- users pages -------------------------------------------------------------------------------

@pytest.mark.req("ORG-1")
def test_user_list_filters(login, org, people):
    client = login(people[SYS])
    url = reverse("org:users")

    def names(**params):
        return {u.username for u in client.get(url, params).context["page"].object_list}

    assert names(department=org["service"].pk) == {"target"}
    assert names(role=Role.objects.get(code=SEC).pk) == {SEC}
    assert names(q="targ") == {"target"}
    assert names(q=people["target"].employee_no) == {"target"}
    User.objects.filter(pk=people["target"].pk).update(is_active=False)
    assert names(status="disabled") == {"target"}
    assert "target" not in names(status="active")


@pytest.mark.req("ORG-1")
@pytest.mark.parametrize("count", [5, 50])
def test_user_list_query_count_does_not_grow_with_users(login, org, people, make_user,
                                                        django_assert_max_num_queries, count):
    manager = people[GM]
    for _ in range(count):
        make_user(roles.SALESPERSON, roles.CUSTOMER_SERVICE, department=org["sales"], manager=manager)
    client = login(people[SYS])
    # Session read and save (4), the viewer and their roles (2), count, page, its roles, filter choices (5).
    with django_assert_max_num_queries(11):
        response = client.get(reverse("org:users"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(count + len(people), 50)


@pytest.mark.req("ORG-1")
def test_create_user_page_shows_the_generated_password_once(login, org, people):
    client = login(people[SYS])
    response = client.post(reverse("org:user_create"), {
        "username": "wangwu", "full_name": "王五", "employee_no": "E9001", "email": "",
        "department": org["sales"].pk, "manager": "", "password_mode": "generate", "password": ""})
    assert response.status_code == 200
    password = response.context["password"]
    assert password in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert User.objects.get(username="wangwu").check_password(password)
    assert password not in client.get(reverse("org:users")).content.decode()


@pytest.mark.req("ORG-1")
def test_service_refusal_becomes_an_error_on_the_field(login, org, people):
    client = login(people[SYS])
    response = client.post(reverse("org:user_create"), {
        "username": "TARGET", "full_name": "重名", "employee_no": "E9002", "department": org["sales"].pk,
        "password_mode": "generate"})
    assert response.status_code == 200
    assert response.context["form"].errors["username"] == ["用户名“TARGET”已被使用（不区分大小写）。"]
    assert "用户名：用户名“TARGET”已被使用" in response.content.decode()
    response = client.post(reverse("org:user_create"), {
        "username": "weak", "full_name": "弱密码", "employee_no": "E9003", "department": org["sales"].pk,
        "password_mode": "choose", "password": "abc"})
    assert "password" in response.context["form"].errors
    assert not User.objects.filter(username__in=["weak"]).exists()


@pytest.mark.req("ORG-1")
def test_edit_user_page_moves_the_user(login, org, people):
    target = people["target"]
    client = login(people[SYS])
    response = client.post(reverse("org:user_edit", args=[target.pk]), {
        "full_name": target.full_name, "email": "t@example.cn", "department": org["sales"].pk, "manager": ""})
    assert response.status_code == 302
    [entry] = AuditEntry.objects.filter(action=actions.USER_UPDATE)
    assert entry.data == {"email": ["", "t@example.cn"], "department": ["客服部", "销售部"]}


@pytest.mark.req("SEC-2")
def test_disabling_a_signed_in_user_ends_their_session_before_the_next_request(login, org, people):
    victim = people["target"]
    victim_client = login(victim)
    assert UserSession.objects.filter(user=victim, session_key=victim_client.session.session_key).exists()
    token = ApiToken.objects.create(user=victim, prefix="kehu_abc", key_hash="0" * 64)
    assert victim_client.get(reverse("org:directory")).status_code == 200

    admin = Client()
    admin.force_login(people[SYS])
    session = admin.session
    session["kehu_mfa_verified"] = True  # a system administrator needs the second factor
    session.save()
    page = admin.get(reverse("org:user_disable", args=[victim.pk])).content.decode()
    assert 'data-confirm="' in page and 'method="post"' in page
    response = admin.post(reverse("org:user_disable", args=[victim.pk]), {"reason": "离职", "successor": ""})
    assert response.status_code == 302

    after = victim_client.get(reverse("org:directory"))
    assert after.status_code == 302 and after["Location"].startswith(reverse("org:login"))
    assert not UserSession.objects.filter(user=victim).exists()
    token.refresh_from_db()
    assert token.revoked_at is not None


@pytest.mark.req("SEC-2")
def test_disable_page_without_reason_names_the_field(login, people):
    client = login(people[SYS])
    response = client.post(reverse("org:user_disable", args=[people["target"].pk]), {"reason": ""})
    assert response.status_code == 200 and "reason" in response.context["form"].errors
    assert User.objects.get(pk=people["target"].pk).is_active


@pytest.mark.req("SEC-2")
def test_enable_is_post_only_and_password_reset_shows_it_once(login, people):
    target = people["target"]
    User.objects.filter(pk=target.pk).update(is_active=False)
    client = login(people[SYS])
    target_client = Client()
    assert client.get(reverse("org:user_enable", args=[target.pk])).status_code == 405
    assert client.post(reverse("org:user_enable", args=[target.pk])).status_code == 302
    assert User.objects.get(pk=target.pk).is_active
    target_client.force_login(User.objects.get(pk=target.pk))
    assert target_client.get(reverse("org:directory")).status_code == 200
    response = client.post(reverse("org:user_password_reset", args=[target.pk]))
    password = response.context["password"]
    assert User.objects.get(pk=target.pk).check_password(password)
    assert "no-store" in response["Cache-Control"]
    # A session opened with the old password ends with it.
    assert target_client.get(reverse("org:directory")).status_code == 302


# --- structure and roles pages -----------------------------------------------------------------

@pytest.mark.req("ORG-1")
def test_structure_page_shows_heads_and_member_counts_and_moves(login, org, people, django_assert_max_num_queries):
    head = people[GM]
    Department.objects.filter(pk=org["sales"].pk).update(head=head)
    north = DepartmentFactory(company=org["group"], parent=org["service"], name="华北组")
    client = login(people[SYS])
    # Session read and save (4), the viewer and their roles (2), departments with counts, companies (2).
    with django_assert_max_num_queries(8):
        html = client.get(reverse("org:structure")).content.decode()
    assert head.full_name in html
    assert "本部门 5 人，含下级 5 人" in html  # sales: the five role holders
    assert "本部门 1 人，含下级 1 人" in html  # service: target only

    response = client.post(reverse("org:department_edit", args=[north.pk]),
                           {"name": "华北组", "code": "", "parent": org["sales"].pk, "head": ""})
    assert response.status_code == 302
    north.refresh_from_db()
    assert north.path.startswith(org["sales"].path)
    # Moving a department under its own child is refused on the form, naming the field.
    response = client.post(reverse("org:department_edit", args=[org["sales"].pk]),
                           {"name": "销售部", "code": "", "parent": north.pk, "head": ""})
    assert response.status_code == 200 and "parent" in response.context["form"].errors


@pytest.mark.req("ORG-2", "SEC-2")
def test_role_assignment_page_refuses_illegal_combinations_clearly(login, people):
    client = login(people[SEC])
    target = people["target"]
    admin_role = Role.objects.get(code=SYS)
    response = client.post(reverse("org:user_roles", args=[target.pk]),
                           {"roles": [admin_role.pk, Role.objects.get(code=REP).pk]})
    assert response.status_code == 200
    assert "三员分立" in " ".join(response.context["form"].errors["roles"])
    assert set(target.roles.values_list("code", flat=True)) == {REP}
    response = client.post(reverse("org:user_roles", args=[people[SEC].pk]), {"roles": []})
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert people[SEC].roles.count() == 1


@pytest.mark.req("ORG-2")
def test_roles_page_lists_duty_scope_and_permissions_and_creates_custom_roles(login, people):
    client = login(people[SEC])
    html = client.get(reverse("org:roles")).content.decode()
    assert "安全管理员" in html and "org.roles.assign" in html and "本人及共享给我的" in html
    response = client.post(reverse("org:role_create"), {
        "code": "regional", "name": "区域经理", "name_en": "", "description": "", "data_scope": roles.COMPANY,
        "permissions": ["org.directory.view"]})
    assert response.status_code == 302
    role = Role.objects.get(code="regional")
    assert role.duty == "business" and role.permissions == ["org.directory.view"]
    # An admin permission is not even offered on a custom role's form, and is refused if posted.
    response = client.post(reverse("org:role_edit", args=[role.pk]), {
        "name": "区域经理", "data_scope": roles.COMPANY, "permissions": ["org.users.manage"]})
    assert response.status_code == 200 and "permissions" in response.context["form"].errors


@pytest.mark.req("ORG-1")
def test_new_department_form_starts_under_the_chosen_parent(login, org, people):
    client = login(people[SYS])
    form = client.get(reverse("org:department_create"), {"parent": org["sales"].pk}).context["form"]
    assert form.initial["parent"] == org["sales"] and form.initial["company"] == org["group"]
    assert client.get(reverse("org:department_create"), {"parent": "x'--"}).status_code == 200
    response = client.post(reverse("org:department_create"), {
        "company": org["group"].pk, "name": "华东组", "code": "east", "parent": org["sales"].pk, "head": ""})
    assert response.status_code == 302
    assert Department.objects.get(name="华东组").parent == org["sales"]


@pytest.mark.req("ORG-2", "ORG-3")
def test_admin_role_form_keeps_scope_fixed_and_offers_only_its_duty(login, people):
    client = login(people[SEC])
    role = Role.objects.get(code=SYS)
    form = client.get(reverse("org:role_edit", args=[role.pk])).context["form"]
    assert form.fields["data_scope"].disabled
    assert {code for code, _label in form.fields["permissions"].choices} == of_duty(role.duty)
    response = client.post(reverse("org:role_edit", args=[role.pk]), {
        "name": role.name, "name_en": role.name_en, "data_scope": roles.ALL, "permissions": role.permissions})
    assert response.status_code == 302
    assert Role.objects.get(pk=role.pk).data_scope == roles.OWN
