"""The warnings the rules promise, sent through ``notify`` (OWN-3, OWN-6, REL-2).

Two kinds of sources, both importing one way (customers ← engagement):

- events of the customers app (``kehu.customers.hooks``), which runs the listeners here after its
  transaction commits: customers given to someone by another person (one notice per operation, to the
  receiver), customers the pool rules' sweep returned (one notice per owner per sweep), an access alert
  raised (one notice per alert to every active security administrator);
- daily digests read here from the customers' and the visit plans' own conditions: the customers that
  return to the pool within the policy's warning days (one per owner per day) and the overdue visit plans
  (one per responsible person per day).

Each is sent once: a digest carries the key "<rule>:<day>", an alert "<rule>:<alert id>", an operation
"<rule>:<batch id>", and ``notify`` sends nothing to a recipient who already has the key; the sweep's
return announces only what that run returned, which a second run cannot return again.

Title and body are stored text, rendered per recipient in their ``preferred_language`` (the default,
Chinese, when they chose none).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, F
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from kehu.core import clock
from kehu.customers import hooks, pools
from kehu.customers.models import Customer, OwnershipKind
from kehu.engagement import permissions as perms
from kehu.engagement.models import VisitPlan, VisitPlanStatus
from kehu.engagement.notify import notify
from kehu.org.roles import SECURITY_ADMIN
from kehu.policy.selectors import rules_in_force

KIND_OWNERSHIP = "ownership"
KIND_SECURITY = "security"
KIND_VISITS = "visits"


def send(users: Iterable, kind: str, url: str, render: Callable[..., tuple[str, str]], /, *, key: str | None = None,
         **values) -> int:
    """Notify each user with ``render(user, **values)`` -> (title, body) in the user's language; returns how
    many were notified."""
    sent = 0
    for user in users:
        with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
            title, body = render(user, **values)
        sent += len(notify([user], kind, title, body, url, key=key))
    return sent


def _active(pks) -> list:
    return list(get_user_model()._base_manager.filter(pk__in=list(pks), is_active=True).order_by("pk"))


def _name(user) -> str:
    return user.full_name or user.username if user is not None else _("系统")


# --- events of the customers app --------------------------------------------------------------------------------
def _received(user, *, actor, kind, count) -> tuple[str, str]:
    return _("您收到了客户"), _("%(actor)s交给您的客户（%(how)s）：%(n)s 个。") % {
        "actor": _name(actor), "how": OwnershipKind(kind).label, "n": count}


def on_received(*, to_owner, actor, kind, count, batch) -> None:
    send([to_owner], KIND_OWNERSHIP, reverse("customers:mine"), _received, key=f"own.received:{batch}",
         actor=actor, kind=kind, count=count)


def _returned(user, *, counts) -> tuple[str, str]:
    return _("客户已退回公海"), _("按公海规则自动退回公海的客户：%(n)s 个。") % {"n": counts[user.pk]}


def on_returned(*, counts: dict[int, int]) -> None:
    send(_active(counts), KIND_OWNERSHIP, reverse("customers:pools"), _returned, counts=counts)


def _alert(user, *, alert) -> tuple[str, str]:
    return _("异常访问预警"), _("%(name)s 在 %(day)s 的%(kind)s次数为 %(count)s，超过阈值 %(threshold)s。") % {
        "name": _name(alert.user), "day": alert.day.isoformat(), "kind": alert.get_kind_display(),
        "count": alert.count, "threshold": alert.threshold}


def security_admins() -> list:
    return list(get_user_model()._base_manager.filter(role_links__role__code=SECURITY_ADMIN, is_active=True)
                .distinct().order_by("pk"))


def on_alert(*, alert) -> None:
    send(security_admins(), KIND_SECURITY, reverse("customers:access_alert", args=[alert.pk]), _alert,
         key=f"own6.alert:{alert.pk}", alert=alert)


# --- daily digests -----------------------------------------------------------------------------------------------
def _counts(rows, field: str) -> dict[int, int]:
    return dict(rows.order_by().values(field).annotate(n=Count("id")).values_list(field, "n"))


def _returning(user, *, counts, days) -> tuple[str, str]:
    return _("客户即将退回公海"), _("%(days)s 天内将按公海规则退回公海的客户：%(n)s 个。跟进后即可保留。") % {
        "days": days, "n": counts[user.pk]}


def returning_soon_digest(now=None) -> int:
    """OWN-3: each owner whose customers the rules return within the warning days hears it once a day."""
    now = now or clock.now()
    rules = rules_in_force("pools", now)
    counts = _counts(Customer._base_manager.filter(pools.returning_soon_q(now, rules)), "owner")
    day = pools.start_of_day(now).date()
    return send(_active(counts), KIND_OWNERSHIP, reverse("customers:mine") + "?soon=1", _returning,
                key=f"own3.soon:{day}", counts=counts, days=rules.warn_days_before)


def _overdue(user, *, counts) -> tuple[str, str]:
    return _("拜访计划已逾期"), _("已过应拜访日期仍未拜访的计划：%(n)s 个。") % {"n": counts[user.pk]}


def _team_overdue(user, *, counts) -> tuple[str, str]:
    return _("团队拜访计划已逾期"), _("您部门的客户已过应拜访日期仍未拜访的计划：%(n)s 个。") % {"n": counts[user.pk]}


def overdue_visits_digest(now=None) -> int:
    """REL-2: each person responsible for overdue visit plans hears how many, once a day; so does the head of
    the customers' department (for the plans of others, when they may read the team's plans)."""
    day = pools.start_of_day(now or clock.now()).date()
    overdue = VisitPlan.objects.filter(status=VisitPlanStatus.OPEN, due_on__lt=day)
    counts = _counts(overdue, "responsible")
    team = _counts(overdue.exclude(department__head=F("responsible")).filter(department__head__isnull=False),
                   "department__head")
    heads = [user for user in _active(team) if user.has_permission(perms.TEAM_VIEW)]
    return (send(_active(counts), KIND_VISITS, reverse("visits:plans") + "?state=overdue", _overdue,
                 key=f"rel2.overdue:{day}", counts=counts)
            + send(heads, KIND_VISITS, reverse("visits:plans") + "?team=1&state=overdue", _team_overdue,
                   key=f"rel2.team_overdue:{day}", counts=team))


def register() -> None:
    hooks.listen(hooks.CUSTOMERS_RECEIVED, on_received)
    hooks.listen(hooks.CUSTOMERS_RETURNED, on_returned)
    hooks.listen(hooks.ACCESS_ALERT_RAISED, on_alert)
