"""Writes to the organisation (ORG-1..3, SECURITY.md AC-2, AC-8): companies, departments, users, roles
and role assignments. Every function checks the actor's permission, validates, writes and records
one audit entry, all in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import password_validation
from django.contrib.auth.validators import ASCIIUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import CharField, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from kehu.compliance import actions, audit
from kehu.core import clock, context
from kehu.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from kehu.core.i18n import join_list
from kehu.org import handover, roles, selectors
from kehu.org import permissions as p
from kehu.org.access import require_permission
from kehu.org.models import (
    Company,
    Department,
    HandoverItem,
    HandoverRecord,
    PasswordHistory,
    Role,
    User,
    UserRole,
)
from kehu.org.passwords import random_password
from kehu.org.sessions import end_all_sessions

# --- helpers ---------------------------------------------------------------------------------


def _shown(value):
    """How a value appears in the audit log's old→new pairs: related rows by name, lists sorted."""
    if value is None or isinstance(value, str | int | bool):
        return value
    if isinstance(value, list | tuple | set | frozenset):
        return sorted(value)
    return str(value)


def _apply_changes(instance, new_values: dict) -> dict[str, list]:
    """Set the changed attributes on ``instance``; return {field: [old, new]} for the audit entry."""
    changes = {}
    for field, new in new_values.items():
        old = getattr(instance, field)
        differs = sorted(old) != sorted(new) if isinstance(old, list) else old != new
        if differs:
            changes[field] = [_shown(old), _shown(new)]
            setattr(instance, field, new)
    return changes


