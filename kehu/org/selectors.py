"""Reads of the organisation. Account administration sees every account of the installation (accounts
are not business data); everyone else sees colleagues only within their data scope (ORG-3)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from kehu.core.errors import NotFound
from kehu.org import handover
from kehu.org import permissions as p
from kehu.org.access import require_any_permission, require_permission
from kehu.org.models import Company, Department, HandoverItem, HandoverRecord, Role, User

ACCOUNT_ADMIN_PERMISSIONS = (p.USERS_MANAGE, p.ROLES_ASSIGN)
STATUS_ACTIVE, STATUS_DISABLED = "active", "disabled"


def is_account_admin(user) -> bool:
    return any(user.has_permission(c) for c in ACCOUNT_ADMIN_PERMISSIONS)


def _with_relations(users: QuerySet) -> QuerySet:
    # A fixed number of queries for a page of users, however many: roles come in one prefetch.
    return users.select_related("department__company", "manager").prefetch_related(
        Prefetch("roles", queryset=Role.objects.order_by("id"))
    )


def _filtered(users: QuerySet, filters: dict | None) -> QuerySet:
    filters = filters or {}
    department = filters.get("department")
    if department:
        # A department filter includes its sub-departments.
        users = users.filter(department__path__startswith=department.path)
    role = filters.get("role")
    if role:
        users = users.filter(roles=role)
    status = filters.get("status")
    if status == STATUS_ACTIVE:
        users = users.filter(is_active=True)
    elif status == STATUS_DISABLED:
        users = users.filter(is_active=False)
    q = (filters.get("q") or "").strip()
    if q:
        users = users.filter(Q(full_name__icontains=q) | Q(username__icontains=q) | Q(employee_no__icontains=q))
    return users.order_by("employee_no")


def users_for_admin(actor, filters: dict | None = None) -> QuerySet:
    """Every account, for the system administrator (accounts) and the security administrator (roles).
    ``filters``: department (Department, subtree), role (Role), status ("active"/"disabled"), q (text)."""
    require_any_permission(actor, ACCOUNT_ADMIN_PERMISSIONS)
    return _with_relations(_filtered(User.objects.all(), filters))


def user_for_admin(actor, pk) -> User:
    return users_for_admin(actor).get(pk=pk)


def directory_for(user, filters: dict | None = None) -> QuerySet:
    """Colleagues the user may see (their data scope), active accounts only."""
    require_permission(user, p.DIRECTORY_VIEW)
    filters = {**(filters or {}), "status": STATUS_ACTIVE}
    return _with_relations(_filtered(User.objects.visible_to(user), filters))


def directory_departments(user) -> QuerySet:
    """Departments that have a colleague visible to ``user``: the choices of the directory's filter."""
    visible = User.objects.visible_to(user).filter(is_active=True).values("department")
    return Department.objects.filter(pk__in=visible).select_related("company").order_by("path")


