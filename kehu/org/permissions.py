"""The registry of permission codes. Roles hold lists of these codes; code checks use them by name.

Each permission belongs to one *duty*. The three admin duties (system, security, audit) are
separated as MLPS 2.0 level 3 demands (三员分立): a role of one admin duty may hold only that
duty's permissions, and no admin duty ever holds a business permission (SECURITY.md AC-2).
Later apps add their permissions with ``register``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

SYSTEM, SECURITY, AUDIT, BUSINESS = "system", "security", "audit", "business"
DUTIES = (SYSTEM, SECURITY, AUDIT, BUSINESS)
ADMIN_DUTIES = (SYSTEM, SECURITY, AUDIT)


@dataclass(frozen=True)
class Permission:
    code: str
    label: object
    duty: str


REGISTRY: dict[str, Permission] = {}


def register(code: str, label, duty: str) -> str:
    if duty not in DUTIES:
        raise ValueError(f"unknown duty {duty!r}")
    existing = REGISTRY.get(code)
    if existing and existing.duty != duty:
        raise ValueError(f"permission {code} registered twice with different duties")
    REGISTRY[code] = Permission(code, label, duty)
    return code


def of_duty(duty: str) -> set[str]:
    return {p.code for p in REGISTRY.values() if p.duty == duty}


# System administrator: accounts, structure, configuration, backups; no business data.
USERS_MANAGE = register("org.users.manage", _("管理用户账号（创建、停用、重置密码）"), SYSTEM)
STRUCTURE_MANAGE = register("org.structure.manage", _("管理公司与部门"), SYSTEM)
SYSTEM_CONFIGURE = register("system.configure", _("系统配置"), SYSTEM)
SYSTEM_BACKUP = register("system.backup", _("备份与恢复"), SYSTEM)
POLICY_DRAFT = register("policy.draft", _("起草制度版本"), SYSTEM)

# Security administrator: roles, data scopes, role assignment, unlocks, security alerts.
ROLES_MANAGE = register("org.roles.manage", _("管理角色、权限与数据范围"), SECURITY)
ROLES_ASSIGN = register("org.roles.assign", _("为用户分配角色"), SECURITY)
ACCOUNTS_UNLOCK = register("security.unlock", _("解锁被锁定的账号"), SECURITY)
SECURITY_ALERTS = register("security.alerts.view", _("查看安全告警"), SECURITY)

# Audit administrator: reads the audit log, changes nothing.
AUDIT_VIEW = register("audit.view", _("查询审计日志"), AUDIT)
AUDIT_REPORT = register("audit.report", _("审计报表"), AUDIT)

# Business.
DIRECTORY_VIEW = register("org.directory.view", _("查看组织通讯录"), BUSINESS)
POLICY_VIEW = register("policy.view", _("查看制度"), BUSINESS)
POLICY_APPROVE = register("policy.approve", _("审批并发布制度版本"), BUSINESS)
# Departure handover (OWN-5): move a leaving colleague's records to others and disable them, within one's scope.
HANDOVER = register("org.handover", _("办理离职交接（移交其负责的记录并停用账号）"), BUSINESS)
