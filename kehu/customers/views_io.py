"""Pages of the customer import (INFO-9) and export (SEC-6): thin adapters over jobs.py and exporter.py."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from kehu.core.errors import DomainError, NotFound
from kehu.customers import exporter, jobs
from kehu.customers import permissions as perms
from kehu.customers.importer import ATOMIC
from kehu.customers.models import ImportJob, Stage
from kehu.customers.tabular import MAX_UPLOAD_BYTES
from kehu.customers.tasks import run_import
from kehu.web.decorators import permission_required


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("文件（.xlsx 或 .csv，不超过 20 MB）"))
    mode = forms.ChoiceField(label=gettext_lazy("导入方式"), choices=ImportJob.MODE_CHOICES, initial=ATOMIC,
                             widget=forms.RadioSelect)


class ExportForm(forms.Form):
    stage = forms.ChoiceField(label=gettext_lazy("阶段"), choices=[("", "—"), *Stage.choices], required=False)
    fmt = forms.ChoiceField(label=gettext_lazy("格式"), choices=[("xlsx", "Excel (.xlsx)"), ("csv", "CSV")])
    reason = forms.CharField(label=gettext_lazy("用途说明（超量导出时必填）"), required=False, max_length=500)


def _job(request, pk: int) -> ImportJob:
    try:
        return jobs.job_for(request.user, pk)
    except NotFound as exc:
        raise Http404 from exc


@require_http_methods(["GET", "POST"])
@permission_required(perms.IMPORT)
def import_upload(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            form.add_error("file", _("文件超过 %(mb)d MB，已拒绝。") % {"mb": MAX_UPLOAD_BYTES >> 20})
        else:
            try:
                job = jobs.job_create(actor=request.user, data=upload.read(), file_name=upload.name,
                                      mode=form.cleaned_data["mode"], dry_run=True)
            except DomainError as exc:
                form.add_error("file", exc.message)
            else:
                run_import.enqueue(job.pk)
                return redirect("customer_io:import_job", pk=job.pk)
    recent = jobs.jobs_of(request.user)[:10]
    return render(request, "customers/io/import_upload.html", {"form": form, "recent": recent})


@permission_required(perms.IMPORT)
def import_job(request, pk: int):
    job = _job(request, pk)
    template = "customers/io/_job.html" if request.headers.get("HX-Request") else "customers/io/import_job.html"
    return render(request, template, {"job": job, "modes": ImportJob.MODE_CHOICES})


@require_POST
@permission_required(perms.IMPORT)
def import_job_run(request, pk: int):
    job = _job(request, pk)
    if not job.dry_run or job.status != ImportJob.DONE:
        raise Http404
    try:
        real = jobs.job_import_after_dry_run(actor=request.user, job=job, mode=request.POST.get("mode", job.mode))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("customer_io:import_job", pk=job.pk)
    run_import.enqueue(real.pk)
    return redirect("customer_io:import_job", pk=real.pk)


@permission_required(perms.IMPORT)
def import_rejected(request, pk: int):
    job = _job(request, pk)
    try:
        data = jobs.job_rejected_rows(job)
    except NotFound as exc:
        raise Http404 from exc
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="rejected-{job.pk}.xlsx"'
    return response


def _stream(exported) -> HttpResponse:
    # The file is read into memory before the export's temporary directory is removed (RES-3).
    response = HttpResponse(exported.path.read_bytes(), content_type=exported.content_type)
    response["Content-Disposition"] = f'attachment; filename="{exported.name}"'
    return response


@require_http_methods(["GET", "POST"])
@permission_required(perms.EXPORT)
def export(request):
    form = ExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        filters = {"stage": form.cleaned_data["stage"]} if form.cleaned_data["stage"] else {}
        try:
            count = exporter.export_count(actor=request.user, filters=filters)
            if count > exporter.approval_limit():
                if not form.cleaned_data["reason"].strip():
                    form.add_error("reason", _("导出 %(rows)d 行超过上限，须填写用途并提交审批。") % {"rows": count})
                else:
                    exporter.export_request(actor=request.user, filters=filters, reason=form.cleaned_data["reason"])
                    messages.success(request, _("已提交导出申请，批准后可在“导出申请”中下载。"))
                    return redirect("customer_io:export_requests")
            else:
                with exporter.export_customers(actor=request.user, filters=filters,
                                               fmt=form.cleaned_data["fmt"]) as exported:
                    return _stream(exported)
        except DomainError as exc:
            form.add_error(None, exc.message)
    return render(request, "customers/io/export.html", {"form": form, "limit": exporter.approval_limit()})


@permission_required(perms.EXPORT)
def export_requests(request):
    mine = exporter.requests_of(request.user)
    to_decide = exporter.requests_to_decide(request.user) if request.user.has_permission(perms.EXPORT_APPROVE) else []
    return render(request, "customers/io/export_requests.html", {"mine": mine, "to_decide": to_decide})


@require_POST
@permission_required(perms.EXPORT_APPROVE)
def export_decide(request, pk: int):
    try:
        found = exporter.request_for(request.user, pk)
        service = exporter.export_approve if request.POST.get("decision") == "approve" else exporter.export_reject
        service(actor=request.user, request=found, reason=request.POST.get("reason", ""))
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("customer_io:export_requests")


@require_POST
@permission_required(perms.EXPORT)
def export_download(request, pk: int):
    try:
        found = exporter.request_for(request.user, pk)
        if found.requested_by_id != request.user.pk:
            raise NotFound("export_request", _("导出申请不存在。"))  # only the requester downloads
        with exporter.export_customers(actor=request.user, filters=found.filters, approved=found,
                                       fmt=request.POST.get("fmt", "xlsx")) as exported:
            return _stream(exported)
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("customer_io:export_requests")
