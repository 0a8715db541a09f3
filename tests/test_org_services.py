"""ORG-1..3, SEC-2 (SECURITY.md AC-2, AC-7, AC-8): organisation services refuse without permission,
enforce their rules, and write exactly one audit row per action with field-level changes."""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import IntegrityError, transaction

from kehu.compliance import actions
from kehu.compliance.models import AuditEntry
from kehu.core.errors import Conflict, DomainError, PermissionDenied
from kehu.org import permissions as p
from kehu.org import roles, services
from kehu.org.factories import CompanyFactory, DepartmentFactory
from kehu.org.models import (
    ApiToken,
    Department,
    PasswordHistory,
    PolicyResponsibility,
    Role,
    User,
    UserRole,
    UserSession,
)

pytestmark = pytest.mark.django_db


def rows(action):
    return list(AuditEntry.objects.filter(action=action))


@pytest.fixture
def company():
    return CompanyFactory(name="华东控股集团有限公司", parent=None)


@pytest.fixture
def sales(company):
    return DepartmentFactory(company=company, name="销售部")


@pytest.fixture
def east(company):
    return DepartmentFactory(company=company, name="华东大区")


@pytest.fixture
def sysadmin(make_user, sales):
    return make_user(roles.SYSTEM_ADMIN, username="sysadmin", department=sales)


@pytest.fixture
def secadmin(make_user, sales):
    return make_user(roles.SECURITY_ADMIN, username="secadmin", department=sales)


# --- every service refuses the wrong duty ------------------------------------------------------

def _business_role():
    return Role.objects.get(code=roles.SALESPERSON)


SERVICE_CALLS = {
    "company_create": (p.STRUCTURE_MANAGE, lambda a, u, d: services.company_create(actor=a, name="新公司")),
    "department_create": (p.STRUCTURE_MANAGE,
                          lambda a, u, d: services.department_create(actor=a, company=d.company, name="新部门")),
    "department_update": (p.STRUCTURE_MANAGE, lambda a, u, d: services.department_update(
        actor=a, department=d, name="改名", parent=None, head=None)),
    "user_create": (p.USERS_MANAGE, lambda a, u, d: services.user_create(
        actor=a, username="newbie", full_name="新人", employee_no="N001", department=d)),
    "user_update": (p.USERS_MANAGE, lambda a, u, d: services.user_update(
        actor=a, user=u, full_name="改名", email="", department=d, manager=None)),
    "user_disable": (p.USERS_MANAGE, lambda a, u, d: services.user_disable(actor=a, user=u, reason="离职")),
    "user_enable": (p.USERS_MANAGE, lambda a, u, d: services.user_enable(actor=a, user=u)),
    "user_reset_password": (p.USERS_MANAGE, lambda a, u, d: services.user_reset_password(actor=a, user=u)),
    "role_create": (p.ROLES_MANAGE, lambda a, u, d: services.role_create(
        actor=a, code="custom", name="自定义", data_scope=roles.OWN, permissions=[])),
    "role_update": (p.ROLES_MANAGE, lambda a, u, d: services.role_update(
        actor=a, role=_business_role(), name="改名", data_scope=roles.OWN, permissions=[])),
    "role_grant": (p.ROLES_ASSIGN, lambda a, u, d: services.role_grant(actor=a, user=u, role=_business_role())),
    "role_revoke": (p.ROLES_ASSIGN, lambda a, u, d: services.role_revoke(actor=a, user=u, role=_business_role())),
    "user_roles_set": (p.ROLES_ASSIGN, lambda a, u, d: services.user_roles_set(actor=a, user=u, roles_wanted=[])),
}
# Roles that lack each permission: the other two admin duties and business roles.
HOLDER = {p.STRUCTURE_MANAGE: roles.SYSTEM_ADMIN, p.USERS_MANAGE: roles.SYSTEM_ADMIN,
          p.ROLES_MANAGE: roles.SECURITY_ADMIN, p.ROLES_ASSIGN: roles.SECURITY_ADMIN}
ALL_ROLES = [roles.SYSTEM_ADMIN, roles.SECURITY_ADMIN, roles.AUDIT_ADMIN, roles.GENERAL_MANAGER, roles.SALESPERSON]


@pytest.mark.req("SEC-2")
@pytest.mark.parametrize("name,role", [(name, role) for name, (perm, _call) in sorted(SERVICE_CALLS.items())
                                       for role in ALL_ROLES if HOLDER[perm] != role])
