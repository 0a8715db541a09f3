"""Permissions of service and complaints (SVC-1..9, POL-4), and which default roles hold them (migration 0001).

Seeing a ticket is scoped like everything else (the responsible person, the ticket's department, the
customer's owner); these codes say what a role may do with the tickets it sees.
"""

from django.utils.translation import gettext_lazy as _

from kehu.org import roles
from kehu.org.permissions import BUSINESS, register

TICKET_VIEW = register("service.ticket.view", _("查看服务工单"), BUSINESS)
TICKET_HANDLE = register("service.ticket.handle", _("登记与处理服务工单"), BUSINESS)
TICKET_ASSIGN = register("service.ticket.assign", _("分派与改派服务工单"), BUSINESS)
CATEGORY_MANAGE = register("service.category.manage", _("管理工单分类"), BUSINESS)
COMMITMENT_MANAGE = register("service.commitment.manage", _("管理服务承诺书"), BUSINESS)
HANDBOOK_EDIT = register("service.handbook.edit", _("编辑问题解决手册"), BUSINESS)
PROBLEM_REPORT = register("service.problem.report", _("报告制度执行中遇到的问题"), BUSINESS)
ANALYSIS_VIEW = register("service.analysis.view", _("查看投诉分析与服务时限达成率"), BUSINESS)

_HANDLER = [TICKET_VIEW, TICKET_HANDLE, PROBLEM_REPORT]
_DISPATCHER = [*_HANDLER, TICKET_ASSIGN, COMMITMENT_MANAGE, HANDBOOK_EDIT]
_MANAGER = [*_DISPATCHER, ANALYSIS_VIEW]
DEFAULT_GRANTS = {
    roles.GENERAL_MANAGER: [TICKET_VIEW, ANALYSIS_VIEW, PROBLEM_REPORT, HANDBOOK_EDIT],
    roles.MARKETING_VP: [*_MANAGER, CATEGORY_MANAGE],
    roles.SALES_MANAGER: _MANAGER,
    roles.CUSTOMER_SERVICE: [*_MANAGER, CATEGORY_MANAGE],
    roles.KEY_ACCOUNT_MANAGER: [*_HANDLER, COMMITMENT_MANAGE],
    roles.SALESPERSON: _HANDLER,
    roles.TECHNICAL_ENGINEER: [*_HANDLER, HANDBOOK_EDIT],
    roles.QUALITY_ENGINEER: [*_HANDLER, HANDBOOK_EDIT],
    roles.AFTER_SALES_ENGINEER: [*_HANDLER, HANDBOOK_EDIT],
}
