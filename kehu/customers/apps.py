from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "kehu.customers"
    label = "customers"
    verbose_name = _("客户档案")

    def ready(self):
        import datetime as dt

        from kehu.core import demo, schedule
        from kehu.customers import departure, merging, ownership, permissions, tasks, timeline
        from kehu.customers.demo import build_customers
        from kehu.customers.views_alerts import alerts_card
        from kehu.customers.views_pools import returning_card
        from kehu.customers.views_review import stale_card
        from kehu.org.permissions import SECURITY_ALERTS
        from kehu.web import home, navigation
        from kehu.web.navigation import SECTION_SYSTEM, NavItem

        demo.register(build_customers)
        merging.register_own()
        departure.register_handover()
        timeline.register("ownership", rows=ownership.history_rows, event=ownership.history_event)
        home.register(stale_card)
        home.register(returning_card)
        section = _("客户")
        navigation.add(NavItem(section, _("客户"), "customers:list", permissions.VIEW))
        navigation.add(NavItem(section, _("资料待核实"), "customers:stale", permissions.VIEW))
        navigation.add(NavItem(section, _("我的客户"), "customers:mine", permissions.VIEW))
        navigation.add(NavItem(section, _("导入客户"), "customer_io:import_upload", permissions.IMPORT))
        navigation.add(NavItem(section, _("导出申请"), "customer_io:export_requests", permissions.EXPORT))
        navigation.add(NavItem(_("公海"), _("公海客户"), "customers:pools", permissions.POOL_USE))
        navigation.add(NavItem(_("公海"), _("管理公海"), "customers:pool_manage", permissions.POOL_MANAGE))
        # Files of uploads whose transaction rolled back (INFO-10).
        schedule.periodic(tasks.remove_orphan_attachments, daily_at=dt.time(4, 0))
        # OWN-6: exfiltration alerts for the security administrator.
        schedule.periodic(tasks.sweep_access_alerts, every=dt.timedelta(minutes=10))
        home.register(alerts_card)
        navigation.add(NavItem(SECTION_SYSTEM, _("异常访问预警"), "customers:access_alerts", SECURITY_ALERTS))
        # Customers the pool rules return (OWN-3), before the working day.
        schedule.periodic(tasks.return_customers_to_pools, daily_at=dt.time(2, 0))
        schedule.periodic(tasks.end_expired_memberships, every=dt.timedelta(hours=1))
        navigation.add(NavItem(SECTION_SYSTEM, _("字段权限"), "customers:field_matrix", permissions.FIELD_POLICY))
        navigation.add(NavItem(navigation.SECTION_SYSTEM, _("客户自定义字段"), "customers:field_list",
                               permissions.CUSTOM_FIELDS))