def test_services_refuse_roles_without_the_permission(make_user, sales, name, role):
    permission, call = SERVICE_CALLS[name]
    actor = make_user(role, department=sales)
    target = make_user(roles.SALESPERSON, department=sales)
    before = AuditEntry.objects.count()
    with pytest.raises(PermissionDenied):
        call(actor, target, sales)
    assert AuditEntry.objects.count() == before


@pytest.mark.req("SEC-2")
def test_sysadmin_cannot_assign_roles_and_secadmin_cannot_create_users(sysadmin, secadmin, sales, make_user):
    target = make_user(department=sales)
    with pytest.raises(PermissionDenied):
        services.role_grant(actor=sysadmin, user=target, role=_business_role())
    with pytest.raises(PermissionDenied):
        services.user_create(actor=secadmin, username="x1", full_name="某人", employee_no="X1", department=sales)
    assert not target.roles.exists() and not User.objects.filter(username="x1").exists()


# --- companies and departments -----------------------------------------------------------------

@pytest.mark.req("ORG-1")
def test_company_create_one_group_then_subsidiaries(sysadmin, company):
    with pytest.raises(DomainError) as err:
        services.company_create(actor=sysadmin, name="第二个集团")
    assert err.value.field == "parent"
    sub = services.company_create(actor=sysadmin, name="上海华东销售有限公司", short_name="上海销售", parent=company)
    assert sub.parent == company
    [entry] = rows(actions.COMPANY_CREATE)
    assert entry.data == {"name": "上海华东销售有限公司", "short_name": "上海销售", "parent": str(company)}
    with pytest.raises(Conflict):
        services.company_create(actor=sysadmin, name="上海华东销售有限公司", parent=company)


@pytest.mark.req("ORG-1")
def test_department_create_and_rename_audit_field_changes(sysadmin, company, sales, make_user):
    head = make_user(full_name="王经理", department=sales)
    north = services.department_create(actor=sysadmin, company=company, name="华北组", parent=sales, head=head)
    assert north.path.startswith(sales.path) and north.head == head
    [created] = rows(actions.DEPARTMENT_CREATE)
    assert created.data["parent"] == "销售部" and created.data["head"] == str(head)
    services.department_update(actor=sysadmin, department=north, name="华北大区", parent=sales, head=None)
    [updated] = rows(actions.DEPARTMENT_UPDATE)
    assert updated.data == {"name": ["华北组", "华北大区"], "head": [str(head), None]}
    with pytest.raises(Conflict) as err:
        services.department_create(actor=sysadmin, company=company, name="华北大区", parent=sales)
    assert err.value.field == "name"


@pytest.mark.req("ORG-1", "ORG-3")
def test_department_move_rewrites_descendant_paths_and_scope_follows(sysadmin, company, sales, make_user):
    market = DepartmentFactory(company=company, name="市场部")
    team = DepartmentFactory(company=company, parent=market, name="品牌组")
    squad = DepartmentFactory(company=company, parent=team, name="品牌一队")
    far = make_user(roles.SALESPERSON, username="far", department=squad)
    manager = make_user(roles.SALES_MANAGER, username="boss", department=sales)
    assert not User.objects.visible_to(manager).filter(pk=far.pk).exists()

    services.department_update(actor=sysadmin, department=team, name="品牌组", parent=sales, head=None)

    team.refresh_from_db()
    squad.refresh_from_db()
    assert team.parent == sales and team.path.startswith(sales.path)
    assert squad.path.startswith(team.path) and squad.path.startswith(sales.path)
    assert not Department.objects.filter(path__startswith=market.path).exclude(pk=market.pk).exists()
    manager = User.objects.get(pk=manager.pk)
    assert User.objects.visible_to(manager).filter(pk=far.pk).exists()
    [entry] = rows(actions.DEPARTMENT_UPDATE)
    assert entry.data == {"parent": ["市场部", "销售部"], "descendants_moved": 1}


@pytest.mark.req("ORG-1")
def test_department_move_refuses_cycles_and_other_companies(sysadmin, company, sales):
    child = DepartmentFactory(company=company, parent=sales, name="华南组")
    grandchild = DepartmentFactory(company=company, parent=child, name="广州组")
    other = DepartmentFactory(company=CompanyFactory(parent=company), name="别家部门")
    for parent in (sales, child, grandchild):
        with pytest.raises(DomainError) as err:
            services.department_update(actor=sysadmin, department=sales, name="销售部", parent=parent, head=None)
        assert err.value.code == "department_cycle" and err.value.field == "parent"
    with pytest.raises(DomainError) as err:
        services.department_update(actor=sysadmin, department=child, name="华南组", parent=other, head=None)
    assert err.value.code == "parent_other_company"
    assert not rows(actions.DEPARTMENT_UPDATE)


