"""``kehu tickets_sweep [--at ISO]`` (SVC-3): the SLA sweep the 15-minute task runs (states, due-soon notices,
escalations, auto-close), now or as of ``--at``; idempotent, so running it twice changes nothing."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kehu.core import clock, context
from kehu.service import sla_sweep


def _moment(value: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--at 须为 ISO 时间，如 2026-10-08T09:00+08:00，而不是 {value!r}") from None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


class Command(BaseCommand):
    help = "服务时限巡检：更新响应与解决时限状态、即将超时提醒、超时升级、超期自动关闭（与每 15 分钟的定时任务相同）"

    def add_arguments(self, parser):
        parser.add_argument("--at", type=_moment, help="按此时刻巡检（ISO 8601；无时区按北京时间）")

    def handle(self, *args, at=None, **options):
        with context.bound(context.RequestContext(channel="cli")):
            result = sla_sweep.sla_sweep(now=at or clock.now())
        self.stdout.write(f"检查 {result.checked} 张进行中工单：状态变化 {result.changed} 张，即将超时提醒 "
                          f"{result.due_soon} 张，超时升级 {result.escalated} 张；自动关闭 {result.auto_closed} 张。")
        if result.unevaluated:
            self.stderr.write(f"{result.unevaluated} 张工单的时限超出 chinese_calendar 已公布的年份，未能计算，"
                              f"请升级该软件包。")
