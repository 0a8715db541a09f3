"""``kehu pool sweep [--dry-run]`` (OWN-3): return the customers the pool rules in force say are due,
as the nightly task does (idempotent); ``--dry-run`` lists them without moving any."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from kehu.core import clock, context
from kehu.customers import ownership, pools
from kehu.customers.models import Customer


class Command(BaseCommand):
    help = "按生效的公海规则把到期客户退回公海（与每晚的定时任务相同）"

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="只列出到期客户，不退回")

    def handle(self, *args, dry_run: bool, **options):
        now = clock.now()
        if dry_run:
            rules, version = ownership.pool_rules(now)
            due = Customer._base_manager.filter(pools.return_window_q(rules, now)).select_related("owner")
            shown = 0
            for customer in due.iterator(chunk_size=500):
                decision = pools.decide_return(rules, customer, now, version)
                if decision.due:
                    shown += 1
                    self.stdout.write(f"{customer.pk:>8}  {customer.name}  {customer.owner.full_name}  {decision.reason}")
            self.stdout.write(f"制度第 {version} 版：{shown} 个客户到期（未退回）。")
            return
        with context.bound(context.RequestContext(channel="cli")):
            result = ownership.pool_return_sweep(now=now)
        rules = "，".join(f"{rule} {count}" for rule, count in sorted(result.by_rule.items())) or "—"
        self.stdout.write(f"制度第 {result.policy_version} 版：退回公海 {result.returned} 个客户（{rules}）。")
