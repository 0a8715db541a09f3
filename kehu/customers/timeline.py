"""The customer timeline: one list of what happened to a customer, fed by sources other apps register.

A source is ``source(customer, user, limit) -> list[TimelineEvent]`` returning at most ``limit``
of its newest events in at most ONE query, so the detail page costs one query per source whatever
the customer's history (see the query-budget test); the customer's own sources read what
``selectors.customer_detail_for`` prefetched and cost none. ``events_for`` merges them, newest first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

DEFAULT_LIMIT = 50


@dataclass(frozen=True)
class TimelineEvent:
    at: dt.datetime
    kind: str
    title: str
    detail: str = ""
    actor_name: str = ""
    url: str = ""


Source = Callable[..., list[TimelineEvent]]
SOURCES: list[Source] = []


def register(source: Source) -> Source:
    """Add a source (usable as a decorator); later apps call it from their AppConfig.ready()."""
    if source not in SOURCES:
        SOURCES.append(source)
    return source


def events_for(customer, user, limit: int = DEFAULT_LIMIT) -> list[TimelineEvent]:
    events = [event for source in SOURCES for event in source(customer, user, limit)]
    return sorted(events, key=lambda e: e.at, reverse=True)[:limit]


def _name(user) -> str:
    return user.full_name or user.username if user is not None else ""


@register
def field_changes(customer, user, limit: int) -> list[TimelineEvent]:
    from kehu.customers.selectors import field_history

    rows = field_history(customer, limit)  # no query when the detail page prefetched them
    return [TimelineEvent(at=c.changed_at, kind="field_change", title=_("修改了%(label)s") % {"label": c.label},
                          detail=f"{c.old_value or '—'} → {c.new_value or '—'}", actor_name=_name(c.changed_by))
            for c in rows]


@register
def created(customer, user, limit: int) -> list[TimelineEvent]:
    # No query: the selector loads created_by with the customer.
    return [TimelineEvent(at=customer.created_at, kind="created", title=_("新建客户"),
                          actor_name=_name(customer.created_by))]


@register
def contacts_added(customer, user, limit: int) -> list[TimelineEvent]:
    from kehu.customers.models import Contact

    if "contacts" in getattr(customer, "_prefetched_objects_cache", {}):  # the detail page's: no query
        rows = sorted(customer.contacts.all(), key=lambda c: (c.created_at, c.pk), reverse=True)[:limit]
    else:
        rows = Contact.objects.filter(customer=customer).order_by("-created_at")[:limit]
    return [TimelineEvent(at=c.created_at, kind="contact_added", title=_("新增联系人 %(name)s") % {"name": c.name},
                          url=reverse("customers:contact_edit", args=[customer.pk, c.pk])) for c in rows]


@register
def reviews(customer, user, limit: int) -> list[TimelineEvent]:
    from kehu.customers.models import CustomerReview

    rows = CustomerReview.objects.filter(customer=customer).select_related("reviewed_by")[:limit]
    return [TimelineEvent(at=r.reviewed_at, kind="review",
                          title=_("核实了客户资料（资料无变化）") if r.confirmed_unchanged else _("核实了客户资料"),
                          detail=r.note, actor_name=_name(r.reviewed_by)) for r in rows]


@register
def merged(customer, user, limit: int) -> list[TimelineEvent]:
    from kehu.core.masking import mask_name
    from kehu.customers.models import Customer

    # The duplicate may have been out of this viewer's scope: an individual's name shows masked.
    rows = Customer._base_manager.filter(merged_into=customer).order_by("-deleted_at")[:limit]
    return [TimelineEvent(at=c.deleted_at, kind="merged", title=_("合并了重复客户 %(name)s") % {
        "name": mask_name(c.name) if c.is_individual else c.name}) for c in rows]


@register
def attachments(customer, user, limit: int) -> list[TimelineEvent]:
    """Uploads and deletions of files (INFO-10): one query, deleted files included."""
    from kehu.customers.models import Attachment

    rows = (Attachment.objects.filter(customer=customer).select_related("uploaded_by", "deleted_by")
            .order_by("-uploaded_at", "-id")[:limit])
    events = []
    for a in rows:
        events.append(TimelineEvent(at=a.uploaded_at, kind="attachment_upload",
                                    title=_("上传附件 %(name)s") % {"name": a.original_name},
                                    detail=a.get_kind_display(), actor_name=_name(a.uploaded_by)))
        if a.deleted_at is not None:
            events.append(TimelineEvent(at=a.deleted_at, kind="attachment_delete",
                                        title=_("删除附件 %(name)s") % {"name": a.original_name},
                                        actor_name=_name(a.deleted_by)))
    return events


@register
def consents(customer, user, limit: int) -> list[TimelineEvent]:
    """Consents given and withdrawn (PRIV-1): one query."""
    from kehu.customers.models import ConsentRecord

    rows = ConsentRecord.objects.filter(customer=customer).select_related("contact", "collected_by")[:limit]
    events = []
    for r in rows:
        person = r.contact.name if r.contact_id else _("客户本人")
        what = r.get_purpose_display() + (f"·{r.get_channel_display()}" if r.channel else "")
        title = (_("%(person)s同意：%(what)s") if r.granted else _("%(person)s撤回或拒绝：%(what)s")) % {
            "person": person, "what": what}
        events.append(TimelineEvent(at=r.recorded_at, kind="consent_" + r.status, title=title,
                                    detail=r.get_legal_basis_display(), actor_name=_name(r.collected_by)))
    return events
