"""Public pools and ownership pages (公海, OWN-1..4): the pool list with claim buttons that respect the
limits, my customers with their "returns to the pool in N days" badges, and each customer's ownership
page (history, countdown, transfer / lock / release / delete with a reason).

Thin adapters: reads through ``kehu.customers.pools`` and the selectors, writes through
``kehu.customers.ownership``; a DomainError becomes the page's error message with its status.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kehu.core import clock, regions
from kehu.core.errors import DomainError, NotFound
from kehu.customers import field_access, ownership, pools, selectors
from kehu.customers import permissions as perms
from kehu.customers.field_access import CONTACT, CUSTOMER
from kehu.customers.filters import PoolFilterForm
from kehu.customers.forms import (
    AssignForm,
    PoolForm,
    ReasonForm,
    ReleaseForm,
    TeamMemberForm,
    TransferForm,
    colleagues_for,
    receivers_for,
)
from kehu.customers.listing import counted_window
from kehu.customers.models import Customer
from kehu.customers.views import PAGE_SIZE, _adapt
from kehu.org.access import require_any_permission
from kehu.policy.evaluators.pools import claim_allowed
from kehu.policy.selectors import version_in_force
from kehu.web.decorators import permission_required

POOL_SEARCH_KEY = "kehu_pool_search"


def _page_number(request) -> int:
    try:
        return max(1, int(request.GET.get("page", 1)))
    except ValueError:
        return 1


def _window(request, rows):
    page = _page_number(request)
    window, counted = counted_window(rows, (page - 1) * PAGE_SIZE, page * PAGE_SIZE + 1)
    return {"page": page, "count": counted.value, "more": counted.capped, "has_next": len(window) > PAGE_SIZE}, \
        window[:PAGE_SIZE]


def _claim_states(user, rows, now):
    """Each row's claim decision for ``user`` without a query per row: the limits are the user's, and a
    row's own cooldown applies when the user is the owner it last left (its latest change is that loss)."""
    version = version_in_force(now)
    rules = version.section("pools")
    held = pools.holding_of(user, now)
    for row in rows:
        lost = row.pooled_at if row.former_owner_id == user.pk else None
        row.claim = claim_allowed(rules, held.total, held.won, held.claimed_today, lost, now, version=version.number)
    return version, rules, held


def _pool_page(request, *, pool_pk: int | None = None, error=None, assign_form=None, status: int = 200):
    user = request.user
    available = list(_adapt(pools.pools_for, user))
    pool = next((p for p in available if p.pk == pool_pk), None) if pool_pk else None
    if pool_pk and pool is None:
        _adapt(pools.pool_for, user, pool_pk)  # 404
    q = request.session.get(POOL_SEARCH_KEY, "")
    filter_form = PoolFilterForm(request.GET)
    paging, rows = _window(request, pools.pool_customers(user, pool=pool, q=q, filters=filter_form.filters()))
    params = request.GET.copy()
    params.pop("page", None)
    now = clock.now()
    version, rules, held = _claim_states(user, rows, now)
    may_assign = user.has_permission(perms.TRANSFER) or pools.administers(user, [pool] if pool else available)
    return render(request, "customers/pools.html", {
        "pools": available, "pool": pool, "customers": rows, "q": q, **paging, "error": error,
        "rules": rules, "held": held.counted(rules), "claimed_today": held.claimed_today,
        "can_claim": user.has_permission(perms.POOL_USE), "may_assign": may_assign,
        "assign_form": assign_form or (AssignForm(receivers=receivers_for(user)) if may_assign else None),
        "masked": rules.mask_contacts_in_pool, "filter_form": filter_form,
        "contact_hidden": field_access.for_user(user).hidden(CONTACT), "provinces": regions.provinces(),
        "tiers": {tier.code: tier.display_name for tier in version.section("tiers").active.tiers}, "extra": f"{params.urlencode()}&" if params else "",
    }, status=status)


@require_GET
def pool_list(request, pool_pk: int | None = None):
    return _pool_page(request, pool_pk=pool_pk)


@require_POST
def pool_search(request):
    """Keep the pool search in the session: it may be a phone number, never put in a URL (WEB-7)."""
    _adapt(pools.pools_for, request.user)
    q = request.POST.get("q", "").strip()[:100]
    if q:
        request.session[POOL_SEARCH_KEY] = q
    else:
        request.session.pop(POOL_SEARCH_KEY, None)
    return redirect(request.POST.get("next") or reverse("customers:pools"))