# --- users -------------------------------------------------------------------------------------

@pytest.mark.req("ORG-1")
def test_user_create_generates_a_password_shown_once(sysadmin, sales):
    result = services.user_create(actor=sysadmin, username="Zhang.San", full_name="张三", employee_no="E100",
                                  email="zhangsan@example.cn", department=sales)
    user = User.objects.get(pk=result.user.pk)
    assert result.password and len(result.password) >= 16
    assert user.check_password(result.password) and user.must_change_password
    [entry] = rows(actions.USER_CREATE)
    assert entry.data["password"] == "generated" and result.password not in str(entry.data)
    assert entry.data["department"] == "销售部"


@pytest.mark.req("ORG-1")
def test_user_create_checks_unique_username_employee_number_and_password_rules(sysadmin, sales, make_user):
    make_user(username="lisi", employee_no="E200", department=sales)
    cases = [
        ({"username": "LiSi", "employee_no": "E201"}, "username"),
        ({"username": "lisi2", "employee_no": "E200"}, "employee_no"),
        ({"username": "lisi3", "employee_no": "E202", "password": "short"}, "password"),
        ({"username": "lisi4", "employee_no": "E203", "password": "alllowercaseletters"}, "password"),
        ({"username": "李四", "employee_no": "E204"}, "username"),
        ({"username": "lisi5", "employee_no": "E205", "email": "not-an-email"}, "email"),
    ]
    for fields, field in cases:
        with pytest.raises(DomainError) as err:
            services.user_create(actor=sysadmin, full_name="李四", department=sales, **fields)
        assert err.value.field == field, fields
    chosen = services.user_create(actor=sysadmin, username="lisi6", full_name="李四", employee_no="E206",
                                  department=sales, password="Qiang-Mima-2026")
    assert chosen.password is None and chosen.user.check_password("Qiang-Mima-2026")
    assert chosen.user.must_change_password
    assert [e.data["password"] for e in rows(actions.USER_CREATE)] == ["chosen"]


@pytest.mark.req("ORG-1")
def test_user_update_records_old_and_new_department(sysadmin, sales, east, make_user):
    user = make_user(department=sales, full_name="赵六")
    services.user_update(actor=sysadmin, user=user, full_name="赵六", email="", department=east, manager=None)
    [entry] = rows(actions.USER_UPDATE)
    assert entry.data == {"department": ["销售部", "华东大区"]}
    # Saving the same values again changes nothing and writes nothing.
    services.user_update(actor=sysadmin, user=user, full_name="赵六", email="", department=east, manager=None)
    assert len(rows(actions.USER_UPDATE)) == 1


@pytest.mark.req("ORG-1")
def test_user_update_refuses_a_manager_cycle(sysadmin, sales, make_user):
    top = make_user(department=sales)
    middle = make_user(department=sales, manager=top)
    bottom = make_user(department=sales, manager=middle)
    # Top may report neither to themselves nor to someone below them.
    for manager in (top, bottom):
        with pytest.raises(DomainError) as err:
            services.user_update(actor=sysadmin, user=top, full_name=top.full_name, email="",
                                 department=sales, manager=manager)
        assert err.value.code == "manager_cycle" and err.value.field == "manager"
    assert User.objects.get(pk=top.pk).manager is None


@pytest.mark.req("SEC-2")
def test_user_disable_ends_sessions_and_tokens_and_is_audited_with_reason(sysadmin, sales, make_user):
    user = make_user(department=sales)
    store = SessionStore()
    store["_auth_user_id"] = str(user.pk)
    store.create()
    UserSession.objects.create(user=user, session_key=store.session_key)
    token = ApiToken.objects.create(user=user, prefix="abc", key_hash="h" * 64)
    with pytest.raises(DomainError) as err:
        services.user_disable(actor=sysadmin, user=user, reason="  ")
    assert err.value.field == "reason"

    services.user_disable(actor=sysadmin, user=user, reason="合同到期离职")

    user.refresh_from_db()
    token.refresh_from_db()
    assert not user.is_active and user.deactivated_at is not None
    assert not Session.objects.filter(session_key=store.session_key).exists()
    assert token.revoked_at is not None
    [entry] = rows(actions.USER_DISABLE)
    assert entry.reason == "合同到期离职" and entry.target_id == str(user.pk)
    with pytest.raises(Conflict):
        services.user_disable(actor=sysadmin, user=user, reason="再次")