@dataclass
class DepartmentNode:
    department: Department
    members: int  # active members of this department itself
    children: list[DepartmentNode] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Active members of the department and everything below it."""
        return self.members + sum(child.total for child in self.children)

    @property
    def depth(self) -> int:
        return self.department.depth

    @property
    def indent(self) -> int:
        """Bootstrap padding step (ps-3..ps-5) for the indented tree."""
        return min(self.depth + 2, 5)


def departments_tree(user) -> dict[int, list[DepartmentNode]]:
    """The department forest of each company (company id → root nodes), built from one query."""
    require_any_permission(user, (p.STRUCTURE_MANAGE, p.USERS_MANAGE))
    rows = (
        Department.objects.select_related("head", "company")
        .annotate(member_count=Count("members", filter=Q(members__is_active=True)))
        .order_by("path")
    )
    nodes: dict[int, DepartmentNode] = {}
    forest: dict[int, list[DepartmentNode]] = {}
    # Ordered by path, a parent always comes before its children.
    for department in rows:
        node = DepartmentNode(department, department.member_count)
        nodes[department.pk] = node
        parent = nodes.get(department.parent_id)
        if parent is not None:
            parent.children.append(node)
        else:
            forest.setdefault(department.company_id, []).append(node)
    return forest


def flatten(forest: list[DepartmentNode]) -> list[DepartmentNode]:
    """Depth-first order, for an indented list."""
    out: list[DepartmentNode] = []
    stack = list(reversed(forest))
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(reversed(node.children))
    return out


def companies_for(user) -> QuerySet:
    require_any_permission(user, (p.STRUCTURE_MANAGE, p.USERS_MANAGE))
    return Company.objects.select_related("parent").order_by("id")


def departments_for_admin(user) -> QuerySet:
    """Departments as choices for account and structure forms."""
    require_any_permission(user, (p.STRUCTURE_MANAGE, p.USERS_MANAGE, p.ROLES_ASSIGN))
    return Department.objects.select_related("company").order_by("path")


def department_for_admin(user, pk) -> Department:
    return departments_for_admin(user).get(pk=pk)


def roles_for(actor) -> QuerySet:
    require_any_permission(actor, (p.ROLES_MANAGE, p.ROLES_ASSIGN))
    return Role.objects.annotate(user_count=Count("user_links")).order_by("id")


def role_choices(actor) -> QuerySet:
    """Roles for the user list's filter: any account administrator may filter by role."""
    require_any_permission(actor, ACCOUNT_ADMIN_PERMISSIONS)
    return Role.objects.order_by("id")


def permissions_by_duty(codes=None) -> list[tuple[str, object, list[p.Permission]]]:
    """(duty, label, permissions) for every duty, optionally only the given codes."""
    labels = dict(Role.DUTY_CHOICES)
    grouped = []
    for duty in p.DUTIES:
        perms = [perm for perm in p.REGISTRY.values()
                 if perm.duty == duty and (codes is None or perm.code in codes)]
        if perms:
            grouped.append((duty, labels[duty], perms))
    return grouped


# --- departure handover (OWN-5) ------------------------------------------------------------------
HANDOVER_PERMISSIONS = (p.USERS_MANAGE, p.HANDOVER)


def handover_candidates(actor) -> QuerySet:
    """Whom ``actor`` may hand over or hand to: every account for the system administrator, the colleagues
    in their data scope for a manager holding ``org.handover``."""
    if actor.has_permission(p.USERS_MANAGE):
        return User.objects.all()
    require_permission(actor, p.HANDOVER)
    return User.objects.visible_to(actor)


def handovers_for(actor) -> QuerySet:
    """Handover records whose leaver ``actor`` may see, newest first."""
    require_any_permission(actor, HANDOVER_PERMISSIONS)
    records = HandoverRecord.objects.select_related("leaver", "actor").prefetch_related("receivers")
    if not actor.has_permission(p.USERS_MANAGE):
        records = records.filter(leaver__in=handover_candidates(actor).values("pk"))
    return records.order_by("-created_at", "-id")


def handover_for(actor, pk: int) -> HandoverRecord:
    record = handovers_for(actor).filter(pk=pk).first()
    if record is None:
        raise NotFound("handover_not_found", _("交接记录不存在"))
    return record


def handover_items(record: HandoverRecord) -> QuerySet:
    return HandoverItem.objects.filter(handover=record).select_related("receiver").order_by("kind", "object_id")


@dataclass(frozen=True)
class Orphaned:
    kind: str
    label: str
    count: int
    holders: list  # [(inactive user, count)], most first


def orphaned_records(actor) -> list[Orphaned]:
    """The admin check (AC-8): open records of each registered kind still held by a disabled account.
    ``actor`` None is the command line."""
    if actor is not None:
        require_permission(actor, p.USERS_MANAGE)
    found = []
    for code, kind in handover.HANDOVERS.items():
        held = list(kind.orphaned().order_by().values(kind.owner_field).annotate(n=Count("pk")).order_by("-n"))
        users = User.objects.in_bulk([row[kind.owner_field] for row in held])
        found.append(Orphaned(code, str(kind.label), sum(row["n"] for row in held),
                              [(users[row[kind.owner_field]], row["n"]) for row in held]))
    return found

