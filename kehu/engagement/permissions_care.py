"""Permissions of care (REL-3) and customer events (REL-5), and which default roles hold them (migration 0003).

Notifications need none: everyone reads their own inbox and sets their own channels; the webhooks are
system configuration (``system.configure``, the system admin's)."""

from django.utils.translation import gettext_lazy as _

from kehu.org import roles
from kehu.org.permissions import BUSINESS, register

CARE_SEND = register("engagement.care.send", _("处理客户关怀（记录或发送关怀消息）"), BUSINESS)
CARE_TEMPLATES = register("engagement.care.templates", _("管理关怀消息模板"), BUSINESS)
EVENTS_VIEW = register("engagement.events.view", _("查看客户活动、邀请客户并登记出席"), BUSINESS)
EVENTS_MANAGE = register("engagement.events.manage", _("创建和修改客户活动"), BUSINESS)

_FIELD = [CARE_SEND, EVENTS_VIEW]
_MANAGER = [*_FIELD, CARE_TEMPLATES, EVENTS_MANAGE]
DEFAULT_GRANTS = {
    roles.GENERAL_MANAGER: [EVENTS_VIEW],
    roles.MARKETING_VP: _MANAGER,
    roles.SALES_MANAGER: _MANAGER,
    roles.KEY_ACCOUNT_MANAGER: _FIELD,
    roles.SALESPERSON: _FIELD,
    roles.CUSTOMER_SERVICE: _FIELD,
}
