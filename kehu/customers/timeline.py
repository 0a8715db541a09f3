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
