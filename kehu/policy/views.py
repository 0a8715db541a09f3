"""Policy pages: versions and their rules, drafting, submitting, approving (POL-1); responsibilities (ORG-4).

Thin adapters: read through the selectors, write through the services; a DomainError becomes a
form error or a message on the page it came from.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kehu.core import clock
from kehu.core.errors import DomainError, NotFound
from kehu.core.i18n import join_list, labelled
from kehu.org import permissions
from kehu.policy import display, selectors, services
from kehu.policy.forms import RejectForm, ResponsibilityForm, VersionEditForm
from kehu.policy.models import Policy, PolicyVersion
from kehu.policy.schemas import SECTIONS, section_label
from kehu.web.decorators import permission_required


def readers_only(view):
    """403 unless the user may read policies (policy.view, policy.draft or policy.approve)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not selectors.can_read(request.user):
            raise DjangoPermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _version(request, pk: int) -> PolicyVersion:
    try:
        return selectors.version_detail(request.user, pk)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc


def _in_force_ids() -> set[int]:
    ids = set()
    for policy in Policy.objects.all():
        try:
            ids.add(selectors.version_in_force(policy_code=policy.code).pk)
        except NotFound:
            continue
    return ids


@require_http_methods(["GET"])
@readers_only
def version_list(request):
    user = request.user
    responsibilities = selectors.responsibilities_for(user)
    can_draft = user.has_permission(permissions.POLICY_DRAFT)
    return render(request, "policy/version_list.html", {
        "policies": [(policy, selectors.open_version(policy)) for policy in selectors.policies_for(user)],
        "versions": selectors.versions_for(user),
        "in_force": _in_force_ids(),
        "now": clock.now(),
        "can_draft": can_draft,
        "areas": [(name, section_label(name), responsibilities.get(name)) for name in SECTIONS],
        "responsibility_form": ResponsibilityForm() if can_draft else None,
    })


@require_http_methods(["GET"])
@readers_only
def version_detail(request, pk: int):
    version = _version(request, pk)
    user = request.user
    predecessor = version.predecessor
    responsibilities = selectors.responsibilities_for(user)
    tables = display.tables(version.parsed_rules(), selectors.role_names(),
                            predecessor.parsed_rules() if predecessor else None)
    return render(request, "policy/version_detail.html", {
        "version": version,
        "tables": [(table, responsibilities.get(table.name)) for table in tables],
        "in_force": version.pk in _in_force_ids(),
        "now": clock.now(),
        "can_draft": user.has_permission(permissions.POLICY_DRAFT),
        "can_approve": user.has_permission(permissions.POLICY_APPROVE),
        "is_drafter": version.drafted_by_id == user.pk,
        "reject_form": RejectForm(),
    })


@require_POST
@permission_required(permissions.POLICY_DRAFT)
def version_new(request, policy_pk: int):
    policy = selectors.policies_for(request.user).filter(pk=policy_pk).first()
    if policy is None:
        raise Http404
    try:
        version = services.policy_version_draft(actor=request.user, policy=policy)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("policy:version_list")
    return redirect("policy:version_edit", pk=version.pk)


@require_http_methods(["GET", "POST"])
@permission_required(permissions.POLICY_DRAFT)
def version_edit(request, pk: int):
    version = _version(request, pk)
    if version.status != PolicyVersion.DRAFT:
        messages.error(request, _("只有草稿可以修改"))
        return redirect("policy:version_detail", pk=version.pk)
    form = VersionEditForm(request.POST or None, version=version)
    if request.method == "POST" and form.is_valid():
        try:
            services.policy_version_update(
                actor=request.user, version=version, rules=form.rules(),
                effective_from=form.cleaned_data["effective_from"], summary=form.cleaned_data["summary"])
        except DomainError as exc:
            if "errors" in exc.details:
                form.add_rule_errors(exc.details["errors"])
            else:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("草稿已保存"))
            return redirect("policy:version_detail", pk=version.pk)
    sections = [(form[name], name) for name in SECTIONS]
    return render(request, "policy/version_edit.html", {"version": version, "form": form, "sections": sections})


def _act(request, pk: int, service, done: str, **kwargs):
    version = _version(request, pk)
    try:
        service(actor=request.user, version=version, **kwargs)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("policy:version_detail", pk=version.pk)


@require_POST
@permission_required(permissions.POLICY_DRAFT)
def version_submit(request, pk: int):
    return _act(request, pk, services.policy_version_submit, _("已提交审批"))


@require_POST
@permission_required(permissions.POLICY_APPROVE)
def version_publish(request, pk: int):
    return _act(request, pk, services.policy_version_publish, _("已批准并发布"))


@require_POST
@permission_required(permissions.POLICY_APPROVE)
def version_reject(request, pk: int):
    form = RejectForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _act(request, pk, services.policy_version_reject, _("已退回起草人"), reason=reason)


@require_POST
@permission_required(permissions.POLICY_DRAFT)
def responsibility_set(request):
    form = ResponsibilityForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, labelled(label, join_list(errors)))
        return redirect("policy:version_list")
    try:
        services.responsibility_set(actor=request.user, area=form.cleaned_data["area"],
                                    department=form.cleaned_data["department"], person=form.cleaned_data["person"])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("制度责任已更新"))
    return redirect("policy:version_list")
