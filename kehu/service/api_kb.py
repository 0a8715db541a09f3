"""/api/v1/service-commitments (SVC-6), /api/v1/handbook-articles (SVC-7) and /api/v1/policy-problems (POL-4):
the selectors and services of the pages, with their permissions and scope."""

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from kehu.core.errors import DomainError
from kehu.core.idempotency import idempotent
from kehu.core.pagination import LimitOffsetPagination
from kehu.customers import selectors as customer_selectors
from kehu.org.access import require_permission
from kehu.service import commitments, handbook, problems
from kehu.service import permissions as perms
from kehu.service.models import HandbookArticle, PolicyProblem, ProblemStatus

commitments_router = Router(tags=["service-commitments"])
handbook_router = Router(tags=["handbook"])
problems_router = Router(tags=["policy-problems"])


# --- service commitments --------------------------------------------------------------------------
class CommitmentOut(Schema):
    id: int
    customer_id: int
    content: str
    standard: str
    response_hours: int | None
    resolution_hours: int | None
    valid_from: dt.date
    valid_until: dt.date | None
    signed_by: str
    created_at: dt.datetime
    withdrawn_at: dt.datetime | None


class CommitmentDetailOut(CommitmentOut):
    tickets_met: int = Field(description="按时响应并解决的工单数")
    tickets_missed: int = Field(description="响应或解决超出承诺时限的工单数")
    tickets_pending: int = Field(description="尚在承诺时限内、未完成的工单数")


class CommitmentIn(Schema):
    customer_id: int
    content: str = Field(max_length=commitments.CONTENT_MAX)
    standard: str = ""
    response_hours: int | None = Field(None, gt=0, description="承诺的响应时限（小时，按工单的服务时限日历计）")
    resolution_hours: int | None = Field(None, gt=0, description="承诺的解决时限（小时），不短于响应时限")
    valid_from: dt.date
    valid_until: dt.date | None = None
    signed_by: str = Field("", max_length=50)


class WithdrawIn(Schema):
    reason: str = Field("", max_length=200)


@commitments_router.get("", response=list[CommitmentOut], summary="服务承诺书")
@paginate(LimitOffsetPagination)
def commitment_list(request, customer_id: int | None = None, current_only: bool = False):
    """The commitments of the customers in the caller's scope (of one customer with ``customer_id``)."""
    customer = customer_selectors.customer_for(request.auth, customer_id) if customer_id else None
    return commitments.commitments_for(request.auth, customer=customer, current_only=current_only)


def _with_tally(commitment):
    counts = commitments.tally([commitment])[commitment.pk]
    commitment.tickets_met, commitment.tickets_missed, commitment.tickets_pending = (
        counts[commitments.MET], counts[commitments.MISSED], counts[commitments.PENDING])
    return commitment


@commitments_router.get("/{int:commitment_id}", response=CommitmentDetailOut, summary="一份服务承诺书及其达成情况")
def commitment_detail(request, commitment_id: int):
    return _with_tally(commitments.commitment_for(request.auth, commitment_id))


@commitments_router.post("", response={201: CommitmentOut}, summary="新增服务承诺书")
@idempotent
def commitment_create(request, payload: CommitmentIn):
    require_permission(request.auth, perms.COMMITMENT_MANAGE)
    customer = customer_selectors.customer_for(request.auth, payload.customer_id)
    commitment = commitments.commitment_save(actor=request.auth, customer=customer, entry_point="api",
                                             **payload.dict(exclude={"customer_id"}))
    return Status(201, commitment)


@commitments_router.post("/{int:commitment_id}/withdraw", response=CommitmentOut, summary="撤销服务承诺书")
def commitment_withdraw(request, commitment_id: int, payload: WithdrawIn):
    require_permission(request.auth, perms.COMMITMENT_MANAGE)
    commitment = commitments.commitment_for(request.auth, commitment_id)
    return commitments.commitment_withdraw(actor=request.auth, commitment=commitment, reason=payload.reason,
                                           entry_point="api")


# --- the handbook ---------------------------------------------------------------------------------
class ArticleOut(Schema):
    id: int
    title: str
    problem: str
    solution: str
    keywords: str
    category_ids: list[int]
    published: bool
    source_problem_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_category_ids(obj: HandbookArticle) -> list[int]:
        return sorted(c.pk for c in obj.categories.all())


class ArticleIn(Schema):
    title: str = Field(max_length=handbook.TITLE_MAX)
    problem: str = Field(max_length=handbook.TEXT_MAX)
    solution: str = Field(max_length=handbook.TEXT_MAX)
    keywords: str = Field("", max_length=handbook.KEYWORDS_MAX, description="以空格或逗号分隔")
    category_ids: list[int] = Field(default_factory=list, description="适用的工单分类")
    published: bool = True


class ArticleFilters(Schema):
    q: str = Field("", max_length=100, description="标题、问题或关键词包含（空格分隔的词须都出现）")
    category_id: int | None = None


def _category(pk: int | None):
    if pk is None:
        return None
    category = handbook.categories().filter(pk=pk).first()
    if category is None:
        raise DomainError("category_not_found", _("工单分类不存在或已停用。"), field="category_id", status=422)
    return category


