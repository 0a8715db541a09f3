"""The audit administrator's search over the log (SEC-5). Every page shown is itself audited."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kehu.compliance import audit, selectors, services
from kehu.compliance.filters import AuditFilterForm
from kehu.core.errors import DomainError, NotFound, PermissionDenied
from kehu.org import permissions
from kehu.web.decorators import permission_required


def _cursor(request) -> int | None:
    value = request.GET.get("after", "")
    return int(value) if value.isdigit() else None


@require_GET
@permission_required(permissions.AUDIT_VIEW)
def audit_list(request):
    form = AuditFilterForm(request.GET)
    page = None
    if form.is_valid():
        filters = form.to_filters()
        try:
            entries = selectors.audit_entries_for(request.user, filters)
        except PermissionDenied as exc:
            raise DjangoPermissionDenied(str(exc.message)) from exc
        except DomainError as exc:
            form.add_error(exc.field, exc.message)
        else:
            page = selectors.audit_page(entries, after_seq=_cursor(request))
            # Recorded before anything is shown: if the record fails, the reader sees nothing.
            services.audit_log_read(actor=request.user, filters=filters.as_dict())
    query = request.GET.copy()
    query.pop("after", None)
    rows = [(entry, audit.action_label(entry.action)) for entry in page.entries] if page else []
    return render(request, "compliance/audit_list.html", {
        "form": form, "page": page, "rows": rows, "query": query.urlencode(),
    })


@require_GET
@permission_required(permissions.AUDIT_VIEW)
def audit_detail(request, seq: int):
    try:
        entry = selectors.audit_entry_for(request.user, seq)
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(str(exc.message)) from exc
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    services.audit_log_read(actor=request.user, entry=entry)
    data_rows = sorted(entry.data.items()) if isinstance(entry.data, dict) else [("", entry.data)]
    return render(request, "compliance/audit_detail.html", {
        "entry": entry, "action_label": audit.action_label(entry.action), "data_rows": data_rows,
    })
