"""Flatten a rules dict into dotted paths, to show and record what a new version changes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MISSING = object()


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """``{"pools": {"holding_cap": 200}}`` → ``{"pools.holding_cap": 200}``; lists by index, empty
    containers kept as leaves so that emptying a map is a visible change."""
    if isinstance(data, dict) and data:
        items = data.items()
    elif isinstance(data, list) and data:
        items = enumerate(data)
    else:
        return {prefix: data} if prefix else {}
    flat: dict[str, Any] = {}
    for key, value in items:
        flat.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    return flat


@dataclass(frozen=True)
class Change:
    path: str
    old: Any  # MISSING when the path is new
    new: Any  # MISSING when the path was removed


def changes(old: dict | None, new: dict) -> list[Change]:
    before, after = flatten(old or {}), flatten(new)
    paths = sorted(set(before) | set(after))
    return [Change(p, before.get(p, MISSING), after.get(p, MISSING))
            for p in paths if before.get(p, MISSING) != after.get(p, MISSING)]
