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
        self._visits()

    def _visits(self):
        """Visit plans (REL-2) and their compliance (POL-3)."""
        import datetime as dt

        from kehu.core import schedule
        from kehu.engagement import permissions, tasks, visit_sections
        from kehu.web import navigation
        from kehu.web.navigation import NavItem

        section = _("跟进与拜访")
        navigation.add(NavItem(section, _("拜访计划"), "visits:plans", permissions.VISIT_RECORD))
        navigation.add(NavItem(section, _("拜访执行率"), "visits:compliance", permissions.COMPLIANCE_VIEW))
        visit_sections.register()
        # Before the working day, after the pools' return at 02:00 (a returned customer owes no visit).
        schedule.periodic(tasks.plan_visits, daily_at=dt.time(2, 30))
