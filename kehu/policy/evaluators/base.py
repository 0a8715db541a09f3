"""What every decision carries, and the one way evaluators count days."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Decision:
    policy_version: int  # the version whose rules decided
    reason: str  # why, in words a user reads


def elapsed_days(since: dt.datetime, now: dt.datetime) -> int:
    """Calendar days from ``since`` to ``now`` in Asia/Shanghai: received on the 1st, the 31st is day 30,
    whatever the hour. Policies speak in days, and "day N" must not depend on the time of day."""
    if since.tzinfo is None or now.tzinfo is None:
        raise ValueError("evaluators need aware datetimes")
    return (now.astimezone(SHANGHAI).date() - since.astimezone(SHANGHAI).date()).days


def yuan(amount: Decimal) -> str:
    return f"¥{amount:,.2f}"
