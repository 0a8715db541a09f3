from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngagementConfig(AppConfig):
    name = "kehu.engagement"
    label = "engagement"
    verbose_name = _("跟进与拜访")

    def ready(self):
        from kehu.customers.views import register_tab
        from kehu.engagement import actions, permissions, sections, timeline, views  # noqa: F401 (actions: audit codes)
        from kehu.web import navigation
        from kehu.web.navigation import NavItem

        section = _("跟进与拜访")
        navigation.add(NavItem(section, _("我的一天"), "engagement:my_day", permissions.MY_DAY))
        navigation.add(NavItem(section, _("我的跟进"), "engagement:followups", permissions.FOLLOWUP_RECORD))
        sections.register()
        timeline.register()
        register_tab("followups", _("跟进记录"), views.followups_tab, "engagement/_followups.html")