@pytest.mark.req("SEC-2")
def test_user_cannot_disable_themselves(sysadmin):
    with pytest.raises(DomainError) as err:
        services.user_disable(actor=sysadmin, user=sysadmin, reason="测试")
    assert err.value.code == "disable_self"
    assert User.objects.get(pk=sysadmin.pk).is_active


@pytest.mark.req("SEC-2")
def test_disable_needs_a_successor_and_hands_over_in_one_transaction(sysadmin, sales, make_user):
    leaver = make_user(department=sales, full_name="钱七")
    successor = make_user(department=sales, full_name="孙八")
    report = make_user(department=sales, manager=leaver)
    sales.head = leaver
    sales.save()
    duty = PolicyResponsibility.objects.create(area="customer_data", department=sales, person=leaver)
    with pytest.raises(DomainError) as err:
        services.user_disable(actor=sysadmin, user=leaver, reason="离职")
    assert err.value.code == "successor_required" and err.value.field == "successor"
    assert User.objects.get(pk=leaver.pk).is_active

    services.user_disable(actor=sysadmin, user=leaver, reason="离职", successor=successor)

    sales.refresh_from_db()
    duty.refresh_from_db()
    report.refresh_from_db()
    assert (sales.head, duty.person, report.manager) == (successor, successor, successor)
    [entry] = rows(actions.USER_DISABLE)
    assert entry.data == {"successor": str(successor), "handover": {
        "org.department_head": 1, "org.policy_responsibility": 1, "org.direct_reports": 1}}


@pytest.mark.req("SEC-2")
def test_successor_who_reported_to_the_leaver_moves_up_a_level(sysadmin, sales, make_user):
    boss = make_user(department=sales)
    leaver = make_user(department=sales, manager=boss)
    successor = make_user(department=sales, manager=leaver)
    services.user_disable(actor=sysadmin, user=leaver, reason="离职", successor=successor)
    successor.refresh_from_db()
    assert successor.manager == boss


@pytest.mark.req("SEC-2")
def test_user_enable_and_reset_password(sysadmin, sales, make_user):
    user = make_user(department=sales)
    services.user_disable(actor=sysadmin, user=user, reason="休假")
    services.user_enable(actor=sysadmin, user=user, reason="返岗")
    user.refresh_from_db()
    assert user.is_active and user.deactivated_at is None
    assert len(rows(actions.USER_ENABLE)) == 1
    old_hash = user.password

    password = services.user_reset_password(actor=sysadmin, user=user)

    user.refresh_from_db()
    assert user.check_password(password) and user.must_change_password
    assert PasswordHistory.objects.filter(user=user, password=old_hash).exists()
    [entry] = rows(actions.PASSWORD_RESET)
    assert password not in str(entry.data)
    with pytest.raises(DomainError):
        services.user_reset_password(actor=sysadmin, user=sysadmin)


# --- roles -------------------------------------------------------------------------------------

@pytest.mark.req("ORG-2", "ORG-3")
def test_custom_roles_are_business_only(secadmin):
    role = services.role_create(actor=secadmin, code="regional-director", name="区域总监",
                                data_scope=roles.DEPARTMENT_TREE, permissions=[p.DIRECTORY_VIEW, p.POLICY_VIEW])
    assert role.duty == p.BUSINESS and role.data_scope == roles.DEPARTMENT_TREE
    [entry] = rows(actions.ROLE_CREATE)
    assert entry.data["permissions"] == sorted([p.DIRECTORY_VIEW, p.POLICY_VIEW])
    for perms in ([p.USERS_MANAGE], [p.AUDIT_VIEW], ["no.such.permission"]):
        with pytest.raises(DomainError) as err:
            services.role_create(actor=secadmin, code="x", name="x", data_scope=roles.OWN, permissions=perms)
        assert err.value.field == "permissions"
    with pytest.raises(Conflict):
        services.role_create(actor=secadmin, code="regional-director", name="重复", data_scope=roles.OWN,
                             permissions=[])


@pytest.mark.req("ORG-2", "SEC-2")
@pytest.mark.parametrize("role_code,foreign_duty", [
    (code, duty) for code, duty_of_role in
    [(roles.SYSTEM_ADMIN, p.SYSTEM), (roles.SECURITY_ADMIN, p.SECURITY), (roles.AUDIT_ADMIN, p.AUDIT)]
    for duty in p.DUTIES if duty != duty_of_role])
