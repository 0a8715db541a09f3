"""The default roles of REQUIREMENTS.md ORG-2 and their data scopes (ORG-3).

``ensure_default_roles`` is called by migrations: it creates missing default roles and adds
permissions that later releases grant to them, never removing what an administrator added.
"""

from __future__ import annotations

from kehu.org import permissions as p

OWN, OWN_SHARED, DEPARTMENT, DEPARTMENT_TREE, COMPANY, ALL = (
    "own",
    "own_shared",
    "department",
    "department_tree",
    "company",
    "all",
)
# Narrowest first: a user with several roles gets the widest scope among them.
SCOPE_ORDER = (OWN, OWN_SHARED, DEPARTMENT, DEPARTMENT_TREE, COMPANY, ALL)

SYSTEM_ADMIN = "system_admin"
SECURITY_ADMIN = "security_admin"
AUDIT_ADMIN = "audit_admin"
GENERAL_MANAGER = "general_manager"
MARKETING_VP = "marketing_vp"
SALES_MANAGER = "sales_manager"
KEY_ACCOUNT_MANAGER = "key_account_manager"
SALESPERSON = "salesperson"
CUSTOMER_SERVICE = "customer_service"
TECHNICAL_ENGINEER = "technical_engineer"
QUALITY_ENGINEER = "quality_engineer"
AFTER_SALES_ENGINEER = "after_sales_engineer"

_EVERYONE = [p.DIRECTORY_VIEW, p.POLICY_VIEW]

# code: (Chinese name, English name, duty, data scope, permissions)
DEFAULT_ROLES: dict[str, tuple[str, str, str, str, list[str]]] = {
    SYSTEM_ADMIN: ("系统管理员", "System administrator", p.SYSTEM, OWN,
                   [p.USERS_MANAGE, p.STRUCTURE_MANAGE, p.SYSTEM_CONFIGURE, p.SYSTEM_BACKUP, p.POLICY_DRAFT]),
    SECURITY_ADMIN: ("安全管理员", "Security administrator", p.SECURITY, OWN,
                     [p.ROLES_MANAGE, p.ROLES_ASSIGN, p.ACCOUNTS_UNLOCK, p.SECURITY_ALERTS]),
    AUDIT_ADMIN: ("审计管理员", "Audit administrator", p.AUDIT, OWN, [p.AUDIT_VIEW, p.AUDIT_REPORT]),
    GENERAL_MANAGER: ("总经理", "General manager", p.BUSINESS, ALL, [*_EVERYONE, p.POLICY_APPROVE]),
    MARKETING_VP: ("营销副总", "Marketing VP", p.BUSINESS, COMPANY, [*_EVERYONE, p.HANDOVER]),
    SALES_MANAGER: ("销售经理", "Sales manager", p.BUSINESS, DEPARTMENT_TREE, [*_EVERYONE, p.HANDOVER]),
    KEY_ACCOUNT_MANAGER: ("大客户经理", "Key-account manager", p.BUSINESS, OWN_SHARED, [*_EVERYONE]),
    SALESPERSON: ("销售员", "Salesperson", p.BUSINESS, OWN_SHARED, [*_EVERYONE]),
    CUSTOMER_SERVICE: ("客服专员", "Customer service", p.BUSINESS, COMPANY, [*_EVERYONE]),
    TECHNICAL_ENGINEER: ("技术工程师", "Technical engineer", p.BUSINESS, OWN_SHARED, [*_EVERYONE]),
    QUALITY_ENGINEER: ("质量工程师", "Quality engineer", p.BUSINESS, OWN_SHARED, [*_EVERYONE]),
    AFTER_SALES_ENGINEER: ("售后工程师", "After-sales engineer", p.BUSINESS, OWN_SHARED, [*_EVERYONE]),
}


def ensure_default_roles(role_model) -> None:
    """Create the default roles, or add the permissions a release grants to them. Idempotent."""
    for code, (name, name_en, duty, scope, perms) in DEFAULT_ROLES.items():
        role, created = role_model.objects.get_or_create(
            code=code,
            defaults={"name": name, "name_en": name_en, "duty": duty, "data_scope": scope,
                      "permissions": sorted(perms), "is_default": True},
        )
        if not created:
            missing = sorted(set(perms) - set(role.permissions))
            if missing:
                role.permissions = sorted({*role.permissions, *missing})
                role.save(update_fields=["permissions"])


def grant_to_default_roles(role_model, grants: dict[str, list[str]]) -> None:
    """A later app's migration gives default roles that app's permissions. Idempotent; adds only."""
    for code, perms in grants.items():
        role = role_model.objects.filter(code=code).first()
        if role is None:
            continue
        missing = sorted(set(perms) - set(role.permissions))
        if missing:
            role.permissions = sorted({*role.permissions, *missing})
            role.save(update_fields=["permissions"])
