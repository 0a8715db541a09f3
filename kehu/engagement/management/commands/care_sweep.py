"""``kehu care sweep [--date YYYY-MM-DD] [--dry-run]`` (REL-3): create the care tasks due, as the daily task
does (idempotent); ``--dry-run`` lists the occasions without creating anything."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from kehu.core import clock, context
from kehu.engagement import care


class Command(BaseCommand):
    help = "按生效制度的关怀规则生成客户关怀待办（与每日定时任务相同）"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="按哪一天计算（默认今天），YYYY-MM-DD")
        parser.add_argument("--dry-run", action="store_true", help="只列出到期的关怀，不生成待办")

    def handle(self, *args, date: str | None, dry_run: bool, **options):
        try:
            today = dt.date.fromisoformat(date) if date else clock.today()
        except ValueError:
            raise CommandError(f"--date 不是 YYYY-MM-DD 格式的日期：{date}") from None
        if dry_run:
            version, due = care.due_on(today)
            for item in due:
                self.stdout.write(f"{item.occasion.on}  {item.title}  {item.customer.owner.username}")
            self.stdout.write(f"制度第 {version} 版：{len(due)} 项关怀到期（未生成待办）。")
            return
        with context.bound(context.RequestContext(channel="cli")):
            created = care.sweep(today)
        self.stdout.write(f"已生成 {created} 项客户关怀待办。")
