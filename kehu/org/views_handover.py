"""Departure handover pages (OWN-5, AC-8): the records, one record with what moved, the form with a preview,
and the admin check "open records held by disabled accounts". Thin: org selectors and services."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from kehu.core.errors import NotFound
from kehu.org import forms, handover, selectors, services
from kehu.org import permissions as p
from kehu.org.views import _posted, guarded, submitted

ITEMS_PAGE_SIZE = 100


@guarded(*selectors.HANDOVER_PERMISSIONS)
def handover_list(request):
    page = Paginator(selectors.handovers_for(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "org/handovers.html", {"page": page, "can_check": request.user.has_permission(p.USERS_MANAGE)})


@guarded(*selectors.HANDOVER_PERMISSIONS)
def handover_new(request):
    candidates = selectors.handover_candidates(request.user)
    initial = {"leaver": request.GET.get("leaver")} if request.GET.get("leaver") else None
    form = forms.HandoverForm(_posted(request), initial=initial, candidates=candidates, actor=request.user)
    preview = None
    if request.method == "POST" and "preview" in request.POST:
        if form.is_valid():
            preview = _preview(form.cleaned_data["leaver"], list(form.cleaned_data["receivers"]))
    elif request.method == "POST":
        record = submitted(form, lambda d: services.user_handover(
            actor=request.user, leaver=d["leaver"], receivers=list(d["receivers"]), reason=d["reason"]))
        if record is not None:
            messages.success(request, _("已完成 %(user)s 的离职交接并停用其账号，共移交 %(n)d 条记录。")
                             % {"user": record.leaver, "n": record.total})
            return redirect("org:handover_detail", pk=record.pk)
    return render(request, "org/handover_form.html", {"form": form, "preview": preview})


def _preview(leaver, receivers) -> list[dict]:
    """What a handover would move now: per kind, the total and each receiver's share (nothing moves)."""
    planned = handover.plan(leaver, receivers)
    return [{"label": handover.label(code), "total": sum(len(ids) for ids in shares.values()),
             "shares": [(r, len(shares.get(r.pk, ()))) for r in receivers]} for code, shares in planned.items()]


@guarded(*selectors.HANDOVER_PERMISSIONS)
def handover_detail(request, pk: int):
    try:
        record = selectors.handover_for(request.user, pk)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    items = Paginator(selectors.handover_items(record), ITEMS_PAGE_SIZE).get_page(request.GET.get("page"))
    for item in items:
        kind = handover.HANDOVERS.get(item.kind)
        item.kind_label = handover.label(item.kind)
        item.url = reverse(kind.url_name, args=[item.object_id]) if kind and kind.url_name else ""
    return render(request, "org/handover_detail.html", {
        "record": record, "page": items, "counts": [(handover.label(c), n) for c, n in record.counts.items()],
        "per_receiver": [(r, {handover.label(c): n for c, n in record.per_receiver.get(str(r.pk), {}).items()})
                         for r in record.receivers.all()]})


@guarded(p.USERS_MANAGE)
def handover_check(request):
    found = selectors.orphaned_records(request.user)
    return render(request, "org/handover_check.html", {"found": found, "total": sum(o.count for o in found)})
