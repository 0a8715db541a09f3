"""The demo company's follow-ups and reminders: each salesperson has contacted some customers (one with a
next date today, so "my day" has something to show) and the sweep has made the first-contact tasks."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.urls import reverse

from kehu.core import clock
from kehu.customers import services as customer_services
from kehu.customers.demo import valid
from kehu.customers.forms import ContactForm
from kehu.customers.models import Customer
from kehu.engagement import care, events, notify, planning, reminders, services, visits
from kehu.engagement.models import EventKind, FollowUpKind, IntelKind, InviteChannel
from kehu.org import roles
from kehu.policy.evaluators.base import SHANGHAI
from kehu.policy.evaluators.care import lunar_birthday
from kehu.policy.evaluators.tiers import classify
from kehu.policy.selectors import version_in_force

NOTES = ["电话沟通了年度采购计划", "上门拜访，介绍新产品线", "微信确认了样品寄送地址", "会议讨论了合作框架"]


def build_followups(users: list) -> None:
    rng = random.Random(20261206)
    for user in users:
        for index, customer in enumerate(Customer.objects.filter(owner=user).order_by("pk")[:3]):
            services.followup_record(actor=user, customer=customer, data={
                "kind": rng.choice(FollowUpKind.values), "content": rng.choice(NOTES),
                "next_step": "回访确认需求" if index == 0 else "", "next_date": clock.today() if index == 0 else None})
    reminders.contact_tasks_sweep(now=clock.now())


# --- visits, care, events and notifications (issue #5): what the people sign in to ----------------
# The demo grades its customers with the classification evaluator (CLS-1) from an annual sales figure
# it makes up (the sales records the classification will read do not exist yet); everything after
# that runs through the services the pages and the nightly jobs use.
SALES = {roles.KEY_ACCOUNT_MANAGER: [0, 0, 25_000_000, 25_000_000, 8_000_000, 8_000_000, 1_000_000],
         roles.SALESPERSON: [8_000_000, 1_000_000, 1_000_000, 0]}
SHARE = {25_000_000: 4}  # percent of company revenue: a key customer
VISITS = [  # (days ago, content, customer attendees, feedback, intelligence)
    (3, "季度拜访，回顾合作执行情况", "采购经理、生产总监", "对交付周期满意，希望加快售后响应",
     [(IntelKind.DEMAND, "明年计划新增两条产线，需要配套设备"), (IntelKind.COMPETITOR, "竞品报价低 8%，但交期长")]),
    (1, "陪同质量工程师现场审核", "质量经理", "质量问题已闭环", [(IntelKind.PERSONNEL, "采购总监下月调任集团总部")]),
]


def build_engagement(users: list) -> None:
    by_name = {user.username: user for user in users}
    _grade(users)
    planning.plan_visits()  # the nightly sweep: this period's plans for every graded customer
    kam = next(user for user in users if roles.KEY_ACCOUNT_MANAGER in user.role_codes)
    quality = next(user for user in users if roles.QUALITY_ENGINEER in user.role_codes)
    book = list(Customer.objects.filter(owner=kam).order_by("pk"))
    today = clock.today()
    for customer, (ago, content, people, feedback, intel) in zip(book, VISITS, strict=False):
        on = max(today - dt.timedelta(days=ago), today.replace(day=1))  # in this month: it fulfils this month's plan
        visits.visit_record(actor=kam, customer=customer, visited_on=on, content=content,
                            attendees=[quality] if ago == 1 else [], customer_attendees=people, feedback=feedback,
                            intel=intel)
    _birthdays(kam, book[0], today)
    care.sweep(today)  # the daily care sweep: the birthdays above become the owner's care tasks
    _event(by_name.get("liuhaiyan") or kam, kam, book, today)


def _grade(users: list) -> None:
    rules = version_in_force(clock.now())
    for user in users:
        figures = next((SALES[code] for code in SALES if code in user.role_codes), None)
        if figures is None:
            continue
        for index, customer in enumerate(Customer.objects.filter(owner=user).order_by("pk")):
            sales = figures[index % len(figures)]
            tier = classify(rules.section("tiers"), Decimal(sales), Decimal(SHARE.get(sales, 0)),
                            designated_strategic=figures is SALES[roles.KEY_ACCOUNT_MANAGER] and index < 2,
                            version=rules.number).tier
            Customer.objects.filter(pk=customer.pk).update(tier=tier)


def _birthdays(owner, customer: Customer, today: dt.date) -> None:
    """Two contacts whose birthdays fall in the care window: one solar (in two days), one lunar (tomorrow)."""
    solar = today + dt.timedelta(days=2)
    lunar_born = lunar_birthday(today + dt.timedelta(days=1), 1978)  # born on tomorrow's lunar day, in 1978
    for name, born, is_lunar in (("周晓燕", solar.replace(year=1985), False), ("钱志远", lunar_born, True)):
        customer_services.contact_create(actor=owner, customer=customer, data=valid(ContactForm, {
            "name": name, "title": "副总经理", "birthday": born.isoformat(), "birthday_is_lunar": is_lunar}))


def _event(organiser, inviter, book: list[Customer], today: dt.date) -> None:
    starts = dt.datetime.combine(today + dt.timedelta(days=10), dt.time(14), SHANGHAI)
    event = events.event_save(actor=organiser, title="2026 年度客户答谢会", kind=EventKind.THANKSGIVING, starts_at=starts,
                              location="上海浦东香格里拉大酒店", description="年度答谢晚宴与新产品发布")
    for customer, channel in zip(book[:3], [InviteChannel.IN_PERSON, InviteChannel.PHONE, InviteChannel.WECHAT],
                                 strict=False):
        events.invite(actor=inviter, event=event, customer=customer, contact=customer.contacts.first(),
                      channel=channel)
    notify.notify([inviter], "event", "请确认答谢会邀请名单",
                  f"{event.title}将于 {starts:%m月%d日} 举行，已邀请 3 位客户，请在活动前确认回复。",
                  url=reverse("engagement:event_detail", args=[event.pk]))
