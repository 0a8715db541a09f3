"""The demo company's service tickets: 32 over the last three weeks, across kinds, channels and
states, every one opened and moved through the services (so its history, audit and notifications are real)
at the moment it happened, then the SLA sweep as of now: some breached and escalated, old resolved ones
auto-closed with their callback tasks, some closed and rated. A strategic customer's quality complaint is
among the open ones, and one ticket waits on the customer."""

from __future__ import annotations

import datetime as dt

from kehu.core import clock
from kehu.customers.models import Customer
from kehu.engagement.models import Task
from kehu.org import roles
from kehu.service import callbacks, services, services_rating, sla_sweep
from kehu.service.models import Status, TicketCategory

# (kind, channel, category code, severity, title, days ago opened, outcome)
#   outcome: "new" | "respond" | "waiting" | "resolve" | "close" | "rate:<n>"
STORIES = [
    ("quality", "phone", "product_quality", "normal", "设备运行时异响，怀疑轴承问题", 1, "respond"),
    ("complaint", "wechat", "service_attitude", "normal", "售后人员上门迟到两小时", 2, "new"),
    ("after_sales", "phone", "installation_repair", "normal", "生产线控制柜需要上门检修", 4, "waiting"),
    ("inquiry", "email", "consultation", "minor", "询问新款设备的节能参数", 0, "new"),
    ("complaint", "web_form", "delivery_logistics", "normal", "到货延误五天，影响开工", 6, "new"),
    ("quality", "in_app", "product_quality", "major", "一批次配件尺寸超差", 3, "respond"),
    ("suggestion", "email", "other_matters", "minor", "建议提供中英文双语说明书", 9, "resolve"),
    ("complaint", "complaint_box", "service_attitude", "normal", "门店接待态度冷淡", 12, "rate:4"),
    ("after_sales", "phone", "installation_repair", "normal", "空压机保养到期提醒", 14, "rate:5"),
    ("quality", "phone", "product_quality", "normal", "涂层局部起泡", 18, "resolve"),
    ("complaint", "email", "price_billing", "normal", "发票金额与合同不符", 10, "rate:2"),
    ("inquiry", "wechat", "consultation", "minor", "咨询质保期限", 8, "close"),
    ("after_sales", "in_app", "installation_repair", "critical", "主电机烧毁，产线停机", 1, "respond"),
    ("complaint", "phone", "delivery_logistics", "normal", "包装破损，外壳划伤", 5, "new"),
    ("suggestion", "web_form", "other_matters", "minor", "希望增加微信报修入口", 7, "resolve"),
    ("quality", "email", "product_quality", "normal", "传感器读数漂移", 16, "rate:3"),
]
NOTES = {"respond": "已电话联系客户，安排工程师跟进", "cause": "部件批次质量问题", "solution": "更换部件并加强来料检验",
         "feedback": "已向客户说明原因和整改措施"}


def build_tickets(users: list) -> None:
    by_role = {code: [user for user in users if code in user.role_codes] for code in roles.DEFAULT_ROLES}
    desk = by_role[roles.CUSTOMER_SERVICE][0]  # the service desk registers the phone calls and e-mails
    handlers = by_role[roles.AFTER_SALES_ENGINEER] + by_role[roles.QUALITY_ENGINEER]
    categories = {c.code: c for c in TicketCategory.objects.all()}
    strategic = list(Customer.objects.filter(tier="strategic", owner__isnull=False).order_by("pk")[:2])
    others = list(Customer.objects.filter(owner__isnull=False).exclude(tier="strategic").order_by("pk")[:12])
    book = strategic + others
    now = clock.now()
    # Each story twice, the second time two days earlier for another customer: 32 tickets.
    for index, (kind, channel, category, severity, title, days, outcome) in enumerate(STORIES * 2):
        customer = book[index % len(book)] if book and index % 5 != 4 else None  # every fifth: a walk-in
        handler = handlers[index % len(handlers)]
        opened = now - dt.timedelta(days=days + 2 * (index // len(STORIES)), hours=index % 7)
        with clock.frozen(opened):
            ticket = services.ticket_open(
                actor=desk, kind=kind, channel=channel, title=title, description=title, customer=customer,
                category=categories.get(category), severity=severity, responsible=handler,
                **({} if customer else {"reporter_name": "陈先生", "reporter_phone": "13800138000",
                                        "reporter_company": "个人客户"}))
        _play(ticket, handler, outcome, opened, now)
    sla_sweep.sla_sweep(now=now)  # states, escalations, auto-close of the old resolved ones


def _play(ticket, handler, outcome: str, opened: dt.datetime, now: dt.datetime) -> None:
    if outcome == "new":
        return
    step = (now - opened) / 4  # the rest of its story spread over its life so far
    with clock.frozen(opened + step):
        ticket = services.ticket_respond(actor=handler, ticket=ticket, note=NOTES["respond"])
    if outcome == "waiting":
        with clock.frozen(opened + 2 * step):
            services.ticket_transition(actor=handler, ticket=ticket, to=Status.WAITING, note="等待客户提供设备照片")
        return
    if outcome == "respond":
        return
    with clock.frozen(opened + 2 * step):
        ticket = services.ticket_transition(actor=handler, ticket=ticket, to=Status.RESOLVED, cause=NOTES["cause"],
                                            solution=NOTES["solution"])
        ticket = services.ticket_feedback(actor=handler, ticket=ticket, feedback=NOTES["feedback"])
    if outcome == "resolve":
        return
    with clock.frozen(opened + 3 * step):
        ticket = services.ticket_transition(actor=handler, ticket=ticket, to=Status.CLOSED, by_customer=True)
    if outcome.startswith("rate:"):
        caller = Task.objects.get(source_key=callbacks.source_key(ticket.pk)).assignee  # who calls back rates
        score = int(outcome.removeprefix("rate:"))
        with clock.frozen(opened + 3 * step + dt.timedelta(hours=2)):
            services_rating.ticket_rate(actor=caller, ticket=ticket, satisfaction=score,
                                        comment="处理及时，比较满意" if score >= 4 else "希望响应更快")
