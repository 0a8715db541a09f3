"""A ticket's SLA clocks (SVC-3, SVC-6): the policy version it opened under, tightened by the customer's
service commitment, through the pure evaluator kehu/policy/evaluators/sla.py.

The due times are computed here and stored on the ticket (lists sort and filter by them, the sweep compares
them with the clock); they are recomputed when a pause ends, since time waiting on the customer never counts.
"""

from __future__ import annotations

import datetime as dt

from kehu.policy.evaluators import sla as evaluator
from kehu.policy.schemas import SlaRules
from kehu.service.models import SlaState


def rules_for(ticket) -> SlaRules:
    """The SLA rules of the ticket's policy version; a commitment in force with a shorter time limit than the
    policy's target for the ticket's priority shortens it (the customer was promised it)."""
    rules: SlaRules = ticket.policy_version.section("sla")
    commitment = ticket.commitment
    if commitment is None or not (commitment.response_hours or commitment.resolution_hours):
        return rules
    target = rules.targets[ticket.priority]
    resolution = min(filter(None, (target.resolution_hours, commitment.resolution_hours)))
    response = min(filter(None, (target.first_response_hours, commitment.response_hours, resolution)))
    tightened = target.model_copy(update={"first_response_hours": response, "resolution_hours": resolution})
    return rules.model_copy(update={"targets": {**rules.targets, ticket.priority: tightened}})


def pause_intervals(ticket, now: dt.datetime | None = None) -> list[tuple[dt.datetime, dt.datetime]]:
    """The waiting intervals; the open one (still waiting) ends at ``now``, or is left out without it."""
    intervals = []
    for start, end in ticket.pauses:
        if end is None and now is None:
            continue
        intervals.append((dt.datetime.fromisoformat(start), dt.datetime.fromisoformat(end) if end else now))
    return intervals


def clocks(ticket, now: dt.datetime) -> tuple[evaluator.SlaClock, evaluator.SlaClock]:
    """The first-response and resolution clocks of ``ticket`` at ``now`` (closed pauses only: a ticket still
    waiting keeps the due times it had when the pause began until the pause ends)."""
    rules = rules_for(ticket)
    facts = {"opened": ticket.opened_at, "now": now, "pauses": pause_intervals(ticket),
             "version": ticket.policy_version.number}
    return (evaluator.clock(rules, ticket.priority, kind=evaluator.FIRST_RESPONSE, **facts),
            evaluator.clock(rules, ticket.priority, kind=evaluator.RESOLUTION, **facts))


REFRESHED = ("first_response_due", "resolution_due", "sla_state")


def refresh(ticket, now: dt.datetime) -> tuple[str, ...]:
    """Set the due times of an open ``ticket`` and its resolution clock's state at ``now`` (not saved);
    returns the fields set. The sweep keeps the state current between the ticket's own changes."""
    first, resolution = clocks(ticket, now)
    ticket.first_response_due, ticket.resolution_due = first.due, resolution.due
    ticket.sla_state = resolution.state
    return REFRESHED


def met_or_breached(done_at: dt.datetime, due: dt.datetime) -> str:
    return SlaState.MET if done_at <= due else SlaState.BREACHED
