from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "kehu.service"
    label = "service"
    verbose_name = _("服务与投诉")

    def ready(self):
        import kehu.service.timeline  # noqa: F401 (registers tickets on the customer timeline)
        from kehu.service import actions, permissions  # noqa: F401 (audit codes, permission codes)
        from kehu.service.apps_kb import ready as kb_ready
        from kehu.service.integrations import ready as integrations_ready
        from kehu.service.views_analysis import ready as analysis_ready
        from kehu.service.web import ready as web_ready

        integrations_ready()  # the SLA sweep, callbacks, handover, carrier, merge movers, my day, demo
        web_ready()  # the pages' navigation and the customer page's tab
        kb_ready()  # commitments, the handbook and the policy problem log
        analysis_ready()  # the analysis pages in the navigation (SVC-9, SVC-3, FB-2)
