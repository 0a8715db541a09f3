"""Care (REL-3): the daily sweep that turns the care rules into ``care`` tasks for each customer's owner,
message templates, and sending a care message from its task.

The sweep asks the evaluator (kehu.policy.evaluators.care) for the occasions between today and today +
``lead_days``: festivals and statutory holidays for every covered customer, birthdays of their contacts,
and cooperation anniversaries of customers that have become customers (stage 成交; counted from the day
the customer was recorded, until the sales app records a first deal). Each occasion is one Task whose
``source_key`` ("care:<occasion>:<customer>[:<contact>]:<date>") is unique: a second run creates nothing.

Sending is marketing to a person (PRIV-1): by e-mail only when ``marketing_allowed(contact, "email")``;
otherwise the service refuses with the consent's reason. "Record" notes a care given by other means
(a call, a gift) and needs no consent check, it sends nothing.
"""

from __future__ import annotations

import datetime as dt
import string
from collections import defaultdict
from dataclasses import dataclass

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.compliance import audit
from kehu.compliance.audit import register_action
from kehu.core import clock
from kehu.core.errors import DomainError
from kehu.customers import consent
from kehu.customers.field_access import CONTACT
from kehu.customers.field_access import for_user as field_access_for
from kehu.customers.models import Contact, Customer, Stage
from kehu.engagement import notify
from kehu.engagement import permissions_care as perms
from kehu.engagement.models import CareItem, CareTemplate, Task, TaskStatus, register_task_kind
from kehu.org.access import require_permission
from kehu.policy.evaluators import care as rules_care
from kehu.policy.evaluators.base import SHANGHAI
from kehu.policy.selectors import version_in_force

CARE = register_task_kind("care", gettext_lazy("客户关怀"))
CARE_SEND = register_action("care.send", gettext_lazy("发送客户关怀"))
CARE_TEMPLATE_SAVE = register_action("care.template_save", gettext_lazy("修改关怀模板"))
PLACEHOLDERS = ("name", "company", "occasion", "date", "sender")
SEND_CHANNELS = ("record", "email")
CHUNK = 500  # source keys checked per query


# --- the sweep ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Due:
    customer: Customer
    contact: Contact | None
    occasion: rules_care.Occasion

    @property
    def key(self) -> str:
        who = f"{self.customer.pk}:{self.contact.pk}" if self.contact else str(self.customer.pk)
        return f"care:{self.occasion.kind}{self.occasion.code and '.' + self.occasion.code}:{who}:{self.occasion.on}"

    @property
    def title(self) -> str:
        person = self.contact.name if self.contact else self.customer.name
        return _("%(occasion)s关怀：%(person)s") % {"occasion": self.occasion.label, "person": person}


def due_on(today: dt.date) -> tuple[int, list[Due]]:
    """(policy version, the care occasions due today) for every covered customer that has an active owner."""
    version = version_in_force(clock.now())
    rules = version.section("care")
    start, end = rules_care.window(rules, today)
    covered = Customer.objects.filter(owner__isnull=False, owner__is_active=True, deleted_at=None, merged_into=None)
    if rules.tiers:
        covered = covered.filter(tier__in=rules.tiers)
    customers = {c.pk: c for c in covered.select_related("owner")}
    found: list[Due] = []
    festivals = rules_care.festivals_between(rules, start, end)
    for customer in customers.values():
        found += [Due(customer, None, occasion) for occasion in festivals]
        if rules.anniversaries and customer.stage == Stage.CUSTOMER:
            since = customer.created_at.astimezone(SHANGHAI).date()
            found += [Due(customer, None, o) for o in rules_care.anniversaries_between(since, start, end)]
    if rules.birthdays:
        for contact in Contact.objects.filter(customer__in=covered, birthday__isnull=False).only(
                "pk", "name", "customer_id", "birthday", "birthday_is_lunar"):
            found += [Due(customers[contact.customer_id], contact, rules_care.Occasion("birthday", day))
                      for day in rules_care.birthdays_between(contact.birthday, contact.birthday_is_lunar, start, end)]
    return version.number, found


def _existing_keys(keys: list[str]) -> set[str]:
    found: set[str] = set()
    for at in range(0, len(keys), CHUNK):
        found.update(Task.objects.filter(source_key__in=keys[at:at + CHUNK]).values_list("source_key", flat=True))
    return found


def sweep(today: dt.date | None = None) -> int:
    """Create the care tasks due today that do not exist yet; notify each owner once. Idempotent."""
    today = today or clock.today()
    _version, due = due_on(today)
    existing = _existing_keys([d.key for d in due])
    created: dict = defaultdict(int)
    for item in due:
        if item.key in existing:
            continue
        try:
            with transaction.atomic():
                task = Task.objects.create(assignee=item.customer.owner, customer=item.customer, kind=CARE,
                                           title=item.title[:200], due_date=item.occasion.on, source_key=item.key)
                CareItem.objects.create(task=task, customer=item.customer, contact=item.contact,
                                        occasion=item.occasion.kind, occasion_label=item.occasion.label,
                                        on=item.occasion.on)
        except IntegrityError:  # another sweep created it a moment ago
            continue
        created[item.customer.owner] += 1
    with transaction.atomic():  # notify enqueues delivery on commit
        for owner, count in created.items():
            notify.notify([owner], "care", _("新的客户关怀任务"),
                          _("%(count)s 项客户关怀待办已生成。") % {"count": count}, url=reverse("engagement:care_list"))
    return sum(created.values())


