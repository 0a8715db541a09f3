"""Consent (PRIV-1, SECURITY.md PI-2): a person's current consents, and the gate of every marketing send.

A *person* is an individual customer (``Customer`` of kind individual) or a ``Contact``. Consent
rows are append-only (``ConsentRecord``); the current state of a (person, purpose, channel) is
its latest row. Other apps call, before any marketing message::

    decision = marketing_allowed(person, "sms")
    if not decision:
        ...  # decision.reason says why: never_asked, opted_out, not_a_person, …

and build campaign lists with ``marketing_audience(rows, channel)``, which keeps in the database
only the people whose latest marketing statement for that channel is a consent: a withdrawal
committed a moment ago removes the person from every such query at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _

from kehu.customers.models import ConsentPurpose, ConsentRecord, Contact, Customer, Kind, MarketingChannel

Key = tuple[int | None, str, str]  # (contact id or None for the customer itself, purpose, channel)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str  # stable code: opted_in, never_asked, opted_out, not_a_person, customer_deleted, unknown_channel
    message: str
    record_id: int | None = None
    notice_version: str = ""

    def __bool__(self) -> bool:
        return self.allowed


def person_parts(person: Customer | Contact) -> tuple[Customer, Contact | None]:
    """(customer, contact) of a person: the contact's customer, or the customer itself."""
    if isinstance(person, Contact):
        return person.customer, person
    return person, None


def is_person(person: Customer | Contact) -> bool:
    return isinstance(person, Contact) or person.kind == Kind.INDIVIDUAL


def current_states(history) -> dict[Key, ConsentRecord]:
    """The latest row of each (person, purpose, channel) among ``history`` rows (any order)."""
    states: dict[Key, ConsentRecord] = {}
    for record in sorted(history, key=lambda r: r.pk, reverse=True):
        states.setdefault((record.contact_id, record.purpose, record.channel), record)
    return states


def current(person: Customer | Contact, purpose: str, channel: str = "") -> ConsentRecord | None:
    customer, contact = person_parts(person)
    return (ConsentRecord.objects.filter(customer_id=customer.pk, contact=contact, purpose=purpose, channel=channel)
            .order_by("-id").first())


def marketing_allowed(person: Customer | Contact, channel: str) -> Decision:
    """May this person be sent marketing over ``channel`` (phone, sms, email, wechat) now?

    Only a consent on record allows it: a person never asked, or whose latest statement is a
    withdrawal or refusal, is refused, and so is an enterprise customer (ask its contacts)."""
    if channel not in MarketingChannel.values:
        return Decision(False, "unknown_channel", _("未知的营销渠道：%(channel)s。") % {"channel": channel})
    if not is_person(person):
        return Decision(False, "not_a_person", _("企业客户不是个人，营销须征得其联系人同意。"))
    customer, _contact = person_parts(person)
    if customer.deleted_at is not None:
        return Decision(False, "customer_deleted", _("客户已删除。"))
    label = MarketingChannel(channel).label
    record = current(person, ConsentPurpose.MARKETING, channel)
    if record is None:
        return Decision(False, "never_asked", _("未征得本人对%(channel)s营销的同意。") % {"channel": label})
    if not record.granted:
        return Decision(False, "opted_out", _("本人已撤回或拒绝%(channel)s营销。") % {"channel": label},
                        record_id=record.pk, notice_version=record.notice_version)
    return Decision(True, "opted_in", _("本人同意接收%(channel)s营销。") % {"channel": label},
                    record_id=record.pk, notice_version=record.notice_version)


def _latest_marketing_status(channel: str, **person) -> Subquery:
    rows = ConsentRecord.objects.filter(purpose=ConsentPurpose.MARKETING, channel=channel, **person).order_by("-id")
    return Subquery(rows.values("status")[:1])


def marketing_audience(rows: QuerySet, channel: str) -> QuerySet:
    """``rows`` (customers or contacts) narrowed to the people who consented to marketing over ``channel``."""
    if channel not in MarketingChannel.values:
        return rows.none()
    if rows.model is Contact:
        status = _latest_marketing_status(channel, contact=OuterRef("pk"))
        rows = rows.filter(customer__deleted_at=None)
    else:
        status = _latest_marketing_status(channel, customer=OuterRef("pk"), contact=None)
        rows = rows.filter(kind=Kind.INDIVIDUAL, deleted_at=None)
    return rows.annotate(_marketing_status=status).filter(_marketing_status=ConsentRecord.GRANTED)
