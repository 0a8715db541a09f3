"""``kehu import customers FILE --as USER [--dry-run] [--mode atomic|skip-invalid]`` (INFO-9).

Prints the report as a table; exits 1 when rows failed and nothing was imported (atomic mode or a
dry run with errors)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kehu.core import context
from kehu.core.errors import DomainError
from kehu.customers.importer import ATOMIC, MODES, import_file
from kehu.org.models import User


class Command(BaseCommand):
    help = "导入客户（.xlsx 或 .csv）"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--as", dest="username", required=True)
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--mode", choices=MODES, default=ATOMIC)

    def handle(self, *args, file: str, username: str, dry_run: bool, mode: str, **options):
        try:
            actor = User.objects.get(username=username, is_active=True)
        except User.DoesNotExist as exc:
            raise CommandError(f"no active user {username!r}") from exc
        path = Path(file)
        with context.bound(context.RequestContext(channel="cli")):
            try:
                report = import_file(actor=actor, data=path.read_bytes(), file_name=path.name, mode=mode,
                                     dry_run=dry_run)
            except DomainError as exc:
                raise CommandError(str(exc.message)) from exc
        summary = report.as_dict()
        if report.unknown_columns:
            self.stdout.write("未识别的列（已忽略）: " + "、".join(report.unknown_columns))
        if report.errors:
            self.stdout.write(f"{'行':>6}  {'列':<12}  {'值':<20}  规则")
            for e in report.errors:
                self.stdout.write(f"{e.row:>6}  {e.column:<12}  {e.value:<20}  {e.message}")
        self.stdout.write(f"共 {summary['total']} 行，通过 {summary['ok']} 行，失败 {summary['failed']} 行，"
                          f"已导入 {summary['imported']} 行{'（仅校验）' if dry_run else ''}。")
        if report.errors and (dry_run or mode == ATOMIC):
            raise SystemExit(1)
