"""``kehu demo [--if-empty]``: a realistic demo company to click through (PLAT-4).

华信控股集团 with two subsidiaries, the departments a Chinese manufacturer's customer policy
names, about thirty people covering every default role, department heads and reporting lines.
Every demo user gets the same random password, new on each run, printed once in a table and
written to var/demo-logins.txt (mode 0600). ``--if-empty`` leaves a database that already has
users alone and prints that file again, so ``python3 dev.py demo`` can run it every time.

The demo runs as a system context (no actor): each company, department and user it creates is
written to the audit log like any other creation.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import factory
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from kehu.compliance import actions, audit
from kehu.core import clock, context, demo
from kehu.org import roles as r
from kehu.org.factories import CompanyFactory, DepartmentFactory, UserFactory
from kehu.org.models import Company, Department, Role, User
from kehu.org.passwords import random_password

GROUP = ("华信控股集团有限公司", "华信集团")
COMPANIES = {
    "sh": ("华信智能科技（上海）有限公司", "华信科技"),
    "hz": ("华信服务（杭州）有限公司", "华信服务"),
}
# (company, department, parent department or None, code)
DEPARTMENTS = [
    ("sh", "总经理办公室", None, "gm-office"),
    ("sh", "市场营销部", None, "marketing"),
    ("sh", "销售部", None, "sales"),
    ("sh", "华东大区", "销售部", "sales-east"),
    ("sh", "华南大区", "销售部", "sales-south"),
    ("sh", "客户服务部", None, "service"),
    ("sh", "技术部", None, "technology"),
    ("sh", "质量部", None, "quality"),
    ("sh", "售后服务部", None, "after-sales"),
    ("sh", "法务部", None, "legal"),
    ("sh", "信息技术部", None, "it"),
    ("hz", "客户服务部", None, "hz-service"),
    ("hz", "售后服务部", None, "hz-after-sales"),
]


@dataclass(frozen=True)
class Person:
    username: str
    name: str
    company: str
    department: str
    role: str
    manager: str | None = None  # username
    head: bool = False


PEOPLE = [
    Person("chenjianguo", "陈建国", "sh", "总经理办公室", r.GENERAL_MANAGER, head=True),
    Person("liuhaiyan", "刘海燕", "sh", "市场营销部", r.MARKETING_VP, "chenjianguo", head=True),
    Person("songjia", "宋佳", "sh", "市场营销部", r.SALESPERSON, "liuhaiyan"),
    Person("wangqiang", "王强", "sh", "销售部", r.SALES_MANAGER, "liuhaiyan", head=True),
    Person("liming", "李明", "sh", "华东大区", r.SALES_MANAGER, "wangqiang", head=True),
    Person("zhaomin", "赵敏", "sh", "华东大区", r.KEY_ACCOUNT_MANAGER, "liming"),
    Person("zhangwei", "张伟", "sh", "华东大区", r.SALESPERSON, "liming"),
    Person("huanglei", "黄磊", "sh", "华东大区", r.SALESPERSON, "liming"),
    Person("wuting", "吴婷", "sh", "华东大区", r.SALESPERSON, "liming"),
    Person("sunhao", "孙浩", "sh", "华东大区", r.SALESPERSON, "liming"),
    Person("linfeng", "林峰", "sh", "华南大区", r.SALES_MANAGER, "wangqiang", head=True),
    Person("zhengjie", "郑洁", "sh", "华南大区", r.KEY_ACCOUNT_MANAGER, "linfeng"),
    Person("hejun", "何军", "sh", "华南大区", r.SALESPERSON, "linfeng"),
    Person("mali", "马丽", "sh", "华南大区", r.SALESPERSON, "linfeng"),
    Person("xujing", "许静", "sh", "客户服务部", r.CUSTOMER_SERVICE, "chenjianguo", head=True),
    Person("yangfan", "杨帆", "sh", "客户服务部", r.CUSTOMER_SERVICE, "xujing"),
    Person("gaoxue", "高雪", "sh", "客户服务部", r.CUSTOMER_SERVICE, "xujing"),
    Person("xutao", "徐涛", "sh", "技术部", r.TECHNICAL_ENGINEER, "chenjianguo", head=True),
    Person("zhulei", "朱磊", "sh", "技术部", r.TECHNICAL_ENGINEER, "xutao"),
    Person("hubin", "胡斌", "sh", "质量部", r.QUALITY_ENGINEER, "chenjianguo", head=True),
    Person("guomin", "郭敏", "sh", "质量部", r.QUALITY_ENGINEER, "hubin"),
    Person("luogang", "罗刚", "sh", "售后服务部", r.AFTER_SALES_ENGINEER, "chenjianguo", head=True),
    Person("liangchao", "梁超", "sh", "售后服务部", r.AFTER_SALES_ENGINEER, "luogang"),
    Person("xiefang", "谢芳", "sh", "法务部", r.AUDIT_ADMIN, "chenjianguo", head=True),
    Person("tangwei", "唐伟", "sh", "信息技术部", r.SYSTEM_ADMIN, "chenjianguo", head=True),
    Person("hanxue", "韩雪", "sh", "信息技术部", r.SECURITY_ADMIN, "tangwei"),
    Person("denghua", "邓华", "hz", "客户服务部", r.CUSTOMER_SERVICE, "xujing", head=True),
    Person("caoyang", "曹阳", "hz", "客户服务部", r.CUSTOMER_SERVICE, "denghua"),
    Person("pengliang", "彭亮", "hz", "售后服务部", r.AFTER_SALES_ENGINEER, "luogang", head=True),
    Person("zengjing", "曾静", "hz", "售后服务部", r.AFTER_SALES_ENGINEER, "pengliang"),
]

LOGINS_FILE = "demo-logins.txt"


def _employee_no(n: int) -> str:
    return f"HX{n:04d}"


def _build(password: str) -> list[User]:
    group = CompanyFactory(name=GROUP[0], short_name=GROUP[1], parent=None)
    companies: dict[str, Company] = {"group": group}
    audit.record(None, actions.COMPANY_CREATE, group, {"source": "demo"})
    for key, (name, short) in COMPANIES.items():
        companies[key] = CompanyFactory(name=name, short_name=short, parent=group)
        audit.record(None, actions.COMPANY_CREATE, companies[key], {"source": "demo"})

    departments: dict[tuple[str, str], Department] = {}
    for company_key, name, parent, code in DEPARTMENTS:
        department = DepartmentFactory(
            company=companies[company_key], name=name, code=code,
            parent=departments[(company_key, parent)] if parent else None,
        )
        departments[(company_key, name)] = department
        audit.record(None, actions.DEPARTMENT_CREATE, department, {"company": department.company.name, "source": "demo"})

    hashed = make_password(password)  # one hash for everyone: the slow hasher runs once
    users: dict[str, User] = {}
    for n, person in enumerate(PEOPLE, start=1):
        user = UserFactory(
            username=person.username, full_name=person.name, employee_no=_employee_no(n),
            department=departments[(person.company, person.department)], roles=[person.role],
            password=factory.Transformer.Force(hashed), password_changed_at=clock.now(),
        )
        users[person.username] = user
        audit.record(None, actions.USER_CREATE, user, {"roles": [person.role], "source": "demo"})

    for person in PEOPLE:
        user = users[person.username]
        if person.manager:
            user.manager = users[person.manager]
            user.save(update_fields=["manager"])
        if person.head:
            department = user.department
            department.head = user
            department.save(update_fields=["head"])
    return [users[p.username] for p in PEOPLE]


def _table(users: list[User], password: str) -> str:
    role_names = dict(Role.objects.values_list("code", "name"))
    rows = [("角色 role", "用户名 username", "姓名 name", "部门 department", "双因素 2FA")]
    for user in users:
        department = f"{user.department.company.short_name} / {user.department.name}"
        rows.append((" + ".join(role_names[c] for c in sorted(user.role_codes)), user.username, user.full_name, department,
                     "TOTP" if user.requires_mfa else "—"))
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines += [
        "",
        f"所有演示用户的密码 / password for every demo user:  {password}",
        "标 TOTP 的用户（三员，以及可查看完整个人信息或导出数据的人）首次登录时须绑定双因素认证（手机验证器应用）。",
        "Users marked TOTP (the three admin duties, and whoever may reveal personal data or export) enrol an"
        " authenticator app at first sign-in.",
    ]
    return "\n".join(lines) + "\n"


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o600)  # an older file keeps its mode on O_CREAT


class Command(BaseCommand):
    help = "Load the demo company (华信控股集团) with about thirty users covering every default role"

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true",
                            help="do nothing (print the saved logins) when the database already has users")

    def handle(self, *args, if_empty: bool, **options):
        logins = Path(settings.VAR_DIR) / LOGINS_FILE
        if User.objects.exists():
            if not if_empty:
                raise CommandError("the database already has users; the demo loads only into an empty one")
            if logins.exists():
                self.stdout.write(logins.read_text(encoding="utf-8"), ending="")
            else:
                self.stdout.write("数据库中已有用户，未加载演示数据。/ Users exist; demo data not loaded.")
            return
        password = random_password()
        for n, person in enumerate(PEOPLE, start=1):  # the same rules as any password set in Kehu
            validate_password(password, User(username=person.username, full_name=person.name, employee_no=_employee_no(n)))
        with context.bound(context.RequestContext(channel="cli")), transaction.atomic():
            users = _build(password)
            demo.build_all(users)
        text = _table(users, password)
        _write_private(logins, text)
        self.stdout.write(text, ending="")
        self.stdout.write(f"(saved to {logins})")
