"""Permissions of relationship maintenance (REL-1..6), and which default roles hold them (migration 0001)."""

from django.utils.translation import gettext_lazy as _

from kehu.org import roles
from kehu.org.permissions import BUSINESS, register

FOLLOWUP_RECORD = register("engagement.followup.record", _("记录客户跟进"), BUSINESS)
MY_DAY = register("engagement.myday", _("查看我的一天与待办"), BUSINESS)
TEAM_VIEW = register("engagement.team.view", _("查看团队成员的一天"), BUSINESS)

_FIELD = [FOLLOWUP_RECORD, MY_DAY]
_MANAGER = [*_FIELD, TEAM_VIEW]
DEFAULT_GRANTS = {
    roles.GENERAL_MANAGER: [MY_DAY, TEAM_VIEW],
    roles.MARKETING_VP: _MANAGER,
    roles.SALES_MANAGER: _MANAGER,
    roles.KEY_ACCOUNT_MANAGER: _FIELD,
    roles.SALESPERSON: _FIELD,
    roles.CUSTOMER_SERVICE: _FIELD,
    roles.TECHNICAL_ENGINEER: _FIELD,
    roles.QUALITY_ENGINEER: _FIELD,
    roles.AFTER_SALES_ENGINEER: _FIELD,
}
