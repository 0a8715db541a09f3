"""The demo company's handbook, service commitments and policy problems (SVC-6, SVC-7, POL-4), made through
the same services as the pages. The ticket categories come from another part of the service app: an
article is linked to those of its category codes that exist, and stands without a category otherwise."""

from __future__ import annotations

import datetime as dt

from kehu.core import clock
from kehu.customers.models import Customer
from kehu.org import roles
from kehu.service import commitments, handbook, problems
from kehu.service import permissions as perms
from kehu.service.models import TicketCategory

# (category codes, title, problem, solution, keywords)
ARTICLES = [
    (("quality", "product_quality"), "产品外观划伤的处理", "客户反映到货产品外观有划伤、磕碰。",
     "请客户拍照留存并提供批次号；非重大质量问题对战略客户先换货后分清责任；质量工程师 2 个工作日内出具分析。",
     "划伤 磕碰 外观 换货"),
    (("quality", "product_quality"), "批量性能不达标", "同一批次多台设备性能低于规格书要求。",
     "立即冻结该批次库存，质量工程师到现场抽检，按重大质量问题上报营销副总。", "批次 性能 不达标 抽检"),
    (("delivery", "logistics"), "到货延迟的安抚与补偿", "客户投诉货物未按合同约定日期送达。",
     "先向客户说明原因与新的到货时间；延迟超过 3 天的按合同条款给予补偿，并记录到客户承诺达成情况。",
     "延迟 到货 物流 补偿"),
    (("delivery", "logistics"), "货物少发、错发", "到货数量与发货单不符，或型号发错。",
     "核对出库单与签收单，24 小时内补发或调换，运费由我方承担。", "少发 错发 发货单 补发"),
    (("installation", "after_sales"), "设备安装后无法开机", "安装完成后设备无法启动，指示灯不亮。",
     "先远程指导检查电源与接线；仍不能开机的，售后工程师 48 小时内上门。", "安装 开机 电源 上门"),
    (("installation", "after_sales"), "保修期内维修流程", "客户询问保修期内如何报修。",
     "登记工单并核对购买日期；保修期内免费维修，更换的部件由售后工程师带回做失效分析。", "保修 维修 报修 XR200"),
    (("billing", "invoice"), "发票开具错误", "客户收到的增值税发票抬头或税号有误。",
     "收回原发票作废或红冲后重开，5 个工作日内寄出。", "发票 抬头 税号 红冲"),
    (("billing", "invoice"), "对账金额不一致", "客户对账单与我方应收金额不一致。",
     "财务与销售共同核对合同、发货与回款记录，3 个工作日内给出差异说明。", "对账 金额 应收 差异"),
    (("inquiry", "product_inquiry"), "产品选型咨询", "客户咨询适合其产线的型号。",
     "转技术工程师，了解产能、工况与预算后 2 个工作日内给出选型建议书。", "选型 型号 咨询 产线"),
    (("inquiry", "product_inquiry"), "备件价格与供货周期", "客户询问常用备件的价格和到货时间。",
     "按当期价格表报价；常用备件 3 天到货，非常用备件以采购回复为准。", "备件 价格 供货 周期"),
    (("service", "service_attitude"), "服务人员态度投诉", "客户投诉上门人员态度生硬、未按约定时间到达。",
     "当天致电客户致歉，了解经过；核实后对责任人进行辅导，并安排回访。", "态度 投诉 迟到 致歉"),
    (("suggestion",), "客户对产品的改进建议", "客户提出产品功能或包装的改进建议。",
     "感谢客户并登记建议；每月汇总提交产品部门评审，采纳的建议回复客户。", "建议 改进 包装 功能"),
]
COMMITMENT = ("7×24 小时服务热线；一般问题 4 小时内响应、48 小时内解决；重大问题 2 小时内到达现场方案。",
              "按《战略客户服务标准》执行，每季度出具服务报告。", 4, 48)
PROBLEMS = [  # (section, description, the solution and its article's title and keywords, or None: left open)
    ("pools", "客户在公海退回前一天刚签了意向书，系统仍按 30 天无跟进退回，制度没说签意向书算不算有效跟进。",
     ("签署意向书视同有效跟进：在客户页记一条“会议”跟进，公海倒计时即重新开始。", "签意向书算有效跟进",
      "公海 意向书 跟进")),
    ("sla", "客户在春节前一天晚上报修，按工作日历首次响应时限落在节后，客户不接受，不清楚能否例外。", None),
]


def _user(users: list, role: str, permission: str):
    return next((u for u in users if role in u.role_codes and u.has_permission(permission)), None)


def build_knowledge(users: list) -> None:
    editor = _user(users, roles.CUSTOMER_SERVICE, perms.HANDBOOK_EDIT)
    if editor is None:
        return
    for codes, title, problem, solution, keywords in ARTICLES:
        handbook.article_save(actor=editor, title=title, problem=problem, solution=solution, keywords=keywords,
                              categories=TicketCategory.objects.filter(code__in=codes), entry_point="demo")
    _commitments(editor)
    _problems(users, editor)


def _commitments(fallback) -> None:
    """One commitment for each strategic customer, signed by its owner when the owner may, else by customer
    service (who sees the whole company)."""
    start = clock.today().replace(month=1, day=1)
    content, standard, response, resolution = COMMITMENT
    for customer in Customer.objects.filter(tier="strategic", deleted_at=None).select_related("owner"):
        owner = customer.owner
        actor = owner if owner is not None and owner.has_permission(perms.COMMITMENT_MANAGE) else fallback
        commitments.commitment_save(actor=actor, customer=customer, content=content, standard=standard,
                                    response_hours=response, resolution_hours=resolution, valid_from=start,
                                    valid_until=start.replace(year=start.year + 1) - dt.timedelta(days=1),
                                    signed_by=customer.name[:10], entry_point="demo")


def _problems(users: list, editor) -> None:
    reporter = _user(users, roles.SALESPERSON, perms.PROBLEM_REPORT) or editor
    for section, description, solved in PROBLEMS:
        problem = problems.problem_report(actor=reporter, section=section, description=description,
                                          entry_point="demo")
        if solved:
            solution, title, keywords = solved
            problems.problem_solve(actor=editor, problem=problem, solution=solution, title=title, keywords=keywords,
                                   entry_point="demo")
