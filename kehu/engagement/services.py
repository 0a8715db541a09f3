"""Writes of relationship maintenance: each checks the actor's permission and audits in its transaction."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.compliance import audit
from kehu.core import clock
from kehu.core.errors import Conflict, DomainError, NotFound
from kehu.customers.models import Contact, Customer
from kehu.engagement import actions
from kehu.engagement import permissions as perms
from kehu.engagement.models import CLOSED_BY_FOLLOWUP, FOLLOW_UP, TASK_URLS, FollowUp, Task, TaskStatus
from kehu.org.access import require_permission

CONTENT_MAX = 2000
FUTURE_SLACK = dt.timedelta(minutes=10)  # a phone's clock a little ahead is not a record of the future


def _check_followup(customer: Customer, data: dict, now: dt.datetime) -> None:
    if not (data.get("content") or "").strip():
        raise DomainError("followup_content_required", _("请填写跟进内容。"), field="content")
    if len(data["content"]) > CONTENT_MAX:
        raise DomainError("followup_content_too_long", _("跟进内容不超过 %(n)d 个字。") % {"n": CONTENT_MAX},
                          field="content")
    happened_at = data.get("happened_at") or now
    if happened_at > now + FUTURE_SLACK:
        raise DomainError("followup_in_future", _("跟进时间不能晚于现在。"), field="happened_at")
    contact = data.get("contact")
    if contact is not None and contact.customer_id != customer.pk:
        raise DomainError("followup_contact_mismatch", _("联系人不属于该客户。"), field="contact")
    next_date = data.get("next_date")
    if next_date is not None and next_date < timezone.localtime(happened_at).date():
        raise DomainError("followup_next_date_past", _("下次跟进日期不能早于本次跟进。"), field="next_date")


@transaction.atomic
def followup_record(*, actor, customer: Customer, data: dict, entry_point: str = "web") -> FollowUp:
    """Record a follow-up of ``customer`` (loaded through a selector: in the actor's scope) (REL-1).

    ``data``: kind, content, and optionally contact, happened_at (default now), outcome, next_step,
    next_date. The customer's last contact moves forward to it (the pool rules' clock, OWN-3), the
    open reminders a follow-up answers close (REL-4), and a next date becomes the actor's task."""
    require_permission(actor, perms.FOLLOWUP_RECORD)
    now = clock.now()
    customer = Customer._base_manager.select_for_update().filter(pk=customer.pk, deleted_at=None).first()
    if customer is None:
        raise NotFound("customer_not_found", _("客户不存在，或您无权查看。"))
    _check_followup(customer, data, now)
    followup = FollowUp.objects.create(
        customer=customer, contact=data.get("contact"), kind=data["kind"], happened_at=data.get("happened_at") or now,
        by=actor, content=data["content"].strip(), outcome=(data.get("outcome") or "").strip(),
        next_step=(data.get("next_step") or "").strip(), next_date=data.get("next_date"), created_at=now)
    if customer.last_contact_at is None or followup.happened_at > customer.last_contact_at:
        Customer._base_manager.filter(pk=customer.pk).update(last_contact_at=followup.happened_at, updated_at=now)
    closed = (Task.objects.filter(customer=customer, status=TaskStatus.OPEN, kind__in=sorted(CLOSED_BY_FOLLOWUP))
              .update(status=TaskStatus.DONE, done_at=now, done_by=actor))
    task = None
    if followup.next_date:
        task = Task.objects.create(
            assignee=actor, customer=customer, kind=FOLLOW_UP, due_date=followup.next_date, created_at=now,
            title=followup.next_step or _("跟进 %(name)s") % {"name": customer.name},
            source_key=f"{FOLLOW_UP}:{followup.pk}")
    audit.record(actor, actions.FOLLOWUP_RECORD, customer, {
        "followup": followup.pk, "kind": followup.kind, "happened_at": followup.happened_at.isoformat(),
        "contact": followup.contact_id, "next_date": followup.next_date.isoformat() if followup.next_date else None,
        "task": task.pk if task else None, "tasks_closed": closed, "entry_point": entry_point,
    })
    return followup


@transaction.atomic
def task_complete(*, actor, task: Task) -> Task:
    """Mark one of the actor's own open tasks done (loaded through a selector: theirs)."""
    require_permission(actor, perms.MY_DAY)
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.assignee_id != actor.pk:
        raise NotFound("task_not_found", _("待办不存在，或不是您的。"))
    if task.status != TaskStatus.OPEN:
        raise Conflict("task_not_open", _("该待办已完成或已取消。"))
    if task.kind in TASK_URLS:  # e.g. a callback is done when its rating is recorded (FB-2), not by a click
        raise Conflict("task_done_on_its_page", _("该待办须在其页面上办理完成（%(kind)s）。") % {"kind": task.kind_label})
    task.status, task.done_at, task.done_by = TaskStatus.DONE, clock.now(), actor
    task.save(update_fields=["status", "done_at", "done_by"])
    audit.record(actor, actions.TASK_COMPLETE, task, {"kind": task.kind, "customer": task.customer_id})
    return task


def contact_of(customer: Customer, pk) -> Contact | None:
    """The customer's contact ``pk`` (an API's contact_id), or None for none given."""
    if pk is None:
        return None
    contact = Contact.objects.filter(customer=customer, pk=pk).first()
    if contact is None:
        raise DomainError("followup_contact_mismatch", _("联系人不属于该客户。"), field="contact_id", status=422)
    return contact