def _back(request) -> str:
    target = request.POST.get("next", "")
    return target if target.startswith("/customers/pools/") else reverse("customers:pools")


@require_POST
@permission_required(perms.POOL_USE)
def pool_claim(request, pk: int):
    customer = _adapt(pools.pool_customer_for, request.user, pk)
    try:
        ownership.customer_claim(actor=request.user, customer=customer)
    except DomainError as exc:
        return _pool_page(request, error=exc.message, status=exc.status)
    messages.success(request, _("已领取客户“%(name)s”。") % {"name": customer.name})
    return redirect(_back(request))


@require_POST
def pool_assign(request):
    user = request.user
    _adapt(require_any_permission, user, [perms.TRANSFER, perms.POOL_USE])
    form = AssignForm(request.POST, receivers=receivers_for(user))
    if not form.is_valid():
        return _pool_page(request, assign_form=form, status=400)
    chosen = [_adapt(pools.pool_customer_for, user, pk) for pk in form.cleaned_data["customers"]]
    try:
        result = ownership.customer_assign(actor=user, customers=chosen, to_owner=form.cleaned_data["to_owner"],
                                           reason=form.cleaned_data["reason"])
    except DomainError as exc:
        return _pool_page(request, assign_form=form, error=exc.message, status=exc.status)
    messages.success(request, _("已分配 %(n)s 个客户。") % {"n": result.count})
    return redirect(_back(request))


@require_GET
@permission_required(perms.VIEW)
def my_customers(request):
    """The user's own customers, each with how many days are left before the rules return it."""
    user = request.user
    soon = request.GET.get("soon") == "1"
    rows = pools.returning_soon(user) if soon else Customer.objects.filter(owner=user, deleted_at=None)
    paging, window = _window(request, rows.order_by("-id"))
    decisions = pools.return_decisions(window)
    for customer in window:
        customer.return_decision = decisions.get(customer.pk)
    return render(request, "customers/mine.html", {"customers": window, "soon": soon, **paging,
                                                   "hidden": field_access.for_user(user).hidden(CUSTOMER),
                                                   "can_release": user.has_permission(perms.POOL_USE)})


def _ownership_page(request, customer, *, forms=None, error=None, status: int = 200):
    user = request.user
    receivers = receivers_for(user) if user.has_permission(perms.TRANSFER) else None
    forms = forms or {}
    decision = pools.return_decisions([customer]).get(customer.pk)
    history = pools.ownership_history(customer)[:50]
    may_release = customer.owner_id is not None and not customer.locked and user.has_permission(perms.POOL_USE) and (
        customer.owner_id == user.pk or user.has_permission(perms.TRANSFER))
    may_team = (customer.owner_id is not None and user.has_permission(perms.EDIT)
                and (customer.owner_id == user.pk or user.has_permission(perms.TRANSFER)))
    return render(request, "customers/ownership.html", {
        "customer": customer, "decision": decision, "history": history, "error": error,
        "members": customer.memberships.select_related("user").order_by("added_at"), "may_team": may_team,
        "member_form": forms.get("member_set") or (TeamMemberForm(colleagues=colleagues_for(user)) if may_team
                                                   else None),
        "transfer_form": forms.get("transfer") or (TransferForm(receivers=receivers) if receivers is not None else None),
        "lock_form": forms.get("lock") or ReasonForm(),
        "release_form": forms.get("release") or (ReleaseForm(pools=pools.pools_for(user)) if may_release else None),
        "delete_form": forms.get("delete") or ReasonForm(),
        "can_lock": user.has_permission(perms.LOCK) and customer.owner_id is not None,
        "can_delete": user.has_permission(perms.DELETE) and customer.owner_id != user.pk,
    }, status=status)


