from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngagementConfig(AppConfig):
    name = "kehu.engagement"
    label = "engagement"
    verbose_name = _("跟进与拜访")

    def ready(self):
        from kehu.engagement import permissions, sections
        from kehu.web import navigation
        from kehu.web.navigation import NavItem

        section = _("跟进与拜访")
        navigation.add(NavItem(section, _("我的一天"), "engagement:my_day", permissions.MY_DAY))
        sections.register()

        from kehu.engagement import apps_care

        apps_care.ready()
