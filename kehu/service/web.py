"""The service pages' place in the rest of the web app: the navigation section and the customer page's
服务工单 tab. Called once from ServiceConfig.ready()."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def ready() -> None:
    from kehu.customers.views import register_tab
    from kehu.service import permissions as perms
    from kehu.service.views_queue import tickets_tab
    from kehu.web import navigation
    from kehu.web.navigation import NavItem

    section = _("服务与投诉")
    navigation.add(NavItem(section, _("工单队列"), "service:queue", perms.TICKET_VIEW))
    navigation.add(NavItem(section, _("登记工单"), "service:ticket_new", perms.TICKET_HANDLE))
    navigation.add(NavItem(section, _("工单分类"), "service:categories", perms.CATEGORY_MANAGE))
    register_tab("tickets", _("服务工单"), tickets_tab, "service/_tickets_tab.html")