def _act(request, customer, action: str):
    """Bind the form of ``action``, and if valid run its service; returns (form, done message)."""
    user = request.user
    if action == "assign":
        form = TransferForm(request.POST, receivers=receivers_for(user))
        if form.is_valid():
            ownership.customer_assign(actor=user, customers=[customer], to_owner=form.cleaned_data["to_owner"],
                                      reason=form.cleaned_data["reason"])
            return form, _("已分配给%(name)s。") % {"name": form.cleaned_data["to_owner"].full_name}
    elif action == "transfer":
        form = TransferForm(request.POST, receivers=receivers_for(user))
        if form.is_valid():
            ownership.customer_transfer(actor=user, customers=[customer], to_owner=form.cleaned_data["to_owner"],
                                        reason=form.cleaned_data["reason"],
                                        keep_as_team_member=form.cleaned_data["keep_as_team_member"])
            return form, _("已转移给%(name)s。") % {"name": form.cleaned_data["to_owner"].full_name}
    elif action == "release":
        form = ReleaseForm(request.POST, pools=pools.pools_for(user))
        if form.is_valid():
            ownership.customer_release(actor=user, customer=customer, reason=form.cleaned_data["reason"],
                                       pool=form.cleaned_data["pool"])
            return form, _("已退回公海。")
    elif action == "member_set":
        form = TeamMemberForm(request.POST, colleagues=colleagues_for(user))
        if form.is_valid():
            ownership.team_member_set(actor=user, customer=customer, user=form.cleaned_data["user"],
                                      access=form.cleaned_data["access"], expires_at=form.expires_at())
            return form, _("已设置协作人%(name)s。") % {"name": form.cleaned_data["user"].full_name}
    elif action == "member_remove":
        user_id = request.POST.get("user", "")
        member = (customer.memberships.filter(user_id=int(user_id)).select_related("user").first()
                  if user_id.isdigit() else None)
        if member is None:
            raise NotFound("not_found", _("该用户不是此客户的协作人。"))
        ownership.team_member_remove(actor=user, customer=customer, user=member.user)
        return None, _("已移除协作人%(name)s。") % {"name": member.user.full_name}
    else:
        form = ReasonForm(request.POST)
        if form.is_valid():
            service = {"lock": ownership.customer_lock, "unlock": ownership.customer_unlock,
                       "delete": ownership.customer_delete}[action]
            service(actor=user, customer=customer, reason=form.cleaned_data["reason"])
            return form, {"lock": _("已锁定：该客户不会自动退回公海。"), "unlock": _("已解锁。"),
                          "delete": _("客户已删除（留存备查）。")}[action]
    return form, None


ACTIONS = ("assign", "transfer", "release", "lock", "unlock", "delete", "member_set", "member_remove")


@require_http_methods(["GET", "POST"])
@permission_required(perms.VIEW)
def customer_ownership(request, pk: int):
    customer = _adapt(selectors.customer_for, request.user, pk)
    if request.method == "GET":
        return _ownership_page(request, customer)
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        return _ownership_page(request, customer, error=_("未知操作。"), status=400)
    try:
        form, done = _act(request, customer, action)
    except DomainError as exc:
        return _ownership_page(request, customer, error=exc.message, status=exc.status)
    if done is None:
        key = {"unlock": "lock", "assign": "transfer"}.get(action, action)
        return _ownership_page(request, customer, forms={key: form}, status=400)
    messages.success(request, done)
    if action == "delete" or not Customer.objects.visible_to(request.user).filter(pk=pk).exists():
        return redirect("customers:list")
    return redirect("customers:ownership", pk=pk)


def returning_card(user):
    """The home page's warning (OWN-3): the user's customers the rules return within the warning period."""
    from kehu.web.home import HomeCard

    if not user.has_permission(perms.VIEW):
        return None
    count = pools.returning_soon(user).count()
    if not count:
        return None
    return HomeCard(title=_("即将退回公海"), value=str(count), url=reverse("customers:mine") + "?soon=1",
                    hint=_("我负责的客户中，将在提醒期内按公海规则退回的"))


@require_GET
@permission_required(perms.POOL_MANAGE)
def pool_manage(request):
    return render(request, "customers/pool_manage.html", {"pools": pools.pools_to_manage(request.user)})


@require_http_methods(["GET", "POST"])
@permission_required(perms.POOL_MANAGE)
def pool_edit(request, pk: int | None = None):
    pool = pools.pools_to_manage(request.user).filter(pk=pk).first() if pk else None
    if pk and pool is None:
        raise Http404(_("公海不存在，或您无权查看。"))
    initial = ({name: getattr(pool, name) for name in ownership.POOL_FIELDS}
               | {name: list(getattr(pool, name).all()) for name in ownership.POOL_MEMBERS}) if pool else None
    form = PoolForm(request.POST or None, initial=initial, actor=request.user)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            ownership.pool_save(actor=request.user, data=form.cleaned_data, pool=pool)
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("公海已保存。"))
            return redirect("customers:pool_manage")
    return render(request, "customers/pool_edit.html", {"form": form, "pool": pool, "error": error},
                  status=400 if request.method == "POST" else 200)
