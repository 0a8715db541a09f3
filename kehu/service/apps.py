from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "kehu.service"
    label = "service"
    verbose_name = _("服务与投诉")

    def ready(self):
        import kehu.service.timeline  # noqa: F401 (registers tickets on the customer timeline)

        # actions, permissions: the audit codes and permission codes register on import.
        from kehu.service import actions, integrations, permissions, views_analysis  # noqa: F401
        from kehu.service.apps_kb import ready as kb_ready
        from kehu.service.web import ready as web_ready

        integrations.ready()  # sweeps, callbacks, handover, carrier, my day, demo
        web_ready()  # the pages' navigation and the customer page's tab
        kb_ready()
        views_analysis.ready()  # the analysis pages in the navigation (SVC-9, SVC-3, FB-2)
