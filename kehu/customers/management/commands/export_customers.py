"""``kehu export customers --as USER -o FILE [--format csv] [--request ID]`` (SEC-6)."""

from __future__ import annotations

import shutil

from django.core.management.base import BaseCommand, CommandError

from kehu.core import context
from kehu.core.errors import DomainError
from kehu.customers.exporter import FORMATS, export_customers
from kehu.customers.models import ExportRequest
from kehu.org.models import User


class Command(BaseCommand):
    help = "导出客户（.xlsx 或 .csv，带水印，按数据权限）"

    def add_arguments(self, parser):
        parser.add_argument("--as", dest="username", required=True)
        parser.add_argument("-o", "--output", required=True)
        parser.add_argument("--format", choices=FORMATS, default="xlsx")
        parser.add_argument("--request", type=int, help="已批准的导出申请编号（超过行数上限时）")

    def handle(self, *args, username: str, output: str, format: str, request: int | None, **options):
        try:
            actor = User.objects.get(username=username, is_active=True)
        except User.DoesNotExist as exc:
            raise CommandError(f"no active user {username!r}") from exc
        approved = ExportRequest.objects.filter(pk=request).first() if request else None
        with context.bound(context.RequestContext(channel="cli")):
            try:
                with export_customers(actor=actor, filters={}, fmt=format, approved=approved) as exported:
                    shutil.copyfile(exported.path, output)
            except DomainError as exc:
                raise CommandError(str(exc.message)) from exc
        self.stdout.write(f"已导出 {exported.rows} 行到 {output}")
