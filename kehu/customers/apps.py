from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "kehu.customers"
    label = "customers"
    verbose_name = _("客户档案")

    def ready(self):
        from kehu.core import demo
        from kehu.customers import permissions
        from kehu.customers.demo import build_customers
        from kehu.web import navigation
        from kehu.web.navigation import NavItem

        demo.register(build_customers)
        section = _("客户")
        navigation.add(NavItem(section, _("客户"), "customers:list", permissions.VIEW))
        navigation.add(NavItem(section, _("导入客户"), "customer_io:import_upload", permissions.IMPORT))
        navigation.add(NavItem(section, _("导出申请"), "customer_io:export_requests", permissions.EXPORT))
        navigation.add(NavItem(navigation.SECTION_SYSTEM, _("客户自定义字段"), "customers:field_list",
                               permissions.CUSTOM_FIELDS))
