"""``kehu init``: set up a fresh installation (company, IT department, first system administrator)."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.core import context
from kehu.org.install import system_init


class Command(BaseCommand):
    help = gettext_lazy("初始化新安装：创建集团公司、信息技术部和第一个系统管理员（随机密码，只显示一次）。可重复运行。")

    def add_arguments(self, parser):
        parser.add_argument("--company", default="集团公司", help=gettext_lazy("集团公司名称（尚无公司时创建）"))
        parser.add_argument("--department", default="信息技术部", help=gettext_lazy("首个部门名称（尚无部门时创建）"))
        parser.add_argument("--username", default="sysadmin", help=gettext_lazy("第一个系统管理员的用户名"))
        parser.add_argument("--full-name", default="系统管理员")
        parser.add_argument("--employee-no", default="SYS0001")

    def handle(self, *args, **options):
        with context.bound(context.RequestContext(channel="cli")):
            result = system_init(
                company_name=options["company"], department_name=options["department"],
                username=options["username"], full_name=options["full_name"], employee_no=options["employee_no"],
            )
        self.stdout.write(_("公司：%(company)s；部门：%(department)s")
                          % {"company": result.company.name, "department": result.department.name})
        if result.admin is None:
            self.stdout.write(_("已存在系统管理员，未创建新账号。如忘记密码，请由现有系统管理员重置。"))
            return
        self.stdout.write(self.style.SUCCESS(_("已创建系统管理员：%(username)s") % {"username": result.admin.username}))
        # The password goes to the terminal only: never to a log or the audit entry.
        self.stdout.write(_("初始密码（只显示这一次，首次登录后须修改）：%(password)s") % {"password": result.password})
