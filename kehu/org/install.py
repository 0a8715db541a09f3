"""First set-up of a fresh installation (SECURITY.md AC-6): no default account, ever.

The first system administrator gets a random password that is printed once and must be changed
at first sign-in. Running the set-up again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from kehu.compliance import actions, audit
from kehu.org import roles
from kehu.org.models import Company, Department, Role, User, UserRole
from kehu.org.passwords import random_password

PASSWORD_LENGTH = 24


@dataclass(frozen=True)
class InitResult:
    company: Company
    department: Department
    admin: User | None  # None: a system administrator already existed
    password: str = ""



@transaction.atomic
def system_init(*, company_name: str, department_name: str, username: str, full_name: str,
                employee_no: str) -> InitResult:
    company = Company.objects.filter(parent__isnull=True).order_by("id").first()
    if company is None:
        company = Company.objects.create(name=company_name)
    department = Department.objects.filter(company=company).order_by("path").first()
    if department is None:
        department = Department.objects.create(company=company, name=department_name, code="it")
    if UserRole.objects.filter(role__code=roles.SYSTEM_ADMIN).exists():
        return InitResult(company, department, None)
    admin = User(username=username, full_name=full_name, employee_no=employee_no, department=department,
                 must_change_password=True)
    password = random_password(admin, length=PASSWORD_LENGTH)
    admin.set_password(password)
    admin.save()
    UserRole.objects.create(user=admin, role=Role.objects.get(code=roles.SYSTEM_ADMIN))
    admin.forget_roles()
    audit.record(None, actions.SYSTEM_INIT, admin,
                 {"company": company.name, "department": department.name, "admin": admin.username})
    return InitResult(company, department, admin, password)
