"""Pages of service commitments (the customer page's 服务承诺 tab, SVC-6), the problem–solution handbook and
its suggestions (SVC-7), and the policy problem log (POL-4). Thin: selectors read, services write."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kehu.core.errors import DomainError
from kehu.customers import selectors as customer_selectors
from kehu.customers.views import _adapt
from kehu.service import commitments, handbook, problems
from kehu.service import permissions as perms
from kehu.service.forms_kb import (
    ArticleForm,
    CommitmentForm,
    DeclineForm,
    ProblemForm,
    SolveForm,
)
from kehu.service.models import ProblemStatus
from kehu.web.decorators import any_permission_required, permission_required

PAGE_SIZE = 30
TAB_ROWS = 50


def _form_error(form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))


# --- service commitments (the customer page's tab) --------------------------------------------------
def _tab_url(customer_pk: int) -> str:
    return reverse("customers:detail", args=[customer_pk]) + "?tab=commitments#tabs"


def commitments_tab(request, customer, commitment_form=None) -> dict:
    """The customer page's 服务承诺 tab (kehu.customers.views.register_tab): the commitments, how many tickets
    met each, and the form to add one for those who may."""
    rows = list(commitments.commitments_for(request.user, customer=customer)[:TAB_ROWS])
    tally = commitments.tally(rows)
    for row in rows:
        row.tally = tally[row.pk]
    return {"commitments": rows, "can_manage_commitments": request.user.has_permission(perms.COMMITMENT_MANAGE),
            "commitment_form": commitment_form or CommitmentForm()}


@require_POST
@permission_required(perms.COMMITMENT_MANAGE)
def commitment_new(request, customer_pk: int):
    customer = _adapt(customer_selectors.customer_for, request.user, customer_pk)
    form = CommitmentForm(request.POST)
    if form.is_valid():
        try:
            _adapt(commitments.commitment_save, actor=request.user, customer=customer, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("服务承诺书已保存。"))
            return redirect(_tab_url(customer.pk))
    return render(request, "service/kb_commitment_form.html", {"form": form, "customer": customer}, status=400)


@require_http_methods(["GET", "POST"])
@permission_required(perms.COMMITMENT_MANAGE)
def commitment_edit(request, pk: int):
    commitment = _adapt(commitments.commitment_for, request.user, pk)
    initial = {field: getattr(commitment, field) for field in commitments.FIELDS}
    form = CommitmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            commitments.commitment_save(actor=request.user, commitment=commitment, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("服务承诺书已保存。"))
            return redirect(_tab_url(commitment.customer_id))
    return render(request, "service/kb_commitment_form.html",
                  {"form": form, "customer": commitment.customer, "commitment": commitment},
                  status=400 if form.errors else 200)


@require_POST
@permission_required(perms.COMMITMENT_MANAGE)
def commitment_withdraw(request, pk: int):
    commitment = _adapt(commitments.commitment_for, request.user, pk)
    try:
        commitments.commitment_withdraw(actor=request.user, commitment=commitment,
                                        reason=request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("服务承诺书已撤销。"))
    return redirect(_tab_url(commitment.customer_id))


# --- the handbook ---------------------------------------------------------------------------------
def _category(request):
    pk = request.GET.get("category", "")
    return handbook.categories().filter(pk=pk).first() if pk.isdigit() else None


@require_GET
@any_permission_required(*handbook.READERS)
def article_list(request):
    q, category = request.GET.get("q", "").strip()[:100], _category(request)
    page = Paginator(handbook.articles_for(request.user, q=q, category=category),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "service/kb_article_list.html", {
        "page": page, "q": q, "category": category, "categories": handbook.categories(),
        "can_edit": request.user.has_permission(perms.HANDBOOK_EDIT)})


@require_GET
@any_permission_required(*handbook.READERS)
def article_detail(request, pk: int):
    return render(request, "service/kb_article_detail.html", {
        "article": _adapt(handbook.article_for, request.user, pk),
        "can_edit": request.user.has_permission(perms.HANDBOOK_EDIT)})


@require_http_methods(["GET", "POST"])
@permission_required(perms.HANDBOOK_EDIT)
def article_edit(request, pk: int | None = None):
    article = _adapt(handbook.article_for, request.user, pk) if pk else None
    initial = {"published": True}
    if article is not None:
        initial = {"title": article.title, "problem": article.problem, "solution": article.solution,
                   "keywords": article.keywords, "categories": list(article.categories.all()),
                   "published": article.published}
    form = ArticleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            article = handbook.article_save(actor=request.user, article=article, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("手册条目已保存。"))
            return redirect("service_kb:article_detail", pk=article.pk)
    return render(request, "service/kb_article_form.html", {"form": form, "article": article},
                  status=400 if form.errors else 200)


# --- the policy problem log -----------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@any_permission_required(perms.HANDBOOK_EDIT, perms.PROBLEM_REPORT)
def problem_list(request):
    """Report a problem; the open problems (a handbook editor) or one's own reports (everyone else)."""
    can_report = request.user.has_permission(perms.PROBLEM_REPORT)
    form = ProblemForm(request.POST or None)
    if request.method == "POST":
        if not can_report:
            raise DjangoPermissionDenied
        if form.is_valid():
            try:
                problems.problem_report(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("问题已报告，处理后会通知您。"))
                return redirect("service_kb:problem_list")
    status = request.GET.get("status", ProblemStatus.OPEN)
    status = status if status in ProblemStatus.values else ""
    page = Paginator(problems.problems_for(request.user, status=status), PAGE_SIZE).get_page(request.GET.get("page"))
    sections = dict(problems.section_choices())
    for problem in page:
        problem.section_label = sections.get(problem.section, "")
    return render(request, "service/kb_problem_list.html", {
        "page": page, "form": form, "can_report": can_report, "status": status, "statuses": ProblemStatus.choices,
        "is_editor": request.user.has_permission(perms.HANDBOOK_EDIT)}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@any_permission_required(perms.HANDBOOK_EDIT, perms.PROBLEM_REPORT)
def problem_detail(request, pk: int):
    """One problem; a handbook editor solves it (the solution becomes an article) or declines it here."""
    problem = _adapt(problems.problem_for, request.user, pk)
    solve_form = SolveForm(request.POST if request.POST.get("decide") == "solve" else None)
    decline_form = DeclineForm(request.POST if request.POST.get("decide") == "decline" else None)
    if request.method == "POST":
        if not request.user.has_permission(perms.HANDBOOK_EDIT):
            raise DjangoPermissionDenied
        form = solve_form if request.POST.get("decide") == "solve" else decline_form
        if form.is_valid():
            try:
                if form is solve_form:
                    article = problems.problem_solve(actor=request.user, problem=problem, **form.cleaned_data)
                    messages.success(request, _("问题已解决，解决办法已编入问题解决手册。"))
                    return redirect("service_kb:article_detail", pk=article.pk)
                problems.problem_decline(actor=request.user, problem=problem, **form.cleaned_data)
                messages.success(request, _("已不予处理，已通知报告人。"))
                return redirect("service_kb:problem_list")
            except DomainError as exc:
                _form_error(form, exc)
    return render(request, "service/kb_problem_detail.html", {
        "problem": problem, "solve_form": solve_form, "decline_form": decline_form,
        "section": dict(problems.section_choices()).get(problem.section, ""),
        "can_decide": request.user.has_permission(perms.HANDBOOK_EDIT) and problem.status == ProblemStatus.OPEN},
        status=400 if solve_form.errors or decline_form.errors else 200)
