"""Events of the customers app that other apps act on, without customers importing them.

Imports point one way (compliance ← customers ← engagement), so customers cannot call the engagement app's
``notify``. Instead it *emits* an event; an app that wants it *listens* from its ``AppConfig.ready()``::

    from kehu.customers import hooks

    hooks.listen(hooks.CUSTOMERS_RECEIVED, on_received)

A listener runs after the emitting transaction commits (``transaction.on_commit``; at once outside a
transaction), never inside a half-done one, so a rolled-back operation announces nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

CUSTOMERS_RECEIVED = "customers_received"  # to_owner, actor, kind, count, batch: one operation gave customers
CUSTOMERS_RETURNED = "customers_returned"  # counts {owner id: n}: the pool rules' sweep returned them
ACCESS_ALERT_RAISED = "access_alert_raised"  # alert: an exfiltration alert was raised (OWN-6)

LISTENERS: dict[str, list[Callable[..., None]]] = {}


def listen(event: str, listener: Callable[..., None]) -> None:
    if listener not in LISTENERS.setdefault(event, []):
        LISTENERS[event].append(listener)


def emit(event: str, **payload) -> None:
    """Call every listener of ``event`` with ``payload`` once the current transaction commits."""
    for listener in LISTENERS.get(event, []):
        transaction.on_commit(lambda listener=listener: listener(**payload))
