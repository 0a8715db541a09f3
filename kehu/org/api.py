"""Organisation endpoints: who am I, the staff directory and the department tree (ORG-1..3, PLAT-2).

Every list goes through ``visible_to`` (the one data-scope rule, ORG-3), so the API shows
exactly what the pages show; an object out of scope is 404, as if it did not exist.
"""


from django.db.models import Q
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from kehu.core.pagination import LimitOffsetPagination
from kehu.org import permissions
from kehu.org.access import require_permission
from kehu.org.models import Department, User

router = Router(tags=["org"])


class DepartmentRef(Schema):
    id: int
    name: str


class PersonRef(Schema):
    id: int
    full_name: str


class RoleOut(Schema):
    code: str
    name: str = Field(alias="display_name")
    duty: str
    data_scope: str


class UserOut(Schema):
    id: int
    username: str
    full_name: str
    employee_no: str
    department: DepartmentRef | None
    manager: PersonRef | None
    is_active: bool


class MeOut(Schema):
    user: UserOut
    roles: list[RoleOut]
    permissions: list[str]
    data_scope: str
    data_scope_label: str
    admin_duty: str | None
    requires_mfa: bool


class DepartmentOut(Schema):
    id: int
    name: str
    code: str
    parent_id: int | None
    depth: int
    head: PersonRef | None
    is_active: bool


class UserFilter(Schema):
    department: int | None = Field(None, description="部门 ID")
    q: str | None = Field(None, max_length=100, description="用户名或姓名中的任意片段")


@router.get("/me", response=MeOut, summary="当前用户、角色、权限与数据范围")
def me(request):
    user = request.auth
    return {
        "user": user,
        "roles": user.roles.all(),
        "permissions": sorted(user.permission_codes),
        "data_scope": user.data_scope,
        "data_scope_label": user.data_scope_label,
        "admin_duty": user.admin_duty,
        "requires_mfa": user.requires_mfa,
    }


def _users_for(user):
    return User.objects.visible_to(user).select_related("department", "manager")


@router.get("/users", response=list[UserOut], summary="用户列表（按数据范围）")
@paginate(LimitOffsetPagination)
def user_list(request, filters: Query[UserFilter]):
    require_permission(request.auth, permissions.DIRECTORY_VIEW)
    users = _users_for(request.auth)
    if filters.department is not None:
        users = users.filter(department_id=filters.department)
    if filters.q:
        users = users.filter(Q(username__icontains=filters.q) | Q(full_name__icontains=filters.q))
    return users


@router.get("/users/{user_id}", response=UserOut, summary="用户详情")
def user_detail(request, user_id: int):
    require_permission(request.auth, permissions.DIRECTORY_VIEW)
    return get_object_or_404(_users_for(request.auth), pk=user_id)


@router.get("/departments", response=list[DepartmentOut], summary="本公司的部门树（按路径排序）")
@paginate(LimitOffsetPagination)
def department_list(request):
    require_permission(request.auth, permissions.DIRECTORY_VIEW)
    company_id = request.auth.department.company_id if request.auth.department_id else None
    return Department.objects.filter(company_id=company_id).select_related("head").order_by("path")
