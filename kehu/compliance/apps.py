from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    name = "kehu.compliance"
    label = "compliance"
    verbose_name = _("合规与审计")

    def ready(self):
        from kehu.compliance import actions  # noqa: F401  (fills the action registry)
        from kehu.org import permissions
        from kehu.web import navigation

        navigation.add(navigation.NavItem(navigation.SECTION_SYSTEM, _("审计日志"), "compliance:audit_list",
                                          permissions.AUDIT_VIEW))
