"""Demo builders: each app adds what the demo company should have of its own (customers, tickets…).

``kehu demo`` builds the organisation, then calls every registered builder in registration order
with the demo users; a builder runs inside the demo's transaction and request context.
"""

from __future__ import annotations

from collections.abc import Callable

BUILDERS: list[Callable[[list], None]] = []


def register(builder: Callable[[list], None]) -> Callable[[list], None]:
    if builder not in BUILDERS:
        BUILDERS.append(builder)
    return builder


def build_all(users: list) -> None:
    for builder in BUILDERS:
        builder(users)
