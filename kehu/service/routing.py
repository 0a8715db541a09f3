"""Where a new ticket goes (SVC-4): its responsible person (责任人, never empty) and its queue (the team).

The responsible person is the one given, else the category's default handler, else the customer's owner,
else the customer-service colleague with the fewest open tickets (those of the ticket's team first). The
queue is the category's team, else the customer's department, else the responsible person's department.
"""

from __future__ import annotations

from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.utils.translation import gettext as _

from kehu.core.errors import DomainError
from kehu.org import roles
from kehu.org.models import User
from kehu.service.models import OPEN_STATUSES


def _active(user):
    return user if user is not None and user.is_active else None


def least_busy_service_user(department=None):
    """The active customer-service user with the fewest open tickets; those in ``department`` first."""
    in_team = (Case(When(department=department, then=Value(0)), default=Value(1), output_field=IntegerField())
               if department is not None else Value(0))
    return (User.objects.filter(is_active=True, roles__code=roles.CUSTOMER_SERVICE)
            .annotate(team_order=in_team,
                      open_tickets=Count("service_tickets", filter=Q(service_tickets__status__in=OPEN_STATUSES)))
            .order_by("team_order", "open_tickets", "id").first())


def queue_for(*, category=None, customer=None, responsible=None):
    """The department whose queue the ticket lands in (None when nobody has one)."""
    if category is not None and category.team_id:
        return category.team
    if customer is not None and customer.department_id:
        return customer.department
    return responsible.department if responsible is not None and responsible.department_id else None


def responsible_for(*, given=None, category=None, customer=None):
    """The responsible person of a new ticket; DomainError when nobody can take it."""
    if given is not None:
        if not given.is_active:
            raise DomainError("ticket_responsible_inactive", _("责任人已停用，请另选责任人。"), field="responsible")
        return given
    person = (_active(category.default_handler if category is not None else None)
              or _active(customer.owner if customer is not None else None))
    if person is None:
        team = category.team if category is not None and category.team_id else (
            customer.department if customer is not None else None)
        person = least_busy_service_user(team)
    if person is None:
        raise DomainError("ticket_no_responsible",
                          _("没有可接手的责任人：请为工单分类设置默认处理人，或为客服专员角色分配人员。"),
                          field="responsible")
    return person
