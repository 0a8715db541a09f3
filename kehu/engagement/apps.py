from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngagementConfig(AppConfig):
    name = "kehu.engagement"
    label = "engagement"
    verbose_name = _("跟进与拜访")

    def ready(self):
        import datetime as dt

        from kehu.core import demo, schedule
        from kehu.customers import merging
        from kehu.customers.views import register_tab
        from kehu.engagement import actions, apps_care, permissions, sections, tasks, timeline, views  # noqa: F401 (actions: audit codes)
        from kehu.engagement.demo import build_engagement, build_followups
        from kehu.engagement.models import FollowUp, Task
        from kehu.org import handover
        from kehu.web import navigation
        from kehu.web.navigation import NavItem

        demo.register(build_followups)
        demo.register(build_engagement)
        # INFO-5: a merged duplicate's follow-ups and tasks move to the survivor.
        for model in (FollowUp, Task):
            merging.register(f"engagement.{model.__name__.lower()}", merging.foreign_key_mover(model, "customer"),
                             covers=[(model, "customer")])
        section = _("跟进与拜访")
        navigation.add(NavItem(section, _("我的一天"), "engagement:my_day", permissions.MY_DAY))
        navigation.add(NavItem(section, _("我的跟进"), "engagement:followups", permissions.FOLLOWUP_RECORD))
        sections.register()
        timeline.register()
        register_tab("followups", _("跟进记录"), views.followups_tab, "engagement/_followups.html")
        # REL-4: reminders within the hour a customer is created or falls due; idempotent.
        schedule.periodic(tasks.sweep_contact_tasks, every=dt.timedelta(hours=1))
        # OWN-5: a leaver's open tasks go to the (first) receiver.
        handover.register(handover.Handover("engagement.task", _("待办"), open_tasks, "assignee"))
        self._visits()
        apps_care.ready()  # notifications, care and events (REL-3, REL-5, REL-6)

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


def open_tasks():
    from kehu.engagement.models import Task, TaskStatus

    return Task.objects.filter(status=TaskStatus.OPEN)
