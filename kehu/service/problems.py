"""Problems met in applying the policy (执行中遇到的问题, POL-4).

Anyone holding PROBLEM_REPORT reports one, naming the policy section it concerns; the holders of
HANDBOOK_EDIT see the open ones and either solve one — its solution becomes a published handbook article in
the same transaction, so a solution never exists without its article — or decline it with a reason. Either
way the reporter is notified once the decision is committed. A reporter sees their own reports.
For a declined problem ``solution`` holds the reason given.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from kehu.compliance import audit
from kehu.core import clock
from kehu.core.errors import Conflict, DomainError, NotFound
from kehu.org.access import require_any_permission, require_permission
from kehu.policy.schemas import SECTIONS, section_label
from kehu.service import actions, handbook
from kehu.service import permissions as perms
from kehu.service.models import HandbookArticle, PolicyProblem, ProblemStatus, TicketCategory

DESCRIPTION_MAX = 2000
NOTIFY_KIND = "policy_problem"


def section_choices() -> list[tuple[str, str]]:
    """The policy's sections (PolicyRules), as a problem names them."""
    return [(name, section_label(name)) for name in SECTIONS]


# --- reads ----------------------------------------------------------------------------------------
def problems_for(user, *, status: str = "") -> QuerySet:
    """Every problem for a handbook editor; a reporter's own otherwise. Newest first."""
    require_any_permission(user, (perms.HANDBOOK_EDIT, perms.PROBLEM_REPORT))
    rows = PolicyProblem.objects.all()
    if not user.has_permission(perms.HANDBOOK_EDIT):
        rows = rows.filter(reported_by=user)
    if status:
        rows = rows.filter(status=status)
    return rows.select_related("reported_by", "solved_by", "article")


def problem_for(user, pk: int) -> PolicyProblem:
    problem = problems_for(user).filter(pk=pk).first()
    if problem is None:
        raise NotFound("problem_not_found", _("问题不存在，或不在您的查看范围内。"))
    return problem


# --- writes ---------------------------------------------------------------------------------------
@transaction.atomic
def problem_report(*, actor, description: str, section: str = "", entry_point: str = "web") -> PolicyProblem:
    require_permission(actor, perms.PROBLEM_REPORT)
    description = description.strip()
    if not description:
        raise DomainError("problem_description_required", _("请描述遇到的问题。"), field="description")
    if len(description) > DESCRIPTION_MAX:
        raise DomainError("problem_description_too_long", _("问题描述不超过 %(n)d 个字。") % {"n": DESCRIPTION_MAX},
                          field="description")
    if section and section not in SECTIONS:
        raise DomainError("problem_section_unknown", _("制度中没有这一章节。"), field="section")
    problem = PolicyProblem.objects.create(reported_by=actor, section=section, description=description,
                                           created_at=clock.now())
    audit.record(actor, actions.PROBLEM_REPORT, problem, {"section": section, "entry_point": entry_point})
    return problem


def _open(problem: PolicyProblem) -> PolicyProblem:
    locked = PolicyProblem.objects.select_for_update().select_related("reported_by").get(pk=problem.pk)
    if locked.status != ProblemStatus.OPEN:
        raise Conflict("problem_not_open", _("该问题已处理。"))
    return locked


def _notify_reporter(problem: PolicyProblem, title: str, url: str) -> None:
    from kehu.engagement import notify

    transaction.on_commit(lambda: notify.notify([problem.reported_by], NOTIFY_KIND, title,
                                                problem.description[:200], url, key=f"{NOTIFY_KIND}:{problem.pk}"))


@transaction.atomic
def problem_solve(*, actor, problem: PolicyProblem, solution: str, title: str = "", keywords: str = "",
                  categories: Iterable[TicketCategory] = (), entry_point: str = "web") -> HandbookArticle:
    """Solve an open problem: its solution becomes a published handbook article (the problem's description
    its problem text; ``title`` defaults to the description's start). Returns the article."""
    require_permission(actor, perms.HANDBOOK_EDIT)
    problem = _open(problem)
    solution = solution.strip()
    if not solution:
        raise DomainError("problem_solution_required", _("请填写解决办法。"), field="solution")
    problem.status, problem.solution, problem.solved_by, problem.solved_at = (
        ProblemStatus.SOLVED, solution, actor, clock.now())
    problem.save(update_fields=["status", "solution", "solved_by", "solved_at"])
    article = handbook.article_save(
        actor=actor, title=title.strip() or problem.description.splitlines()[0][:handbook.TITLE_MAX],
        problem=problem.description, solution=solution, keywords=keywords, categories=categories,
        published=True, source_problem=problem, entry_point=entry_point)
    audit.record(actor, actions.PROBLEM_SOLVE, problem, {"article": article.pk, "section": problem.section,
                                                         "entry_point": entry_point})
    _notify_reporter(problem, _("您报告的制度执行问题已解决"), reverse("service_kb:article_detail", args=[article.pk]))
    return article


@transaction.atomic
def problem_decline(*, actor, problem: PolicyProblem, reason: str, entry_point: str = "web") -> PolicyProblem:
    require_permission(actor, perms.HANDBOOK_EDIT)
    problem = _open(problem)
    reason = reason.strip()
    if not reason:
        raise DomainError("problem_reason_required", _("请填写不予处理的理由。"), field="reason")
    problem.status, problem.solution, problem.solved_by, problem.solved_at = (
        ProblemStatus.DECLINED, reason, actor, clock.now())
    problem.save(update_fields=["status", "solution", "solved_by", "solved_at"])
    audit.record(actor, actions.PROBLEM_DECLINE, problem, {"section": problem.section, "reason": reason[:200],
                                                           "entry_point": entry_point})
    _notify_reporter(problem, _("您报告的制度执行问题不予处理"), reverse("service_kb:problem_list") + f"#problem-{problem.pk}")
    return problem
