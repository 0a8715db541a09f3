"""Information update reminders (信息更新提醒, INFO-7): the 资料待核实 list and recording a review.

Staleness is computed on read from the policy in force (see kehu.customers.selectors): no sweep, no
stored reminders. The home page shows the owner's count through kehu.web.home.
"""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kehu.core.errors import DomainError
from kehu.customers import permissions as perms
from kehu.customers import selectors, services
from kehu.customers.forms import ReviewForm
from kehu.customers.listing import counted_window
from kehu.customers.views import PAGE_SIZE, _adapt
from kehu.web.decorators import permission_required
from kehu.web.home import HomeCard


@require_GET
@permission_required(perms.VIEW)
def stale_list(request):
    mine = request.GET.get("all") != "1"
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    reminders = selectors.reminders_in_force()
    rows = _adapt(selectors.stale_customers_for, request.user, mine=mine, reminders=reminders)
    window, counted = counted_window(rows, (page - 1) * PAGE_SIZE, page * PAGE_SIZE + 1)
    return render(request, "customers/stale.html", {
        "rows": selectors.stale_rows(window[:PAGE_SIZE], reminders), "count": counted.value, "more": counted.capped,
        "mine": mine, "page": page, "has_next": len(window) > PAGE_SIZE,
        "can_review": request.user.has_permission(perms.REVIEW),
    })


@require_http_methods(["GET", "POST"])
@permission_required(perms.REVIEW)
def customer_review(request, pk: int):
    customer = _adapt(selectors.customer_for, request.user, pk)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_review(actor=request.user, customer=customer, note=form.cleaned_data["note"],
                                     confirmed_unchanged=form.cleaned_data["confirmed_unchanged"])
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            return redirect(request.POST.get("next") == "stale" and reverse("customers:stale")
                            or reverse("customers:detail", args=[customer.pk]))
    status = selectors.stale_rows([customer])[0]
    return render(request, "customers/review.html", {"customer": customer, "form": form, "status": status},
                  status=400 if form.is_bound else 200)


def stale_card(user) -> HomeCard | None:
    """The home page's count of the user's own customers due for review."""
    if not user.has_permission(perms.VIEW):
        return None
    counted = selectors.stale_count(user, mine=True)
    value = f"{counted.value}+" if counted.capped else str(counted.value)
    return HomeCard(title=_("资料待核实"), value=value, url=reverse("customers:stale"),
                    hint=_("我负责的客户中超过核实周期的"))
