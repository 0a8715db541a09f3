"""Audit actions of service and complaints (kehu.compliance.audit's registry)."""

from django.utils.translation import gettext_lazy as _

from kehu.compliance.audit import register_action as _r

TICKET_OPEN = _r("ticket.open", _("登记服务工单"))
TICKET_UPDATE = _r("ticket.update", _("修改服务工单"))
TICKET_ASSIGN = _r("ticket.assign", _("分派服务工单"))
TICKET_TRANSITION = _r("ticket.transition", _("服务工单状态变更"))
TICKET_RESPOND = _r("ticket.respond", _("首次响应服务工单"))
TICKET_FEEDBACK = _r("ticket.feedback", _("记录处理结果反馈客户"))
TICKET_ESCALATE = _r("ticket.escalate", _("服务工单超时升级"))
TICKET_AUTO_CLOSE = _r("ticket.auto_close", _("服务工单超期自动关闭"))
TICKET_RATE = _r("ticket.rate", _("记录回访满意度"))
TICKET_SLA_SWEEP = _r("ticket.sla_sweep", _("服务时限巡检"))
PUBLIC_LOOKUP = _r("ticket.public_lookup", _("公开页面查询工单进度"))
CATEGORY_SAVE = _r("ticket_category.save", _("保存工单分类"))
COMMITMENT_SAVE = _r("commitment.save", _("保存服务承诺书"))
COMMITMENT_WITHDRAW = _r("commitment.withdraw", _("撤销服务承诺书"))
ARTICLE_SAVE = _r("handbook.save", _("保存问题解决手册条目"))
PROBLEM_REPORT = _r("policy_problem.report", _("报告制度执行问题"))
PROBLEM_SOLVE = _r("policy_problem.solve", _("解决制度执行问题"))
PROBLEM_DECLINE = _r("policy_problem.decline", _("不予处理制度执行问题"))
