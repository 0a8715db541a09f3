"""ORG-1..3: the organisation tree and the data-scope matrix, counts exact."""

import pytest

from kehu.org import roles
from kehu.org.factories import CompanyFactory, DepartmentFactory, UserFactory
from kehu.org.models import Role, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    group = CompanyFactory(name="华东控股集团有限公司", parent=None)
    sub_a = CompanyFactory(name="上海华东销售有限公司", parent=group)
    sub_b = CompanyFactory(name="杭州华东服务有限公司", parent=group)
    sales = DepartmentFactory(company=sub_a, name="销售部")
    north = DepartmentFactory(company=sub_a, parent=sales, name="华北组")
    south = DepartmentFactory(company=sub_a, parent=sales, name="华南组")
    market = DepartmentFactory(company=sub_a, name="市场营销部")
    service = DepartmentFactory(company=sub_b, name="客户服务部")
    return {"group": group, "a": sub_a, "b": sub_b, "sales": sales, "north": north, "south": south,
            "market": market, "service": service}


@pytest.mark.req("ORG-1")
def test_department_tree_paths_nest(org):
    assert org["north"].path.startswith(org["sales"].path)
    assert not org["market"].path.startswith(org["sales"].path)
    assert org["group"].is_group and not org["a"].is_group
    assert list(org["group"].subsidiaries.order_by("id")) == [org["a"], org["b"]]


@pytest.mark.req("ORG-2")
def test_default_roles_exist_with_disjoint_admin_duties():
    codes = set(Role.objects.values_list("code", flat=True))
    assert set(roles.DEFAULT_ROLES) <= codes
    admin = {code: set(Role.objects.get(code=code).permissions)
             for code in (roles.SYSTEM_ADMIN, roles.SECURITY_ADMIN, roles.AUDIT_ADMIN)}
    assert not admin[roles.SYSTEM_ADMIN] & admin[roles.SECURITY_ADMIN]
    assert not admin[roles.SYSTEM_ADMIN] & admin[roles.AUDIT_ADMIN]
    assert not admin[roles.SECURITY_ADMIN] & admin[roles.AUDIT_ADMIN]


SCOPE_CASES = [
    # role granting the scope, expected visible usernames (besides the viewer)
    (roles.OWN, set()),
    (roles.DEPARTMENT, {"n1"}),
    (roles.DEPARTMENT_TREE, {"n1", "s1", "head"}),
    (roles.COMPANY, {"n1", "s1", "head", "m1"}),
    (roles.ALL, {"n1", "s1", "head", "m1", "b1"}),
]


@pytest.mark.req("ORG-3")
@pytest.mark.parametrize("scope,expected", SCOPE_CASES)
def test_visible_to_matrix_on_users(org, scope, expected):
    role = Role.objects.create(code=f"scope-{scope}", name=scope, data_scope=scope)
    viewer = UserFactory(username="viewer", department=org["north"])
    viewer.roles.add(role)
    viewer.forget_roles()
    dept_for_viewer = {roles.DEPARTMENT_TREE: org["sales"]}.get(scope)
    if dept_for_viewer:
        viewer.department = dept_for_viewer
        viewer.save()
        expected = expected - {"head"} | {"n1", "s1"}
        UserFactory(username="head2", department=org["sales"])
        expected = expected | {"head2"}
    UserFactory(username="n1", department=org["north"])
    UserFactory(username="s1", department=org["south"])
    if scope != roles.DEPARTMENT_TREE:
        UserFactory(username="head", department=org["sales"])
    UserFactory(username="m1", department=org["market"])
    UserFactory(username="b1", department=org["service"])
    visible = set(User.objects.visible_to(viewer).values_list("username", flat=True))
    assert visible == expected | {"viewer"}


@pytest.mark.req("ORG-3")
def test_widest_role_scope_wins_and_inactive_sees_nothing(org):
    user = UserFactory(department=org["north"], roles=[roles.SALESPERSON, roles.SALES_MANAGER])
    assert user.data_scope == roles.DEPARTMENT_TREE
    user.is_active = False
    assert User.objects.visible_to(user).count() == 0