def test_admin_roles_cannot_be_edited_into_overlap(secadmin, role_code, foreign_duty):
    role = Role.objects.get(code=role_code)
    before = list(role.permissions)
    foreign = sorted(p.of_duty(foreign_duty))[0]
    with pytest.raises(DomainError) as err:
        services.role_update(actor=secadmin, role=role, name=role.name, data_scope=roles.OWN,
                             permissions=[*before, foreign])
    assert err.value.code == "permission_wrong_duty"
    assert Role.objects.get(pk=role.pk).permissions == before
    assert not rows(actions.ROLE_UPDATE)


@pytest.mark.req("ORG-2", "ORG-3")
def test_role_update_records_changed_permissions_and_scope(secadmin):
    role = Role.objects.get(code=roles.SALESPERSON)
    services.role_update(actor=secadmin, role=role, name=role.name, name_en=role.name_en,
                         data_scope=roles.DEPARTMENT, permissions=[p.DIRECTORY_VIEW])
    [entry] = rows(actions.ROLE_UPDATE)
    assert entry.data["data_scope"] == [roles.OWN_SHARED, roles.DEPARTMENT]
    before, after = entry.data["permissions"]
    assert p.POLICY_VIEW in before and after == [p.DIRECTORY_VIEW]


@pytest.mark.req("SEC-2")
def test_admin_role_cannot_be_combined_with_any_other(secadmin, sales, make_user):
    business_user = make_user(roles.SALESPERSON, department=sales)
    admin_user = make_user(roles.AUDIT_ADMIN, department=sales)
    with pytest.raises(Conflict) as err:
        services.role_grant(actor=secadmin, user=business_user, role=Role.objects.get(code=roles.SYSTEM_ADMIN))
    assert err.value.code == "admin_role_exclusive"
    for code in (roles.SALES_MANAGER, roles.SYSTEM_ADMIN):
        with pytest.raises(Conflict):
            services.role_grant(actor=secadmin, user=admin_user, role=Role.objects.get(code=code))
    assert not rows(actions.ROLE_GRANT)
    assert admin_user.roles.count() == 1 and business_user.roles.count() == 1


@pytest.mark.req("SEC-2")
def test_nobody_grants_roles_to_themselves(secadmin):
    for code in (roles.SECURITY_ADMIN, roles.SALESPERSON):
        with pytest.raises(PermissionDenied):
            services.role_grant(actor=secadmin, user=secadmin, role=Role.objects.get(code=code))
    with pytest.raises(PermissionDenied):
        services.role_revoke(actor=secadmin, user=secadmin, role=Role.objects.get(code=roles.SECURITY_ADMIN))
    assert secadmin.role_links.count() == 1


@pytest.mark.req("SEC-2")
def test_grant_and_revoke_are_audited_once_each(secadmin, sales, make_user):
    user = make_user(department=sales)
    role = Role.objects.get(code=roles.SALES_MANAGER)
    link = services.role_grant(actor=secadmin, user=user, role=role)
    assert link.granted_by == secadmin
    services.role_revoke(actor=secadmin, user=user, role=role)
    [grant] = rows(actions.ROLE_GRANT)
    [revoke] = rows(actions.ROLE_REVOKE)
    assert grant.data["role"] == revoke.data["role"] == roles.SALES_MANAGER
    with pytest.raises(Conflict):
        services.role_revoke(actor=secadmin, user=user, role=role)


@pytest.mark.req("SEC-2")
def test_user_roles_set_checks_the_whole_set_first(secadmin, sales, make_user):
    user = make_user(roles.SALESPERSON, department=sales)
    system_admin = Role.objects.get(code=roles.SYSTEM_ADMIN)
    with pytest.raises(Conflict):
        services.user_roles_set(actor=secadmin, user=user, roles_wanted=[system_admin, _business_role()])
    assert set(user.roles.values_list("code", flat=True)) == {roles.SALESPERSON}
    # Switching a business user to an admin duty works: the revoke runs before the grant.
    result = services.user_roles_set(actor=secadmin, user=user, roles_wanted=[system_admin])
    assert result == {"granted": [roles.SYSTEM_ADMIN], "revoked": [roles.SALESPERSON]}
    assert len(rows(actions.ROLE_GRANT)) == len(rows(actions.ROLE_REVOKE)) == 1


@pytest.mark.req("SEC-2")
def test_database_refuses_a_second_admin_role_even_through_the_orm(sales, make_user):
    user = make_user(roles.SYSTEM_ADMIN, department=sales)
    with pytest.raises(IntegrityError), transaction.atomic():
        UserRole.objects.create(user=user, role=Role.objects.get(code=roles.AUDIT_ADMIN))
    assert user.role_links.count() == 1
