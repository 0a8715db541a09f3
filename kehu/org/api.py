"""Organisation endpoints: who am I, the staff directory and the department tree (ORG-1..3, PLAT-2).

The directory comes from the same selector as the directory page (``selectors.directory_for``:
the caller's data scope, ORG-3), so the API shows exactly what the pages show; a colleague out
of scope is 404, as if they did not exist.
"""


from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from kehu.core.pagination import LimitOffsetPagination
from kehu.org import permissions, selectors
from kehu.org.access import require_permission
from kehu.org.models import Department

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
    department: int | None = Field(None, description="部门 ID（含下级部门）")
    q: str | None = Field(None, max_length=100, description="姓名、用户名或工号中的任意片段")


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


@router.get("/users", response=list[UserOut], summary="同事通讯录（按数据范围，仅在职）")
@paginate(LimitOffsetPagination)
def user_list(request, filters: Query[UserFilter]):
    department = None
    if filters.department is not None:
        department = Department.objects.filter(pk=filters.department).first()
        if department is None:
            return selectors.directory_for(request.auth).none()
    return selectors.directory_for(request.auth, {"department": department, "q": filters.q})


@router.get("/users/{user_id}", response=UserOut, summary="同事详情")
def user_detail(request, user_id: int):
    return get_object_or_404(selectors.directory_for(request.auth), pk=user_id)


@router.get("/departments", response=list[DepartmentOut], summary="本公司的部门树（按路径排序）")
@paginate(LimitOffsetPagination)
def department_list(request):
    require_permission(request.auth, permissions.DIRECTORY_VIEW)
    company_id = request.auth.department.company_id if request.auth.department_id else None
    return Department.objects.filter(company_id=company_id).select_related("head").order_by("path")
