"""The problem–solution handbook (问题解决手册, SVC-7): articles, their search, and the suggestions a ticket
form shows for its category and words.

The handbook is the company's shared know-how, not customer data: every holder of TICKET_VIEW or
HANDBOOK_EDIT reads the published articles; only HANDBOOK_EDIT holders write them and see the unpublished.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from kehu.compliance import audit
from kehu.core import clock, pinyin
from kehu.core.errors import DomainError, NotFound
from kehu.customers.keys import cjk_bigrams
from kehu.org.access import require_any_permission, require_permission
from kehu.service import actions
from kehu.service import permissions as perms
from kehu.service.models import HandbookArticle, PolicyProblem, TicketCategory

READERS = (perms.TICKET_VIEW, perms.HANDBOOK_EDIT)
TITLE_MAX, KEYWORDS_MAX, TEXT_MAX = 200, 200, 5000
SUGGEST_MAX = 10
_WORD = re.compile(r"[a-z0-9]{2,}")
_PINYIN_QUERY = re.compile(r"^[A-Za-z]{2,}$")


# --- reads ----------------------------------------------------------------------------------------
def articles_for(user, *, q: str = "", category: TicketCategory | None = None) -> QuerySet:
    """The articles ``user`` may read (the unpublished too for editors), matching every word of ``q`` in the
    title, the problem or the keywords (a word of Latin letters also the title's pinyin or initials), of
    ``category`` when given; most recently updated first."""
    require_any_permission(user, READERS)
    rows = HandbookArticle.objects.all()
    if not user.has_permission(perms.HANDBOOK_EDIT):
        rows = rows.filter(published=True)
    for word in q.split()[:5]:
        found = Q(title__icontains=word) | Q(problem__icontains=word) | Q(keywords__icontains=word)
        if _PINYIN_QUERY.match(word):
            found |= Q(pk__in=_titles_by_pinyin(rows, word))
        rows = rows.filter(found)
    if category is not None:
        rows = rows.filter(categories=category)
    return rows.prefetch_related("categories")


def _titles_by_pinyin(rows: QuerySet, word: str) -> list[int]:
    """The articles whose title ``word`` spells in pinyin or its initials (huashang, wghs → 外观划伤…): the
    titles are read and matched here, a handbook being small enough (80 µs a title, cached)."""
    return [pk for pk, title in rows.values_list("pk", "title") if pinyin.matches(word, _title_keys(title))]


@lru_cache(maxsize=4096)
def _title_keys(title: str) -> pinyin.PinyinKeys:
    return pinyin.pinyin_keys(title)


def article_for(user, pk: int) -> HandbookArticle:
    article = articles_for(user).select_related("created_by", "source_problem").filter(pk=pk).first()
    if article is None:
        raise NotFound("article_not_found", _("手册条目不存在，或尚未发布。"))
    return article


def categories() -> QuerySet:
    """The categories an article may apply to (the active ones)."""
    return TicketCategory.objects.filter(active=True)


# --- writes ---------------------------------------------------------------------------------------
def _check(title: str, problem: str, solution: str, keywords: str) -> None:
    for field, value, label in (("title", title, _("标题")), ("problem", problem, _("问题")),
                                ("solution", solution, _("解决办法"))):
        if not value:
            raise DomainError("article_field_required", _("请填写%(field)s。") % {"field": label}, field=field)
    if len(title) > TITLE_MAX:
        raise DomainError("article_title_too_long", _("标题不超过 %(n)d 个字。") % {"n": TITLE_MAX}, field="title")
    if len(keywords) > KEYWORDS_MAX:
        raise DomainError("article_keywords_too_long", _("关键词不超过 %(n)d 个字。") % {"n": KEYWORDS_MAX},
                          field="keywords")
    for field, value in (("problem", problem), ("solution", solution)):
        if len(value) > TEXT_MAX:
            raise DomainError("article_text_too_long", _("内容不超过 %(n)d 个字。") % {"n": TEXT_MAX}, field=field)


@transaction.atomic
def article_save(*, actor, article: HandbookArticle | None = None, title: str, problem: str, solution: str,
                 keywords: str = "", categories: Iterable[TicketCategory] = (), published: bool = True,
                 source_problem: PolicyProblem | None = None, entry_point: str = "web") -> HandbookArticle:
    """Create an article, or edit ``article``; ``categories`` replace the article's."""
    require_permission(actor, perms.HANDBOOK_EDIT)
    title, problem, solution = title.strip(), problem.strip(), solution.strip()
    keywords = " ".join(keywords.replace("，", " ").replace(",", " ").split())
    _check(title, problem, solution, keywords)
    created = article is None
    now = clock.now()
    article = article or HandbookArticle(created_by=actor, created_at=now, source_problem=source_problem)
    article.title, article.problem, article.solution, article.keywords = title, problem, solution, keywords
    article.published, article.updated_at = published, now
    article.save()
    categories = list(categories)
    article.categories.set(categories)
    audit.record(actor, actions.ARTICLE_SAVE, article, {
        "created": created, "title": title, "published": published,
        "categories": sorted(c.pk for c in categories), "source_problem": article.source_problem_id,
        "entry_point": entry_point})
    return article


# --- suggestions ----------------------------------------------------------------------------------
def terms(text: str) -> set[str]:
    """What a text is matched by: its pairs of adjacent CJK characters (a single character says too little:
    的, 了, 不) and its Latin words and numbers (model codes like XR200)."""
    bigrams = {token for token in cjk_bigrams(text).split() if len(token) == 2}
    return bigrams | set(_WORD.findall((text or "").lower()))


# A term in the title or keywords says more about what the article is for than one in its problem text.
TITLE_WEIGHT, PROBLEM_WEIGHT = 3, 1


def _score(query: set[str], title: str, problem: str, keywords: str) -> int:
    strong, weak = terms(f"{title} {keywords}"), terms(problem)
    return sum(TITLE_WEIGHT if term in strong else PROBLEM_WEIGHT if term in weak else 0 for term in query)


def suggest(*, category: TicketCategory | None = None, text: str = "", limit: int = 5) -> list[HandbookArticle]:
    """Published articles for a ticket being written: those of ``category`` first, then any other whose
    title, problem or keywords share words with ``text``; within each, the most shared words first.
    Unscoped (the caller checked the permission); four queries whatever the handbook's size."""
    limit = max(1, min(limit, SUGGEST_MAX))
    query = terms(text[:TEXT_MAX])
    in_category = set()
    if category is not None:
        in_category = set(HandbookArticle.categories.through.objects.filter(ticketcategory=category)
                          .values_list("handbookarticle_id", flat=True))
    if not query and not in_category:
        return []
    ranked = []
    rows = HandbookArticle.objects.filter(published=True).values_list("pk", "title", "problem", "keywords",
                                                                       "updated_at")
    for pk, title, problem, keywords, updated_at in rows:
        score = _score(query, title, problem, keywords) if query else 0
        if pk in in_category or score:
            ranked.append((pk in in_category, score, updated_at, pk))
    ranked.sort(reverse=True)
    chosen = [pk for *_rest, pk in ranked[:limit]]
    found = HandbookArticle.objects.prefetch_related("categories").in_bulk(chosen)
    return [found[pk] for pk in chosen]
