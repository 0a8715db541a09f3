"""The customer timeline: one list of what happened to a customer, fed by sources other apps register.

A source is two functions under a name: ``rows(customer, user)`` is a queryset of its model reduced
by ``columns(...)`` to the columns every source shares (when, the row's id, who, up to seven texts),
and ``event(customer, row)`` turns one such row into a TimelineEvent. ``events_for`` joins every
source's rows with UNION ALL and reads the newest ``limit`` of them in ONE query, whatever the
customer's history and however many sources later apps register (see the query-budget tests)::

    from kehu.customers import timeline

    timeline.register("followup", rows=lambda customer, user: FollowUp.objects.filter(customer=customer)
                      .values(**timeline.columns("followup", at="done_at", actor="by", t1="summary")),
                      event=lambda customer, row: timeline.TimelineEvent(at=row["at"], kind="followup",
                                                                         title=row["t1"], actor_name=row["actor"]))

A source leaves out what the reader may not see (the field changes skip the fields hidden from them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.db.models import F, QuerySet, TextField, Value
from django.db.models.functions import Cast, Coalesce, NullIf
from django.urls import reverse
from django.utils.translation import gettext as _

DEFAULT_LIMIT = 50
TEXTS = ("t1", "t2", "t3", "t4", "t5", "t6", "t7")
PREFIX = "tl_"


@dataclass(frozen=True)
class TimelineEvent:
    at: dt.datetime
    kind: str
    title: str
    detail: str = ""
    actor_name: str = ""
    url: str = ""


@dataclass(frozen=True)
class Source:
    name: str
    rows: Callable[..., QuerySet]  # (customer, user) -> queryset.values(**columns(name, …))
    event: Callable[..., TimelineEvent]  # (customer, row) -> the event


SOURCES: dict[str, Source] = {}


def register(name: str, *, rows: Callable[..., QuerySet], event: Callable[..., TimelineEvent]) -> Source:
    """Add (or replace, by ``name``) a source; later apps call it from their AppConfig.ready()."""
    SOURCES[name] = Source(name, rows, event)
    return SOURCES[name]


def _text(value) -> Cast:
    """A text column: a field path, or an expression; text on every branch, so UNION ALL lines them up."""
    return Cast(F(value) if isinstance(value, str) else value, TextField())


def columns(name: str, *, at: str, actor: str | None = None, ref: str = "pk", **texts) -> dict:
    """The shared columns for ``queryset.values(**columns(...))``: the source's name, when (``at``), the
    row's id (``ref``), who (``actor``: a path to a user, shown by full name or user name) and the texts
    ``t1``…``t7`` (field paths or expressions; the ones left out are empty)."""
    unknown = set(texts) - set(TEXTS)
    if unknown:
        raise ValueError(f"unknown timeline columns: {sorted(unknown)}")
    who = (Coalesce(NullIf(F(f"{actor}__full_name"), Value("")), F(f"{actor}__username"), Value(""))
           if actor else Value(""))
    shared = {"src": _text(Value(name)), "at": F(at), "ref": F(ref), "actor": _text(who),
              **{key: _text(texts.get(key, Value(""))) for key in TEXTS}}
    # Selected under a prefix: a model's own field named like a column (``at``, ``actor``) would clash.
    return {PREFIX + key: value for key, value in shared.items()}


def _newest(source: Source, customer, user, limit: int) -> QuerySet:
    """The source's rows; its newest ``limit`` only where the database takes a LIMIT inside UNION ALL
    (PostgreSQL): each branch then walks its (customer, time) index and stops, so 100,000 field changes
    cost what 50 do. SQLite reads every branch whole and still answers 50,000 in a few milliseconds."""
    rows = source.rows(customer, user)
    if connection.features.supports_slicing_ordering_in_compound:
        return rows.order_by(f"-{PREFIX}at")[:limit]
    return rows.order_by()


def events_for(customer, user, limit: int = DEFAULT_LIMIT) -> list[TimelineEvent]:
    """The newest ``limit`` events of every source, newest first, in one query."""
    branches = [_newest(source, customer, user, limit) for source in SOURCES.values()]
    if not branches:
        return []
    first, *rest = branches
    newest_first = (f"-{PREFIX}at", f"-{PREFIX}ref")
    rows = first.union(*rest, all=True).order_by(*newest_first) if rest else first.order_by(*newest_first)
    events = []
    for selected in rows[:limit]:
        row = {key.removeprefix(PREFIX): value for key, value in selected.items()}
        events.append(SOURCES[row["src"]].event(customer, row))
    return events


def _event(row, kind: str, title: str, **extra) -> TimelineEvent:
    return TimelineEvent(at=row["at"], kind=kind, title=title, actor_name=row["actor"], **extra)


# --- the customer archive's own sources --------------------------------------------------------------


def _field_changes(customer, user):
    from kehu.customers.models import FieldChange
    from kehu.customers.selectors import history_hidden

    return (FieldChange.objects.filter(customer=customer).exclude(field__in=history_hidden(user))
            .values(**columns("field_change", at="changed_at", actor="changed_by", t1="label", t2="old_value",
                              t3="new_value")))


register("field_change", rows=_field_changes, event=lambda customer, row: _event(
    row, "field_change", _("修改了%(label)s") % {"label": row["t1"]}, detail=f"{row['t2'] or '—'} → {row['t3'] or '—'}"))


def _created(customer, user):
    from kehu.customers.models import Customer

    return Customer._base_manager.filter(pk=customer.pk).values(**columns("created", at="created_at",
                                                                          actor="created_by"))


register("created", rows=_created, event=lambda customer, row: _event(row, "created", _("新建客户")))


def _contacts_added(customer, user):
    from kehu.customers.models import Contact

    return Contact.objects.filter(customer=customer).values(**columns("contact_added", at="created_at", t1="name"))


register("contact_added", rows=_contacts_added, event=lambda customer, row: _event(
    row, "contact_added", _("新增联系人 %(name)s") % {"name": row["t1"]},
    url=reverse("customers:contact_edit", args=[customer.pk, row["ref"]])))


def _reviews(customer, user):
    from django.db.models import Case, When

    from kehu.customers.models import CustomerReview

    unchanged = Case(When(confirmed_unchanged=True, then=Value("1")), default=Value(""))
    return CustomerReview.objects.filter(customer=customer).values(**columns(
        "review", at="reviewed_at", actor="reviewed_by", t1="note", t2=unchanged))


register("review", rows=_reviews, event=lambda customer, row: _event(
    row, "review", _("核实了客户资料（资料无变化）") if row["t2"] else _("核实了客户资料"), detail=row["t1"]))


def _merged(customer, user):
    from kehu.customers.models import Customer

    return Customer._base_manager.filter(merged_into=customer).values(**columns(
        "merged", at="deleted_at", t1="name", t2="kind"))


def _merged_event(customer, row) -> TimelineEvent:
    from kehu.core.masking import mask_name
    from kehu.customers.models import Kind

    # The duplicate may have been out of this viewer's scope: an individual's name shows masked.
    name = mask_name(row["t1"]) if row["t2"] == Kind.INDIVIDUAL else row["t1"]
    return _event(row, "merged", _("合并了重复客户 %(name)s") % {"name": name})


register("merged", rows=_merged, event=_merged_event)


def _kind_label(code: str) -> str:
    from kehu.customers.models import AttachmentKind

    return str(dict(AttachmentKind.choices).get(code, code))


def _uploads(customer, user):
    """Uploads of files (INFO-10), deleted files included."""
    from kehu.customers.models import Attachment

    return Attachment.objects.filter(customer=customer).values(**columns(
        "attachment_upload", at="uploaded_at", actor="uploaded_by", t1="original_name", t2="kind"))


register("attachment_upload", rows=_uploads, event=lambda customer, row: _event(
    row, "attachment_upload", _("上传附件 %(name)s") % {"name": row["t1"]}, detail=_kind_label(row["t2"])))


def _deletions(customer, user):
    from kehu.customers.models import Attachment

    return Attachment.objects.filter(customer=customer, deleted_at__isnull=False).values(**columns(
        "attachment_delete", at="deleted_at", actor="deleted_by", t1="original_name"))


register("attachment_delete", rows=_deletions, event=lambda customer, row: _event(
    row, "attachment_delete", _("删除附件 %(name)s") % {"name": row["t1"]}))


def _consents(customer, user):
    """Consents given and withdrawn (PRIV-1)."""
    from kehu.customers.models import ConsentRecord

    return ConsentRecord.objects.filter(customer=customer).values(**columns(
        "consent", at="recorded_at", actor="collected_by", t1=Coalesce(F("contact__name"), Value("")),
        t2="purpose", t3="channel", t4="status", t5="legal_basis"))


def _consent_event(customer, row) -> TimelineEvent:
    from kehu.customers.models import ConsentPurpose, ConsentRecord, LegalBasis, MarketingChannel

    person = row["t1"] or _("客户本人")
    what = str(ConsentPurpose(row["t2"]).label) + (f"·{MarketingChannel(row['t3']).label}" if row["t3"] else "")
    granted = row["t4"] == ConsentRecord.GRANTED
    title = (_("%(person)s同意：%(what)s") if granted else _("%(person)s撤回或拒绝：%(what)s")) % {
        "person": person, "what": what}
    return _event(row, "consent_" + row["t4"], title, detail=str(LegalBasis(row["t5"]).label))


register("consent", rows=_consents, event=_consent_event)
