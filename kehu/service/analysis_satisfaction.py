"""Satisfaction figures (FB-2): the ratings the callbacks after closing collected (1–5), over the tickets
``user`` sees, by the day each was rated: average, distribution, share satisfied (4 or 5), per team, per
person and per month; and the callbacks still owed (closed tickets nobody has rated yet).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, Q, QuerySet
from django.utils.translation import gettext as _

from kehu.org.access import require_permission
from kehu.service import permissions as perms
from kehu.service import selectors
from kehu.service.analysis import month_counts, queue_link
from kehu.service.analysis_periods import MONTH, Period, month
from kehu.service.analysis_sla import PERSON, TEAM, share
from kehu.service.models import Status

SATISFIED = 4  # a rating of 4 or 5 counts as satisfied
SCALE = (1, 2, 3, 4, 5)
OWED_SHOWN = 20
OWED_FIELDS = ("number", "title", "closed_at", "opened_at", "customer__name", "responsible__full_name",
               "responsible__username")


@dataclass(frozen=True)
class Rated:
    key: object
    label: str
    rated: int = 0
    satisfied: int = 0
    average: Decimal | None = None

    @property
    def satisfied_share(self) -> Decimal | None:
        return share(self.satisfied, self.rated)


@dataclass
class Satisfaction:
    period: Period
    previous: Period
    total: Rated
    previous_total: Rated
    distribution: list[tuple[int, int]] = field(default_factory=list)  # (rating, tickets)
    teams: list[Rated] = field(default_factory=list)
    people: list[Rated] = field(default_factory=list)
    by_month: list[Rated] = field(default_factory=list)
    owed: int = 0
    owed_oldest: list = field(default_factory=list)
    owed_link: str = ""


def _average(value) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


_MEASURES = {"rated": Count("pk"), "satisfied": Count("pk", filter=Q(satisfaction__gte=SATISFIED)),
             "average": Avg("satisfaction")}


def rated_in(user, period: Period) -> QuerySet:
    return (selectors.tickets_visible(user).filter(satisfaction__isnull=False, rated_at__gte=period.since,
                                                   rated_at__lt=period.until).order_by())


def _total(user, period: Period) -> Rated:
    row = rated_in(user, period).aggregate(**_MEASURES)
    return Rated(None, "", row["rated"], row["satisfied"], _average(row["average"]))


def _grouped(user, period: Period, group: str) -> list[Rated]:
    if group == TEAM:
        keys, label = ("department_id", "department__name"), lambda r: r["department__name"] or _("未指定团队")
    else:
        keys = ("responsible_id", "responsible__full_name", "responsible__username")
        label = lambda r: r["responsible__full_name"] or r["responsible__username"]  # noqa: E731
    rows = rated_in(user, period).values(*keys).annotate(**_MEASURES).order_by()
    found = [Rated(r[keys[0]], label(r), r["rated"], r["satisfied"], _average(r["average"])) for r in rows]
    return sorted(found, key=lambda r: (-r.rated, r.label))


def owed(user) -> QuerySet:
    """Closed tickets in scope without a rating: the callbacks (回访) still to make, oldest closed first."""
    return (selectors.tickets_visible(user).filter(status=Status.CLOSED, satisfaction__isnull=True)
            .order_by("closed_at", "id"))


def satisfaction(user, period: Period, *, months: int = 12) -> Satisfaction:
    """The satisfaction page's figures (service.analysis.view)."""
    require_permission(user, perms.ANALYSIS_VIEW)
    previous = period.preceding()
    result = Satisfaction(period, previous, _total(user, period), _total(user, previous))
    counted = dict(rated_in(user, period).values_list("satisfaction").annotate(n=Count("pk")).order_by())
    result.distribution = [(score, counted.get(score, 0)) for score in SCALE]
    result.teams, result.people = _grouped(user, period, TEAM), _grouped(user, period, PERSON)
    starts = period.months(months)
    trend = rated_in(user, Period(MONTH, starts[0], month(period.end).end)).aggregate(**month_counts(
        starts, "rated_at", satisfied=lambda inside: Count("pk", filter=inside & Q(satisfaction__gte=SATISFIED)),
        average=lambda inside: Avg("satisfaction", filter=inside)))
    result.by_month = [Rated(start, f"{start:%Y-%m}", trend[f"m{n}"], trend[f"satisfied{n}"],
                             _average(trend[f"average{n}"])) for n, start in enumerate(starts)]
    unrated = owed(user)
    result.owed = unrated.count()
    # Only what the list shows: the full rows (protected fields and all) made the sort four times slower.
    result.owed_oldest = list(unrated.select_related(None).select_related("customer", "responsible")
                              .only(*OWED_FIELDS)[:OWED_SHOWN])
    result.owed_link = queue_link(status=Status.CLOSED, rated="no")
    return result
