"""The demo company's follow-ups and reminders: each salesperson has contacted some customers (one with a
next date today, so "my day" has something to show) and the sweep has made the first-contact tasks."""

from __future__ import annotations

import random

from kehu.core import clock
from kehu.customers.models import Customer
from kehu.engagement import reminders, services
from kehu.engagement.models import FollowUpKind

NOTES = ["电话沟通了年度采购计划", "上门拜访，介绍新产品线", "微信确认了样品寄送地址", "会议讨论了合作框架"]


def build_followups(users: list) -> None:
    rng = random.Random(20261206)
    for user in users:
        for index, customer in enumerate(Customer.objects.filter(owner=user).order_by("pk")[:3]):
            services.followup_record(actor=user, customer=customer, data={
                "kind": rng.choice(FollowUpKind.values), "content": rng.choice(NOTES),
                "next_step": "回访确认需求" if index == 0 else "", "next_date": clock.today() if index == 0 else None})
    reminders.contact_tasks_sweep(now=clock.now())
