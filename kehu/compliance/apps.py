from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    name = "kehu.compliance"
    label = "compliance"
    verbose_name = _("合规与审计")

    def ready(self):
        import datetime as dt

        from kehu.compliance import actions, tasks  # noqa: F401  (actions fills the action registry)
        from kehu.core import schedule
        from kehu.org import permissions
        from kehu.web import navigation

        schedule.periodic(tasks.purge_audit_log, daily_at=dt.time(3, 0))

        navigation.add(navigation.NavItem(navigation.SECTION_SYSTEM, _("审计日志"), "compliance:audit_list",
                                          permissions.AUDIT_VIEW))
