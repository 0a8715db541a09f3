"""What commitments, the handbook and the policy problem log add when the service app is ready: their
navigation entries, the customer page's 服务承诺 tab, the mover of a customer merge and the demo data."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

SECTION = _("服务与投诉")


def ready() -> None:
    from kehu.core import demo
    from kehu.customers import merging
    from kehu.customers.views import register_tab
    from kehu.service import demo_kb, handbook, views_kb
    from kehu.service import permissions as perms
    from kehu.service.models import ServiceCommitment
    from kehu.web import navigation
    from kehu.web.navigation import NavItem

    navigation.add(NavItem(SECTION, _("问题解决手册"), "service_kb:article_list", handbook.READERS[0]))
    navigation.add(NavItem(SECTION, _("制度执行问题"), "service_kb:problem_list", perms.PROBLEM_REPORT))
    register_tab("commitments", _("服务承诺"), views_kb.commitments_tab, "service/_kb_commitments_tab.html")
    # A merged duplicate's commitments were promised to the same customer: the survivor keeps them all.
    merging.register("service.commitments", merging.foreign_key_mover(ServiceCommitment, "customer"),
                     covers=[(ServiceCommitment, "customer")])
    demo.register(demo_kb.build_knowledge)