def _categories(ids: list[int]) -> list:
    found = list(handbook.categories().filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise DomainError("category_not_found", _("工单分类不存在或已停用。"), field="category_ids", status=422)
    return found


@handbook_router.get("", response=list[ArticleOut], summary="问题解决手册")
@paginate(LimitOffsetPagination)
def article_list(request, filters: Query[ArticleFilters]):
    return handbook.articles_for(request.auth, q=filters.q, category=_category(filters.category_id))


class SuggestFilters(Schema):
    category_id: int | None = Field(None, description="工单的分类")
    text: str = Field("", max_length=handbook.TEXT_MAX, description="工单的标题与问题描述")
    limit: int = Field(5, ge=1, le=handbook.SUGGEST_MAX)


@handbook_router.get("/suggest", response=list[ArticleOut], summary="为工单推荐手册条目")
def article_suggest(request, filters: Query[SuggestFilters]):
    """Published articles of the category first, then those sharing words with ``text``; the most shared
    words first."""
    require_permission(request.auth, perms.TICKET_HANDLE)
    return handbook.suggest(category=_category(filters.category_id), text=filters.text, limit=filters.limit)


@handbook_router.get("/{int:article_id}", response=ArticleOut, summary="一个手册条目")
def article_detail(request, article_id: int):
    return handbook.article_for(request.auth, article_id)


@handbook_router.post("", response={201: ArticleOut}, summary="新增手册条目")
@idempotent
def article_create(request, payload: ArticleIn):
    article = handbook.article_save(actor=request.auth, categories=_categories(payload.category_ids),
                                    entry_point="api", **payload.dict(exclude={"category_ids"}))
    return Status(201, handbook.article_for(request.auth, article.pk))


@handbook_router.put("/{int:article_id}", response=ArticleOut, summary="修改手册条目")
def article_update(request, article_id: int, payload: ArticleIn):
    require_permission(request.auth, perms.HANDBOOK_EDIT)
    article = handbook.article_for(request.auth, article_id)
    handbook.article_save(actor=request.auth, article=article, categories=_categories(payload.category_ids),
                          entry_point="api", **payload.dict(exclude={"category_ids"}))
    return handbook.article_for(request.auth, article_id)


# --- the policy problem log -----------------------------------------------------------------------
class ProblemOut(Schema):
    id: int
    reported_by_id: int
    section: str = Field(description="制度章节代码（PolicyRules 的节名），可为空")
    description: str
    status: str = Field(description="open 待解决 / solved 已解决 / declined 不予处理")
    solution: str = Field(description="解决办法；不予处理时为理由")
    solved_by_id: int | None
    solved_at: dt.datetime | None
    article_id: int | None
    created_at: dt.datetime

    @staticmethod
    def resolve_article_id(obj: PolicyProblem) -> int | None:
        article = getattr(obj, "article", None)
        return article.pk if article else None


class ProblemIn(Schema):
    section: str = ""
    description: str = Field(max_length=problems.DESCRIPTION_MAX)


class SolveIn(Schema):
    solution: str = Field(max_length=handbook.TEXT_MAX)
    title: str = Field("", max_length=handbook.TITLE_MAX, description="手册条目标题；不填取问题描述的开头")
    keywords: str = Field("", max_length=handbook.KEYWORDS_MAX)
    category_ids: list[int] = Field(default_factory=list)


class DeclineIn(Schema):
    reason: str = Field(max_length=500)


class SolvedOut(Schema):
    problem: ProblemOut
    article: ArticleOut


@problems_router.get("", response=list[ProblemOut], summary="制度执行问题")
@paginate(LimitOffsetPagination)
def problem_list(request, status: ProblemStatus | None = None):
    """Every problem for a handbook editor; the caller's own reports otherwise."""
    return problems.problems_for(request.auth, status=status or "")


@problems_router.get("/{int:problem_id}", response=ProblemOut, summary="一个制度执行问题")
def problem_detail(request, problem_id: int):
    return problems.problem_for(request.auth, problem_id)


@problems_router.post("", response={201: ProblemOut}, summary="报告制度执行问题")
@idempotent
def problem_report(request, payload: ProblemIn):
    problem = problems.problem_report(actor=request.auth, entry_point="api", **payload.dict())
    return Status(201, problems.problem_for(request.auth, problem.pk))


@problems_router.post("/{int:problem_id}/solve", response=SolvedOut, summary="解决问题并编入手册")
def problem_solve(request, problem_id: int, payload: SolveIn):
    require_permission(request.auth, perms.HANDBOOK_EDIT)
    problem = problems.problem_for(request.auth, problem_id)
    article = problems.problem_solve(actor=request.auth, problem=problem, categories=_categories(payload.category_ids),
                                     entry_point="api", **payload.dict(exclude={"category_ids"}))
    return {"problem": problems.problem_for(request.auth, problem_id),
            "article": handbook.article_for(request.auth, article.pk)}


@problems_router.post("/{int:problem_id}/decline", response=ProblemOut, summary="不予处理")
def problem_decline(request, problem_id: int, payload: DeclineIn):
    require_permission(request.auth, perms.HANDBOOK_EDIT)
    problem = problems.problem_for(request.auth, problem_id)
    problems.problem_decline(actor=request.auth, problem=problem, reason=payload.reason, entry_point="api")
    return problems.problem_for(request.auth, problem_id)
