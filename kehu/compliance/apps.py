from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    name = "kehu.compliance"
    label = "compliance"
    verbose_name = _("合规与审计")

    def ready(self):
        from kehu.compliance import actions  # noqa: F401  (fills the action registry)
