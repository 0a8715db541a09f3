"""Audit actions of relationship maintenance (kehu.compliance.audit's registry)."""

from django.utils.translation import gettext_lazy as _

from kehu.compliance.audit import register_action as _r

FOLLOWUP_RECORD = _r("followup.record", _("记录客户跟进"))
TASK_COMPLETE = _r("task.complete", _("完成待办"))
TASK_SWEEP = _r("task.sweep", _("生成跟进提醒待办"))
