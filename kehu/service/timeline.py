"""Tickets on the customer timeline (kehu.customers.timeline): every step of every ticket of the customer,
from its TicketEvent rows, as one more branch of the timeline's one query. Importing the module registers
the source (kehu.service.apps)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N

from kehu.customers import timeline
from kehu.service.models import Status, TicketEvent
from kehu.service.selectors import ticket_url

_TITLES = {
    "open": N("登记工单 %(number)s：%(title)s"),
    "update": N("修改工单 %(number)s"),
    "assign": N("工单 %(number)s 改派"),
    "respond": N("首次响应工单 %(number)s"),
    "transition": N("工单 %(number)s 改为“%(status)s”"),
    "feedback": N("工单 %(number)s 处理结果已反馈客户"),
}
_OTHER = N("工单 %(number)s：%(action)s")


def rows(customer, user):
    return TicketEvent.objects.filter(ticket__customer=customer).values(**timeline.columns(
        "ticket", at="at", actor="by", t1="ticket__number", t2="ticket__title", t3="action", t4="to_status",
        t5="note", t6="ticket_id"))


def event(customer, row) -> timeline.TimelineEvent:
    values = {"number": row["t1"], "title": row["t2"], "action": row["t3"],
              "status": str(dict(Status.choices).get(row["t4"], row["t4"]))}
    title = _(_TITLES.get(row["t3"], _OTHER)) % values
    return timeline.TimelineEvent(at=row["at"], kind="ticket", title=title, detail=row["t5"],
                                  actor_name=row["actor"], url=ticket_url(row["t6"]))


timeline.register("ticket", rows=rows, event=event)
