"""``kehu tasks sweep`` (REL-4): create the recontact and first-contact tasks due, as the hourly task does
(idempotent: run twice, the second run creates nothing)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from kehu.core import clock, context
from kehu.engagement import reminders


class Command(BaseCommand):
    help = "按生效制度生成再次联系和首次跟进待办（与每小时的定时任务相同）"

    def handle(self, *args, **options):
        with context.bound(context.RequestContext(channel="cli")):
            result = reminders.contact_tasks_sweep(now=clock.now())
        self.stdout.write(f"制度第 {result.policy_version} 版：再次联系 {result.recontact} 条，首次跟进 "
                          f"{result.first_contact} 条，取消已换负责人的 {result.cancelled} 条。")