def _required(value: str, field: str, label: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError("required", _("%(field)s不能为空。") % {"field": label}, field=field)
    return value


# Letters and digits a reader cannot confuse (no 0/O, 1/l/I) and symbols easy to type on any keyboard.
def _set_password(user: User, raw: str) -> None:
    """Set a password chosen by an administrator: the user must replace it at next sign-in."""
    if user.pk and user.has_usable_password():
        PasswordHistory.objects.create(user=user, password=user.password)
    user.set_password(raw)
    user.password_changed_at = clock.now()
    user.must_change_password = True


def _validate_password(raw: str, user: User) -> None:
    try:
        password_validation.validate_password(raw, user=user)
    except ValidationError as exc:
        raise DomainError("password_invalid", " ".join(exc.messages), field="password") from exc


# --- companies and departments ---------------------------------------------------------------


@transaction.atomic
def company_create(*, actor: User, name: str, short_name: str = "", parent: Company | None = None) -> Company:
    """ORG-1: one group (the company without a parent) and its subsidiaries."""
    require_permission(actor, p.STRUCTURE_MANAGE)
    name = _required(name, "name", _("公司名称"))
    if Company.objects.filter(name=name).exists():
        raise Conflict("company_exists", _("公司名称“%(name)s”已存在。") % {"name": name}, field="name")
    group = Company.objects.filter(parent__isnull=True).first()
    if parent is None and group is not None:
        raise DomainError("group_exists", _("上级公司：集团已存在（%(group)s），新公司须作为其子公司。") % {"group": group},
                          field="parent")
    if parent is not None and not parent.is_group:
        raise DomainError("parent_not_group", _("上级公司：只能选择集团作为上级公司。"), field="parent")
    company = Company.objects.create(name=name, short_name=(short_name or "").strip(), parent=parent)
    audit.record(actor, actions.COMPANY_CREATE, company,
                 {"name": company.name, "short_name": company.short_name, "parent": _shown(parent)})
    return company


def _check_department_fields(*, company: Company, parent: Department | None, name: str, head: User | None,
                             department: Department | None = None) -> None:
    if parent is not None and parent.company_id != company.pk:
        raise DomainError("parent_other_company", _("上级部门：只能选择同一公司内的部门。"), field="parent")
    siblings = Department.objects.filter(company=company, parent=parent, name=name)
    if department is not None:
        siblings = siblings.exclude(pk=department.pk)
    if siblings.exists():
        raise Conflict("department_exists", _("部门名称：同一上级下已有名为“%(name)s”的部门。") % {"name": name},
                       field="name")
    if head is not None and not head.is_active:
        raise DomainError("head_inactive", _("部门负责人：不能选择已停用的账号。"), field="head")


@transaction.atomic
def department_create(*, actor: User, company: Company, name: str, parent: Department | None = None,
                      head: User | None = None, code: str = "") -> Department:
    require_permission(actor, p.STRUCTURE_MANAGE)
    name = _required(name, "name", _("部门名称"))
    _check_department_fields(company=company, parent=parent, name=name, head=head)
    department = Department.objects.create(company=company, parent=parent, name=name, head=head,
                                           code=(code or "").strip())
    audit.record(actor, actions.DEPARTMENT_CREATE, department,
                 {"company": _shown(company), "name": name, "parent": _shown(parent), "head": _shown(head),
                  "code": department.code})
    return department


@transaction.atomic
def department_update(*, actor: User, department: Department, name: str, parent: Department | None,
                      head: User | None, code: str = "") -> Department:
    """Rename, change the head, or move under another parent of the same company. A move rewrites the
    ``path`` of the department and of every descendant here, so data scopes follow at once."""
    require_permission(actor, p.STRUCTURE_MANAGE)
    department = Department.objects.select_for_update().get(pk=department.pk)
    name = _required(name, "name", _("部门名称"))
    if parent is not None and (parent.pk == department.pk or parent.path.startswith(department.path)):
        raise DomainError("department_cycle", _("上级部门：不能移动到自身或其下级部门之下。"), field="parent")
    _check_department_fields(company=department.company, parent=parent, name=name, head=head,
                             department=department)
    old_path = department.path
    changes = _apply_changes(department, {"name": name, "parent": parent, "head": head,
                                          "code": (code or "").strip()})
    if not changes:
        return department
    if "parent" in changes:
        segment = old_path.rstrip(".").rsplit(".", 1)[-1]
        prefix = parent.path if parent is not None else f"c{department.company_id}."
        new_path = f"{prefix}{segment}."
        moved = Department.objects.filter(path__startswith=old_path).update(
            path=Concat(Value(new_path), Substr("path", len(old_path) + 1), output_field=CharField())
        )
        department.path = new_path
        changes["descendants_moved"] = moved - 1
    department.save()
    audit.record(actor, actions.DEPARTMENT_UPDATE, department, changes)
    return department


# --- users -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserWithPassword:
    user: User
    # The generated password, to show once; None when the administrator chose it.
    password: str | None


def _check_username(username: str, *, exclude: User | None = None) -> str:
    username = _required(username, "username", _("用户名"))
    try:
        ASCIIUsernameValidator()(username)
    except ValidationError as exc:
        raise DomainError("username_invalid", _("用户名：只能包含英文字母、数字和 @/./+/-/_ 字符。"),
                          field="username") from exc
    taken = User.objects.filter(username__iexact=username)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        raise Conflict("username_taken", _("用户名“%(name)s”已被使用（不区分大小写）。") % {"name": username},
                       field="username")
    return username


def _check_person_fields(*, user: User | None, email: str, department: Department | None,
                         manager: User | None) -> str:
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise DomainError("email_invalid", _("电子邮箱：格式不正确。"), field="email") from exc
    if department is None:
        raise DomainError("required", _("部门：每位用户必须属于一个部门。"), field="department")
    if manager is not None:
        if not manager.is_active:
            raise DomainError("manager_inactive", _("直属上级：不能选择已停用的账号。"), field="manager")
        if user is not None and _reports_to(manager, user):
            raise DomainError("manager_cycle", _("直属上级：不能选择本人或本人的下级（汇报关系不能成环）。"),
                              field="manager")
    return email


def _reports_to(candidate: User, user: User) -> bool:
    """True if ``candidate`` is ``user`` or sits anywhere below them in the reporting line."""
    seen = set()
    current = candidate
    while current is not None and current.pk not in seen:
        if current.pk == user.pk:
            return True
        seen.add(current.pk)
        current = User.objects.filter(pk=current.manager_id).first() if current.manager_id else None
    return False


@transaction.atomic
def user_create(*, actor: User, username: str, full_name: str, employee_no: str, department: Department | None,
                email: str = "", manager: User | None = None, password: str | None = None) -> UserWithPassword:
    """Create an account. Without ``password`` a random one is generated and returned to be shown once;
    either way the user must change it at first sign-in (SECURITY.md AC-6)."""
    require_permission(actor, p.USERS_MANAGE)
    username = _check_username(username)
    full_name = _required(full_name, "full_name", _("姓名"))
    employee_no = _required(employee_no, "employee_no", _("工号"))
    if User.objects.filter(employee_no=employee_no).exists():
        raise Conflict("employee_no_taken", _("工号“%(no)s”已被使用。") % {"no": employee_no}, field="employee_no")
    email = _check_person_fields(user=None, email=email, department=department, manager=manager)
    user = User(username=username, full_name=full_name, employee_no=employee_no, email=email,
                department=department, manager=manager)
    generated = None
    if password:
        _validate_password(password, user)
    else:
        password = generated = random_password()
    _set_password(user, password)
    user.save()
    audit.record(actor, actions.USER_CREATE, user,
                 {"username": username, "full_name": full_name, "employee_no": employee_no, "email": email,
                  "department": _shown(department), "manager": _shown(manager),
                  "password": "generated" if generated else "chosen"})
    return UserWithPassword(user, generated)


@transaction.atomic
def user_update(*, actor: User, user: User, full_name: str, email: str, department: Department | None,
                manager: User | None) -> User:
    require_permission(actor, p.USERS_MANAGE)
    user = User.objects.select_for_update().get(pk=user.pk)
    full_name = _required(full_name, "full_name", _("姓名"))
    email = _check_person_fields(user=user, email=email, department=department, manager=manager)
    changes = _apply_changes(user, {"full_name": full_name, "email": email, "department": department,
                                    "manager": manager})
    if changes:
        user.save()
        audit.record(actor, actions.USER_UPDATE, user, changes)
    return user


@transaction.atomic
def user_disable(*, actor: User, user: User, reason: str, successor: User | None = None) -> User:
    """Disable an account: its sessions and API tokens end now, and what it was responsible for goes to
    ``successor`` in this same transaction (SECURITY.md AC-7, AC-8)."""
    require_permission(actor, p.USERS_MANAGE)
    reason = _required(reason, "reason", _("停用原因"))
    if user.pk == actor.pk:
        raise DomainError("disable_self", _("不能停用自己的账号。"), field="user")
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise Conflict("already_disabled", _("该账号已经停用。"))
    held = handover.pending(user)
    if successor is not None:
        if successor.pk == user.pk or not successor.is_active:
            raise DomainError("successor_invalid", _("交接人：须为另一位在职（启用）的用户。"), field="successor")
    elif held:
        labels = join_list(handover.HANDOVERS[code].label for code in held)
        raise DomainError("successor_required",
                          _("交接人：该用户仍负责%(what)s，停用前须指定交接人。") % {"what": labels},
                          field="successor", details={"pending": held})
    moved = handover.hand_over(user, successor, actor=actor, reason=reason) if successor is not None else {}
    _deactivate(actor, user, reason=reason,
                data={"successor": _shown(successor), "handover": {k: n for k, n in moved.items() if n}})
    return user


def _deactivate(actor: User, user: User, *, reason: str, data: dict) -> None:
    """The account stops now: disabled, every session ended, every API token revoked (AC-7), audited."""
    user.is_active = False
    user.deactivated_at = clock.now()
    user.save(update_fields=["is_active", "deactivated_at"])
    end_all_sessions(user)
    audit.record(actor, actions.USER_DISABLE, user, data, reason=reason)


@transaction.atomic
def user_handover(*, actor: User, leaver: User, receivers: list[User], reason: str,
                  split: str | handover.Split = "even") -> HandoverRecord:
    """Departure handover (OWN-5, AC-8), in ONE transaction: everything ``leaver`` holds moves to
    ``receivers`` (split evenly, or by a rule), then the account is disabled with its sessions and tokens.

    ``split``: "even" (round-robin in id order) or a callable (kind, ids, receivers) -> {receiver pk: ids}.
    Nothing may be left behind: if a record appeared for the leaver meanwhile, the whole handover is
    refused and rolled back."""
    candidates = selectors.handover_candidates(actor)
    reason = _required(reason, "reason", _("交接原因"))
    leaver = candidates.select_for_update(of=("self",)).filter(pk=leaver.pk).first()
    if leaver is None:
        raise NotFound("user_not_found", _("用户不存在或不在您的管理范围内。"))
    if leaver.pk == actor.pk:
        raise DomainError("handover_self", _("不能为自己办理离职交接。"), field="leaver")
    if not leaver.is_active:
        raise Conflict("already_disabled", _("该账号已经停用。"))
    unique = list({r.pk: r for r in receivers}.values())
    if not unique:
        raise DomainError("receivers_required", _("接收人：请至少选择一位。"), field="receivers")
    found = {u.pk: u for u in candidates.filter(pk__in=[r.pk for r in unique], is_active=True).exclude(pk=leaver.pk)}
    if len(found) != len(unique):
        raise DomainError("receiver_invalid", _("接收人：须为您管理范围内另一位在职（启用）的用户。"), field="receivers")
    unique = [found[r.pk] for r in unique]
    if isinstance(split, str) and split != "even":
        raise DomainError("invalid_split", _("分配方式只能是平均分配或一条规则。"), field="split")
    rule = handover.split_even if split == "even" else split
    planned = handover.plan(leaver, unique, rule, lock=True)
    record = HandoverRecord.objects.create(leaver=leaver, actor=actor, reason=reason,
                                           split="even" if split == "even" else getattr(split, "__name__", "rule"),
                                           channel=context.current().channel[:10])
    record.receivers.set(unique)
    moved = handover.carry_out(planned, unique, actor=actor, reason=reason)
    left = handover.pending(leaver)
    if left:
        raise Conflict("handover_incomplete", _("交接时又有记录分配给了该用户，请重新办理。"), details={"left": left})
    HandoverItem.objects.bulk_create(
        (HandoverItem(handover=record, kind=code, object_id=object_id, receiver_id=pk)
         for code, shares in planned.items() for pk, ids in shares.items() for object_id in ids), batch_size=1000)
    record.counts = {code: sum(by.values()) for code, by in moved.items()}
    record.per_receiver = {str(r.pk): {code: by[r.pk] for code, by in moved.items() if r.pk in by} for r in unique}
    record.save(update_fields=["counts", "per_receiver"])
    data = {"handover": record.pk, "receivers": [_shown(r) for r in unique], "counts": record.counts,
            "per_receiver": {str(r): record.per_receiver[str(r.pk)] for r in unique}}
    audit.record(actor, actions.USER_HANDOVER, leaver, data, reason=reason)
    _deactivate(actor, leaver, reason=reason, data={"successor": None, "handover": record.counts,
                                                    "handover_record": record.pk})
    return record


@transaction.atomic
def user_enable(*, actor: User, user: User, reason: str = "") -> User:
    require_permission(actor, p.USERS_MANAGE)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        raise Conflict("already_active", _("该账号已经是启用状态。"))
    user.is_active = True
    user.deactivated_at = None
    user.save(update_fields=["is_active", "deactivated_at"])
    audit.record(actor, actions.USER_ENABLE, user, {}, reason=(reason or "").strip())
    return user


@transaction.atomic
def user_reset_password(*, actor: User, user: User) -> str:
    """Give the user a new random password (returned to be shown once); they must change it at sign-in.
    Their existing sessions end with the old password (Django checks the password hash per session)."""
    require_permission(actor, p.USERS_MANAGE)
    if user.pk == actor.pk:
        raise DomainError("reset_self", _("不能重置自己的密码，请使用“修改密码”。"), field="user")
    user = User.objects.select_for_update().get(pk=user.pk)
    password = random_password()
    _set_password(user, password)
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    audit.record(actor, actions.PASSWORD_RESET, user, {"by_admin": True})
    return password


# --- roles -----------------------------------------------------------------------------------


def _check_role_permissions(duty: str, codes) -> list[str]:
    """A role holds only permissions of its own duty: that keeps the three admin duties disjoint and
    custom (business) roles away from administration (SECURITY.md AC-2)."""
    codes = sorted(set(codes))
    unknown = [c for c in codes if c not in p.REGISTRY]
    if unknown:
        raise DomainError("permission_unknown", _("权限：未知的权限编码 %(codes)s。") % {"codes": join_list(unknown)},
                          field="permissions")
    foreign = [c for c in codes if p.REGISTRY[c].duty != duty]
    if foreign:
        duty_label = dict(Role.DUTY_CHOICES)[duty]
        raise DomainError(
            "permission_wrong_duty",
            _("权限：%(duty)s角色只能包含同一职责类别的权限，以下权限不属于该类别：%(codes)s。")
            % {"duty": duty_label, "codes": join_list(p.REGISTRY[c].label for c in foreign)},
            field="permissions",
        )
    return codes


def _check_scope(data_scope: str) -> str:
    if data_scope not in roles.SCOPE_ORDER:
        raise DomainError("scope_invalid", _("数据范围：无效的选项。"), field="data_scope")
    return data_scope


@transaction.atomic
def role_create(*, actor: User, code: str, name: str, data_scope: str, permissions: list[str],
                name_en: str = "", description: str = "") -> Role:
    """Custom roles are business roles: the admin duties are exactly the three default roles."""
    require_permission(actor, p.ROLES_MANAGE)
    code = _required(code, "code", _("角色编码"))
    name = _required(name, "name", _("角色名称"))
    if Role.objects.filter(code=code).exists():
        raise Conflict("role_exists", _("角色编码“%(code)s”已存在。") % {"code": code}, field="code")
    codes = _check_role_permissions(p.BUSINESS, permissions)
    role = Role.objects.create(code=code, name=name, name_en=(name_en or "").strip(), description=description or "",
                               duty=p.BUSINESS, data_scope=_check_scope(data_scope), permissions=codes)
    audit.record(actor, actions.ROLE_CREATE, role,
                 {"code": code, "name": name, "duty": role.duty, "data_scope": role.data_scope, "permissions": codes})
    return role


@transaction.atomic
def role_update(*, actor: User, role: Role, name: str, data_scope: str, permissions: list[str],
                name_en: str = "", description: str = "") -> Role:
    """Edit a role. Its duty never changes, and its permissions stay within that duty."""
    require_permission(actor, p.ROLES_MANAGE)
    role = Role.objects.select_for_update().get(pk=role.pk)
    name = _required(name, "name", _("角色名称"))
    codes = _check_role_permissions(role.duty, permissions)
    data_scope = _check_scope(data_scope)
    if role.is_admin_duty and data_scope != roles.OWN:
        # Admin roles see no business data, so their scope is fixed (it is ignored by visible_to anyway).
        raise DomainError("admin_scope", _("数据范围：管理员角色的数据范围固定为“本人”。"), field="data_scope")
    changes = _apply_changes(role, {"name": name, "name_en": (name_en or "").strip(),
                                    "description": description or "", "data_scope": data_scope,
                                    "permissions": codes})
    if changes:
        role.save()
        audit.record(actor, actions.ROLE_UPDATE, role, changes)
    return role


def _check_can_assign(actor: User, user: User) -> None:
    require_permission(actor, p.ROLES_ASSIGN)
    if user.pk == actor.pk:
        # Nobody changes their own roles: in particular the security administrator cannot make
        # themselves anything else, nor hand themselves a second security-admin grant.
        raise PermissionDenied("assign_self", _("不能修改自己的角色，须由另一位安全管理员操作。"))


def _combination_error(roles_held) -> DomainError | None:
    admin = [r for r in roles_held if r.is_admin_duty]
    if admin and len(roles_held) > 1:
        return Conflict(
            "admin_role_exclusive",
            _("角色：管理员角色（%(role)s）不能与其他任何角色同时授予同一用户（三员分立）。") % {"role": admin[0].display_name},
            field="roles",
        )
    return None


@transaction.atomic
def role_grant(*, actor: User, user: User, role: Role) -> UserRole:
    _check_can_assign(actor, user)
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise DomainError("user_inactive", _("不能为已停用的账号授予角色。"), field="user")
    held = list(user.roles.all())
    if role in held:
        raise Conflict("role_held", _("该用户已拥有角色“%(role)s”。") % {"role": role.display_name}, field="roles")
    error = _combination_error([*held, role])
    if error:
        raise error
    link = UserRole.objects.create(user=user, role=role, granted_by=actor)
    audit.record(actor, actions.ROLE_GRANT, user, {"role": role.code, "role_name": role.name})
    return link


@transaction.atomic
def role_revoke(*, actor: User, user: User, role: Role) -> None:
    _check_can_assign(actor, user)
    deleted, _rows = UserRole.objects.filter(user=user, role=role).delete()
    if not deleted:
        raise Conflict("role_not_held", _("该用户没有角色“%(role)s”。") % {"role": role.display_name}, field="roles")
    audit.record(actor, actions.ROLE_REVOKE, user, {"role": role.code, "role_name": role.name})


@transaction.atomic
def user_roles_set(*, actor: User, user: User, roles_wanted) -> dict[str, list[str]]:
    """The role assignment page: make ``user`` hold exactly ``roles_wanted``, one audited grant or revoke
    per change. The whole set is checked first so an illegal combination changes nothing."""
    _check_can_assign(actor, user)
    wanted = {r.pk: r for r in roles_wanted}
    error = _combination_error(list(wanted.values()))
    if error:
        raise error
    held = {r.pk: r for r in user.roles.all()}
    # Revokes first, so switching someone from a business role to an admin role is legal.
    for pk in held.keys() - wanted.keys():
        role_revoke(actor=actor, user=user, role=held[pk])
    for pk in wanted.keys() - held.keys():
        role_grant(actor=actor, user=user, role=wanted[pk])
    user.forget_roles()
    return {"granted": sorted(wanted[pk].code for pk in wanted.keys() - held.keys()),
            "revoked": sorted(held[pk].code for pk in held.keys() - wanted.keys())}
