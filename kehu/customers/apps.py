from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "kehu.customers"
    label = "customers"
    verbose_name = _("客户档案")

    def ready(self):
        from kehu.customers import permissions  # noqa: F401  (registers the permission codes)
        from kehu.customers import permissions as perms
        from kehu.web import navigation
        from kehu.web.navigation import NavItem

        navigation.add(NavItem(_("客户"), _("导入客户"), "customer_io:import_upload", perms.IMPORT))
        navigation.add(NavItem(_("客户"), _("导出申请"), "customer_io:export_requests", perms.EXPORT))