# --- reads ----------------------------------------------------------------------------------------
def care_items(user, *, open_only: bool = True) -> QuerySet:
    """The user's own care tasks, soonest first."""
    require_permission(user, perms.CARE_SEND)
    rows = CareItem.objects.filter(task__assignee=user).select_related("task", "customer", "contact")
    if open_only:
        rows = rows.filter(task__status=TaskStatus.OPEN)
    return rows.order_by("on", "id")


def care_item_for(user, pk: int) -> CareItem:
    item = care_items(user, open_only=False).filter(pk=pk).first()
    if item is None:
        raise Http404(_("关怀任务不存在，或不是您的任务。"))
    return item


def shown_date(user, item: CareItem) -> dt.date | None:
    """A contact's birthday is personal data: hidden from a reader whose field access hides it."""
    if item.occasion == "birthday" and not field_access_for(user).visible(CONTACT, "birthday"):
        return None
    return item.on


def templates_for(occasion: str) -> QuerySet:
    return CareTemplate.objects.filter(active=True, occasion=occasion)


# --- templates ------------------------------------------------------------------------------------
class _Blank(dict):
    def __missing__(self, key):  # an unknown placeholder stays as written
        return "{" + key + "}"


def _fill(text: str, *, name: str, company: str, occasion: str, on: dt.date, sender) -> str:
    values = _Blank(name=name, company=company, occasion=occasion, date=f"{on:%Y-%m-%d}",
                    sender=sender.full_name or sender.username)
    return string.Formatter().vformat(text, (), values)


def render(text: str, item: CareItem, sender) -> str:
    return _fill(text, name=item.contact.name if item.contact else item.customer.name, company=item.customer.name,
                 occasion=item.occasion_label, on=item.on, sender=sender)


def preview(subject: str, body: str, sender) -> tuple[str, str]:
    """A template filled with sample values, for the template page."""
    sample = {"name": _("张三"), "company": _("示例科技有限公司"), "occasion": _("春节"), "on": clock.today(),
              "sender": sender}
    return _fill(subject, **sample), _fill(body, **sample)


def check_template(text: str) -> None:
    try:
        names = {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}
    except ValueError:
        raise DomainError("invalid_template", _("模板中的花括号不成对。"), field="body") from None
    unknown = sorted(names - set(PLACEHOLDERS))
    if unknown:
        raise DomainError("invalid_template", _("未知的占位符：%(names)s（可用：%(known)s）") % {
            "names": ", ".join(unknown), "known": ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)}, field="body")


@transaction.atomic
def template_save(*, actor, template: CareTemplate | None = None, occasion: str, name: str, subject: str,
                  body: str, active: bool = True) -> CareTemplate:
    require_permission(actor, perms.CARE_TEMPLATES)
    check_template(subject)
    check_template(body)
    template = template or CareTemplate()
    template.occasion, template.name, template.subject, template.body, template.active = (
        occasion, name, subject, body, active)
    template.updated_at = clock.now()
    template.full_clean()
    template.save()
    audit.record(actor, CARE_TEMPLATE_SAVE, template, {"occasion": occasion, "name": name, "active": active})
    return template


# --- sending --------------------------------------------------------------------------------------
@transaction.atomic
def care_send(*, actor, item: CareItem, channel: str, message: str, subject: str = "") -> CareItem:
    """Send (e-mail) or record a care message and close the task. E-mail needs the contact's consent."""
    require_permission(actor, perms.CARE_SEND)
    item = CareItem.objects.select_for_update(of=("self",)).select_related("task", "customer", "contact").get(pk=item.pk)
    if item.task.assignee_id != actor.pk:
        raise Http404(_("关怀任务不存在，或不是您的任务。"))
    if item.sent_at is not None:
        raise DomainError("already_sent", _("这项关怀已于 %(at)s 处理。") % {"at": f"{item.sent_at:%Y-%m-%d %H:%M}"})
    if channel not in SEND_CHANNELS:
        raise DomainError("invalid_channel", _("未知的发送方式。"), field="channel")
    if not message.strip():
        raise DomainError("message_required", _("请填写关怀内容。"), field="message")
    data = {"channel": channel, "occasion": item.occasion, "contact": item.contact_id}
    if channel == "email":
        person = item.contact or item.customer
        decision = consent.marketing_allowed(person, "email")
        if not decision:
            raise DomainError(f"consent_{decision.reason}", decision.message, field="channel", status=409)
        address = person.email.reveal()
        if not address:
            raise DomainError("no_email", _("此联系人没有电子邮箱。"), field="channel")
        try:
            send_mail(subject or item.occasion_label, message, None, [address])
        except Exception as exc:  # noqa: BLE001 (the mail server's refusal, shown to the sender; nothing saved)
            raise DomainError("mail_failed", _("邮件发送失败：%(error)s") % {"error": exc}, status=502) from exc
        data["consent_record"] = decision.record_id
    now = clock.now()
    item.sent_at, item.sent_by, item.sent_channel, item.message = now, actor, channel, message
    item.save(update_fields=["sent_at", "sent_by", "sent_channel", "message"])
    Task.objects.filter(pk=item.task_id).update(status=TaskStatus.DONE, done_at=now, done_by=actor)
    audit.record(actor, CARE_SEND, item.customer, data)
    return item
