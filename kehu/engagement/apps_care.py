"""What care, events and notifications add when the engagement app is ready: navigation, the periodic
jobs, the customer-timeline source, the movers of a customer merge and the "my day" section."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _


def ready() -> None:
    from kehu.core import schedule
    from kehu.customers import merging
    from kehu.customers.views import register_tab
    from kehu.engagement import events, notices, permissions_care, sections_care, tasks_care, views_care
    from kehu.engagement.models import CareItem, Invitation
    from kehu.org import permissions as org_perms
    from kehu.web import navigation
    from kehu.web.navigation import NavItem

    section = _("跟进与拜访")
    navigation.add(NavItem(section, _("客户关怀"), "engagement:care_list", permissions_care.CARE_SEND))
    navigation.add(NavItem(section, _("关怀模板"), "engagement:care_templates", permissions_care.CARE_TEMPLATES))
    navigation.add(NavItem(section, _("客户活动"), "engagement:event_list", permissions_care.EVENTS_VIEW))
    navigation.add(NavItem(navigation.SECTION_SYSTEM, _("通知机器人"), "engagement:webhooks",
                           org_perms.SYSTEM_CONFIGURE))
    schedule.periodic(tasks_care.sweep_care, daily_at=dt.time(6, 0))
    schedule.periodic(tasks_care.retry_deliveries, every=dt.timedelta(minutes=1))
    # The warnings the rules promise (OWN-3, OWN-6, REL-2): digests after the night's return and planning.
    notices.register()
    schedule.periodic(tasks_care.digest_returning_customers, daily_at=dt.time(7, 0))
    schedule.periodic(tasks_care.digest_overdue_visits, daily_at=dt.time(7, 0))
    events.register_timeline()
    register_tab("events", _("活动"), views_care.events_tab, "engagement/_events_tab.html")
    merging.register("engagement.care_items", merging.foreign_key_mover(CareItem, "customer"),
                     covers=[(CareItem, "customer")])
    merging.register("engagement.invitations", events.move_invitations, covers=[(Invitation, "customer")])
    sections_care.register()
