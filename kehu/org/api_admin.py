"""Account administration over the API: /api/v1/admin/users and /api/v1/admin/roles.

The same selectors and services as the pages; a DomainError becomes JSON through the API's one handler.
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.utils import check_csrf

from kehu.core.errors import NotFound
from kehu.org import selectors, services
from kehu.org.api_auth import ApiTokenAuth, SessionAuth
from kehu.org.models import User

# Administrators drive these from the browser pages too: their session (second factor done) or a token.
router = Router(tags=["admin"], auth=[ApiTokenAuth(), SessionAuth()])

MAX_PAGE_SIZE = 100


def actor_of(request) -> User:
    """The bearer token's user when the API authenticated one, else the signed-in session user."""
    token_user = getattr(request, "auth", None)
    user = token_user or request.user
    if not user.is_authenticated:
        raise AuthenticationError()
    if token_user is None and request.method not in ("GET", "HEAD", "OPTIONS") and check_csrf(request):
        # A session cookie alone must not let another site post here (Ninja skips CSRF without an auth class).
        raise HttpError(403, _("CSRF 校验失败。"))
    return user


def _get(queryset, label, **lookup):
    try:
        return queryset.get(**lookup)
    except ObjectDoesNotExist as exc:
        raise NotFound("not_found", _("%(what)s不存在或您无权查看。") % {"what": label}) from exc


class UserOut(Schema):
    id: int
    username: str
    full_name: str
    employee_no: str
    email: str
    department_id: int | None
    department: str | None
    manager_id: int | None
    is_active: bool
    roles: list[str]

    @staticmethod
    def resolve_department(obj: User) -> str | None:
        return obj.department.name if obj.department_id else None

    @staticmethod
    def resolve_roles(obj: User) -> list[str]:
        return [role.code for role in obj.roles.all()]


class UserPage(Schema):
    count: int
    items: list[UserOut]


class UserFilters(Schema):
    q: str = ""
    department_id: int | None = None
    role: str = ""
    status: str = ""
    offset: int = Field(0, ge=0)
    limit: int = Field(50, ge=1, le=MAX_PAGE_SIZE)


class UserIn(Schema):
    username: str
    full_name: str
    employee_no: str
    email: str = ""
    department_id: int
    manager_id: int | None = None
    password: str | None = Field(None, description="省略时生成随机初始密码，仅在响应中返回一次")


class UserCreated(Schema):
    user: UserOut
    initial_password: str | None


class DisableIn(Schema):
    reason: str
    successor_id: int | None = None


class RoleOut(Schema):
    id: int
    code: str
    name: str
    duty: str
    data_scope: str
    permissions: list[str]
    is_default: bool
    user_count: int


@router.get("/users", response=UserPage, summary="用户列表")
def list_users(request, filters: Query[UserFilters]):
    actor = actor_of(request)
    criteria = {"q": filters.q, "status": filters.status}
    if filters.department_id is not None:
        criteria["department"] = _get(selectors.departments_for_admin(actor), _("部门"), pk=filters.department_id)
    if filters.role:
        criteria["role"] = _get(selectors.role_choices(actor), _("角色"), code=filters.role)
    users = selectors.users_for_admin(actor, criteria)
    return {"count": users.count(), "items": list(users[filters.offset:filters.offset + filters.limit])}


@router.post("/users", response={201: UserCreated}, summary="创建用户")
def create_user(request, payload: UserIn):
    actor = actor_of(request)
    department = _get(selectors.departments_for_admin(actor), _("部门"), pk=payload.department_id)
    manager = (_get(selectors.users_for_admin(actor), _("直属上级"), pk=payload.manager_id)
               if payload.manager_id else None)
    result = services.user_create(actor=actor, username=payload.username, full_name=payload.full_name,
                                  employee_no=payload.employee_no, email=payload.email, department=department,
                                  manager=manager, password=payload.password)
    user = selectors.user_for_admin(actor, result.user.pk)
    return Status(201, {"user": user, "initial_password": result.password})


@router.post("/users/{user_id}/disable", response=UserOut, summary="停用用户")
def disable_user(request, user_id: int, payload: DisableIn):
    actor = actor_of(request)
    user = _get(selectors.users_for_admin(actor), _("用户"), pk=user_id)
    successor = (_get(selectors.users_for_admin(actor), _("交接人"), pk=payload.successor_id)
                 if payload.successor_id else None)
    services.user_disable(actor=actor, user=user, reason=payload.reason, successor=successor)
    return selectors.user_for_admin(actor, user_id)


@router.get("/roles", response=list[RoleOut], summary="角色列表")
def list_roles(request):
    return list(selectors.roles_for(actor_of(request)))
