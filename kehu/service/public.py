"""The public service page (SVC-8): filing a ticket without signing in, looking up its status by tracking
number and phone, and the per-address and per-phone limits on both.

What leaves this module for an anonymous visitor is a tracking number or a ``PublicStatus``: never a
Ticket, a customer or a person, so no template can show more than these few fields.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from kehu.compliance import audit
from kehu.core.protected import protected_lookup
from kehu.core.ratelimit import hit, retry_after
from kehu.customers.models import Contact, Customer
from kehu.service import actions, services
from kehu.service.models import Channel, Ticket, TicketKind

# What a customer may raise here; after-sales and quality issues come through staff, who can judge them.
PUBLIC_KINDS = (TicketKind.COMPLAINT, TicketKind.SUGGESTION, TicketKind.INQUIRY)
# Who handles it, as the status page says: never the responsible person's name.
TEAM_NAME = _("客户服务团队")

HOUR, DAY = 3600, 86400


@dataclass(frozen=True)
class Limit:
    setting: str
    window: int


# (action, what is counted) → the setting holding the number and the window it counts over.
LIMITS = {
    ("submit", "ip"): Limit("KEHU_PUBLIC_SUBMIT_PER_IP_HOUR", HOUR),
    ("submit", "phone"): Limit("KEHU_PUBLIC_SUBMIT_PER_PHONE_DAY", DAY),
    ("lookup", "ip"): Limit("KEHU_PUBLIC_LOOKUP_PER_IP_HOUR", HOUR),
    ("lookup", "phone"): Limit("KEHU_PUBLIC_LOOKUP_PER_PHONE_HOUR", HOUR),
}


def over_limit(action: str, *, ip: str | None = None, phone: str | None = None) -> int | None:
    """Count one ``action`` ("submit" or "lookup") from this address, or for this (valid) phone: None while
    within the window's number, else the seconds until the window ends (Retry-After). A phone is counted by
    its blind index, so the cache holds no number."""
    counted, ident = ("phone", _phone_index(phone)) if phone else ("ip", ip or "unknown")
    limit = LIMITS[(action, counted)]
    if hit(f"public-{action}-{counted}", ident, limit=getattr(settings, limit.setting), window=limit.window):
        return None
    return retry_after(limit.window)


def file_ticket(*, kind: str, description: str, name: str, phone: str, category=None, company: str = "",
                email: str = "", product: str = "") -> str:
    """Open the ticket a visitor filed; returns its tracking number. ``phone`` is a validated mobile."""
    customer, contact = _reporter(phone)
    first_line = description.strip().splitlines()[0] if description.strip() else ""
    ticket = services.ticket_open(
        actor=None, kind=kind, channel=Channel.WEB_FORM, title=Truncator(first_line).chars(60),
        description=description, customer=customer, contact=contact, category=category, product=product,
        reporter_name=name, reporter_company=company, reporter_phone=phone, reporter_email=email)
    return ticket.number


@dataclass(frozen=True)
class PublicStatus:
    """All the status page shows of a ticket."""

    number: str
    kind: str
    status: str
    opened_at: dt.datetime
    updated_at: dt.datetime
    feedback: str
    feedback_at: dt.datetime | None
    team: str


@transaction.atomic
def ticket_status(*, number: str, phone: str) -> PublicStatus | None:
    """The status of ticket ``number`` when ``phone`` (a validated mobile) is the one given at filing; None
    otherwise, the same None whether the number or the phone is wrong. Each answer given is audited."""
    ticket = (Ticket.objects.filter(number=number.strip().upper(), **protected_lookup(Ticket, "reporter_phone", phone))
              .only("number", "title", "kind", "status", "opened_at", "updated_at", "customer_feedback", "feedback_at")
              .first())
    if ticket is None:
        return None
    audit.record(None, actions.PUBLIC_LOOKUP, ticket, {"number": ticket.number})
    return PublicStatus(number=ticket.number, kind=ticket.get_kind_display(), status=ticket.get_status_display(),
                        opened_at=ticket.opened_at, updated_at=ticket.updated_at, feedback=ticket.customer_feedback,
                        feedback_at=ticket.feedback_at, team=str(TEAM_NAME))


def _reporter(phone: str) -> tuple[Customer | None, Contact | None]:
    """The customer (and contact) whose mobile this is, only when exactly one live customer has it, on its
    own record or on its contacts'; anything else links nothing, and the visitor is never told which."""
    contacts = list(Contact.objects.filter(**protected_lookup(Contact, "mobile", phone),
                                           customer__deleted_at__isnull=True).values_list("pk", "customer_id"))
    customers = set(Customer.objects.filter(**protected_lookup(Customer, "mobile", phone), deleted_at__isnull=True)
                    .values_list("pk", flat=True))
    matched = customers | {customer_id for _, customer_id in contacts}
    if len(matched) != 1:
        return None, None
    customer = Customer.objects.get(pk=matched.pop())
    contact = Contact.objects.get(pk=contacts[0][0]) if len(contacts) == 1 else None
    return customer, contact


def _phone_index(phone: str) -> str:
    return protected_lookup(Ticket, "reporter_phone", phone)["reporter_phone_bidx"]
