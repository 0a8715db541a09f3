"""Follow-ups on the customer timeline (kehu.customers.timeline): one more branch of its one query."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kehu.customers import timeline
from kehu.engagement.models import FollowUp, FollowUpKind


def rows(customer, user):
    return FollowUp.objects.filter(customer=customer).values(**timeline.columns(
        "followup", at="happened_at", actor="by", t1="kind", t2="content", t3="outcome", t4="next_step"))


def event(customer, row) -> timeline.TimelineEvent:
    kind = str(dict(FollowUpKind.choices).get(row["t1"], row["t1"]))
    detail = "\n".join(filter(None, (row["t2"], row["t3"] and _("结果：%(text)s") % {"text": row["t3"]},
                                     row["t4"] and _("下一步：%(text)s") % {"text": row["t4"]})))
    return timeline.TimelineEvent(at=row["at"], kind="followup", title=_("跟进（%(kind)s）") % {"kind": kind},
                                  detail=detail, actor_name=row["actor"])


def register() -> None:
    timeline.register("followup", rows=rows, event=event)
