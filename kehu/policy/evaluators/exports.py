"""SEC-6: exports above N rows need approval."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from kehu.policy.evaluators.base import Decision
from kehu.policy.schemas import ExportsRules


@dataclass(frozen=True)
class ExportDecision(Decision):
    needs_approval: bool
    threshold: int


def needs_approval(rules: ExportsRules, rows: int, *, version: int) -> ExportDecision:
    limit = rules.approval_above_rows
    if rows > limit:
        reason = _("导出 %(rows)s 行，超过 %(limit)s 行，须审批") % {"rows": rows, "limit": limit}
    else:
        reason = _("导出 %(rows)s 行，不超过 %(limit)s 行，无须审批") % {"rows": rows, "limit": limit}
    return ExportDecision(policy_version=version, reason=reason, needs_approval=rows > limit, threshold=limit)
