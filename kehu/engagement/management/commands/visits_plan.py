"""``kehu visits plan`` (REL-2): the planning sweep the nightly task runs (idempotent): plans of the current
periods from the policy in force, ended ones marked missed, open ones re-resolved or superseded."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from kehu.core import context
from kehu.engagement import planning


class Command(BaseCommand):
    help = "按生效制度的拜访周期生成本期拜访计划（与每晚的定时任务相同，可重复运行）"

    def handle(self, *args, **options):
        with context.bound(context.RequestContext(channel="cli")):
            result = planning.plan_visits()
        self.stdout.write(
            f"制度第 {result.policy_version} 版：新建计划 {result.created}，标记未按期 {result.missed}，"
            f"重新指派 {result.reassigned}，按新制度重排 {result.superseded}，已由拜访完成 {result.fulfilled}。")
