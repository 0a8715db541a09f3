"""Pages of relationship maintenance: follow-ups (REL-1), my day and tasks (REL-4, REL-6)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kehu.core import clock
from kehu.core.errors import DomainError
from kehu.customers import selectors as customer_selectors
from kehu.customers.views import _adapt
from kehu.engagement import myday, selectors, services
from kehu.engagement import permissions as perms
from kehu.engagement.forms import FollowUpForm
from kehu.org.forms import add_domain_error
from kehu.web.decorators import permission_required

PAGE_SIZE = 30


def _member_pk(value: str) -> int | None:
    return int(value) if value.isdigit() else None


@require_GET
@permission_required(perms.MY_DAY)
def my_day(request):
    """My day; with ``?member=<pk>`` a team member's (in the manager's scope), with ``?team=1`` the team summary."""
    today = clock.today()
    user = request.user
    can_team = user.has_permission(perms.TEAM_VIEW)
    context = {"today": today, "can_team": can_team, "member": None}
    if can_team and "member" in request.GET:
        context["member"] = _adapt(selectors.team_member, user, _member_pk(request.GET["member"]))
        context["sections"] = myday.sections_for(context["member"], today)
    elif can_team and request.GET.get("team"):
        members = list(selectors.team_members(user))
        columns = myday.team_columns()
        counts = [column.team([member.pk for member in members], today) for column in columns]
        context["team"] = {"columns": columns,
                           "rows": [(member, [count.get(member.pk, 0) for count in counts]) for member in members]}
    else:
        context["sections"] = myday.sections_for(user, today)
    return render(request, "engagement/my_day.html", context)


@require_http_methods(["GET", "POST"])
@permission_required(perms.FOLLOWUP_RECORD)
def followup_new(request, customer_pk: int):
    """Record a follow-up: one column with large touch targets, the page a phone opens (REL-1)."""
    customer = _adapt(customer_selectors.customer_for, request.user, customer_pk)
    form = FollowUpForm(request.POST or None, contacts=customer_selectors.contacts_of(customer))
    if request.method == "POST" and form.is_valid():
        try:
            services.followup_record(actor=request.user, customer=customer, data=form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("已记录跟进。"))
            return redirect(reverse("customers:detail", args=[customer.pk]) + "?tab=followups#tabs")
    return render(request, "engagement/followup_form.html", {"customer": customer, "form": form},
                  status=400 if form.is_bound else 200)


@require_GET
@permission_required(perms.FOLLOWUP_RECORD)
def followup_list(request):
    """The follow-ups I recorded, newest first."""
    rows = _adapt(selectors.followups_for, request.user, selectors.FollowUpFilters(by=request.user.pk))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "engagement/followups.html", {"page": page})


@require_POST
@permission_required(perms.MY_DAY)
def task_done(request, pk: int):
    task = _adapt(selectors.task_for, request.user, pk)
    try:
        services.task_complete(actor=request.user, task=task)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("engagement:my_day")


def followups_tab(request, customer) -> dict:
    """The customer page's 跟进记录 tab (kehu.customers.views.register_tab)."""
    may_record = request.user.has_permission(perms.FOLLOWUP_RECORD)
    return {"followups": selectors.followups_of(customer),
            "followup_form": FollowUpForm(contacts=customer_selectors.contacts_of(customer)) if may_record else None}
