"""Merging a duplicate into the customer that survives (INFO-5): which rows move, and who moves them.

A mover is ``mover(*, source, target, actor) -> int``: it re-points the rows of ONE relation from the
duplicate ``source`` to the survivor ``target`` and returns how many moved. Apps that own rows pointing
at customers (follow-ups, tickets, opportunities, …) register a mover from their ``AppConfig.ready()``,
as they register timeline sources::

    from kehu.customers import merging

    merging.register("followups", merging.foreign_key_mover(FollowUp, "customer"), covers=[(FollowUp, "customer")])

``customer_merge`` runs every mover inside its transaction, then counts the rows still pointing at the
duplicate through ANY foreign key to Customer; if one is left (an app forgot its mover), the merge is
refused and rolled back, so no customer's history is left behind on a hidden record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import models

Mover = Callable[..., int]


@dataclass(frozen=True)
class Registration:
    name: str
    mover: Mover
    covers: tuple[tuple[type[models.Model], str], ...]  # (model, foreign key field) pairs it empties


MOVERS: dict[str, Registration] = {}


def register(name: str, mover: Mover, *, covers: Iterable[tuple[type[models.Model], str]] = ()) -> Mover:
    """Add (or replace, by ``name``) a mover; ``covers`` names the foreign keys to Customer it re-points."""
    MOVERS[name] = Registration(name, mover, tuple(covers))
    return mover


def foreign_key_mover(model: type[models.Model], field: str) -> Mover:
    """A mover for rows that simply point at a customer: ``UPDATE … SET field = target WHERE field = source``."""

    def move(*, source, target, actor) -> int:
        return model._base_manager.filter(**{field: source}).update(**{field: target})

    return move


def move_all(*, source, target, actor) -> dict[str, int]:
    """Run every registered mover; {name: rows moved}."""
    return {name: entry.mover(source=source, target=target, actor=actor) for name, entry in MOVERS.items()}


def customer_foreign_keys() -> list[tuple[type[models.Model], str]]:
    """Every (model, field) holding a foreign key to Customer, in every installed app."""
    from kehu.customers.models import Customer

    # include_hidden: relations named "+" (merged_into) count too; M2M through tables belong to their M2M.
    return [(rel.related_model, rel.field.name) for rel in Customer._meta.get_fields(include_hidden=True)
            if rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one)
            and not rel.related_model._meta.auto_created]


def left_behind(source) -> dict[str, int]:
    """Rows that still point at ``source`` after the movers ran: {"app.Model.field": count} (empty = complete)."""
    left = {}
    for model, field in customer_foreign_keys():
        count = model._base_manager.filter(**{field: source}).count()
        if count:
            left[f"{model._meta.label}.{field}"] = count
    return left


def uncovered() -> list[str]:
    """Foreign keys to Customer that no registered mover says it covers (a meta-test keeps this empty)."""
    covered = {(model, field) for entry in MOVERS.values() for model, field in entry.covers}
    return [f"{model._meta.label}.{field}" for model, field in customer_foreign_keys() if (model, field) not in covered]


# --- the customer archive's own relations ----------------------------------------------------------------
def _contacts(*, source, target, actor) -> int:
    from kehu.customers.models import Contact

    moving = Contact._base_manager.filter(customer=source)
    if Contact._base_manager.filter(customer=target, is_primary=True).exists():
        moving.filter(is_primary=True).update(is_primary=False)  # the survivor keeps its primary contact
    return moving.update(customer=target)


def _team_members(*, source, target, actor) -> int:
    from kehu.customers.models import TeamMember

    moving = TeamMember.objects.filter(customer=source)
    already = TeamMember.objects.filter(customer=target).values("user_id")
    # One membership per person: the survivor's own wins; its owner needs none.
    moving.filter(user_id__in=already).delete()
    if target.owner_id:
        moving.filter(user_id=target.owner_id).delete()
    return moving.update(customer=target)


def _tags(*, source, target, actor) -> int:
    tags = list(source.tags.all())
    target.tags.add(*tags)
    source.tags.clear()
    return len(tags)


def register_own() -> None:
    from kehu.customers.models import (
        Attachment,
        ConsentRecord,
        Contact,
        Customer,
        CustomerReview,
        FieldChange,
        OwnershipChange,
        TeamMember,
    )

    register("contacts", _contacts, covers=[(Contact, "customer")])
    register("team_members", _team_members, covers=[(TeamMember, "customer")])
    register("tags", _tags)
    register("field_changes", foreign_key_mover(FieldChange, "customer"), covers=[(FieldChange, "customer")])
    # The duplicate's ownership history stays readable on the survivor's timeline.
    register("ownership_changes", foreign_key_mover(OwnershipChange, "customer"),
             covers=[(OwnershipChange, "customer")])
    register("reviews", foreign_key_mover(CustomerReview, "customer"), covers=[(CustomerReview, "customer")])
    register("attachments", foreign_key_mover(Attachment, "customer"), covers=[(Attachment, "customer")])
    # Consent rows are append-only except for the person they belong to (the trigger lets customer_id move).
    register("consents", foreign_key_mover(ConsentRecord, "customer"), covers=[(ConsentRecord, "customer")])
    # Customers merged into the duplicate earlier now lead straight to the survivor.
    register("merged_earlier", foreign_key_mover(Customer, "merged_into"), covers=[(Customer, "merged_into")])
