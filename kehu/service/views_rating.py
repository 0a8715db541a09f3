"""The callback's rating form (FB-2): on the ticket page (helper "web" includes service/_rating_form.html with
``rating_form``) and as a page of its own, which a callback task in "my day" opens."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from kehu.core.errors import DomainError
from kehu.customers.views import _adapt
from kehu.org.forms import BootstrapForm, add_domain_error
from kehu.service import permissions as perms
from kehu.service import selectors, services_rating
from kehu.service.models import Status
from kehu.web.decorators import permission_required

SCORES = [(5, gettext_lazy("5 分 · 非常满意")), (4, gettext_lazy("4 分 · 满意")), (3, gettext_lazy("3 分 · 一般")),
          (2, gettext_lazy("2 分 · 不满意")), (1, gettext_lazy("1 分 · 非常不满意"))]


class RatingForm(BootstrapForm):
    satisfaction = forms.TypedChoiceField(label=gettext_lazy("满意度"), choices=SCORES, coerce=int,
                                          widget=forms.RadioSelect)
    comment = forms.CharField(label=gettext_lazy("回访意见"), required=False, max_length=services_rating.COMMENT_MAX,
                              widget=forms.Textarea(attrs={"rows": 3}))


def rating_context(user, ticket, form: RatingForm | None = None) -> dict:
    """What service/_rating_form.html reads: the form only while the ticket waits for a rating the user may
    record; a refusal (rated meanwhile by someone else) shows above whatever is shown."""
    may_rate = ticket.status == Status.CLOSED and ticket.rated_at is None and user.has_permission(perms.TICKET_HANDLE)
    return {"ticket": ticket, "rating_form": (form or RatingForm()) if may_rate else None,
            "rating_errors": form.non_field_errors() if form is not None else []}


@require_http_methods(["GET", "POST"])
@permission_required(perms.TICKET_HANDLE)
def ticket_rate(request, pk: int):
    ticket = _adapt(selectors.ticket_for, request.user, pk)
    form = RatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = services_rating.ticket_rate(actor=request.user, ticket=ticket, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
            ticket = selectors.ticket_for(request.user, pk)  # as it is now: rated by someone else, say
        else:
            if not request.htmx:
                messages.success(request, _("已记录回访满意度。"))
                return redirect(selectors.ticket_url(ticket.pk))
            form = None
    context = {**rating_context(request.user, ticket, form), "ticket_url": selectors.ticket_url(ticket.pk)}
    template = "service/_rating_form.html" if request.htmx else "service/ticket_rate.html"
    return render(request, template, context)
