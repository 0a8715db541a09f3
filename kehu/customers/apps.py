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

        demo.register(build_customers)
        navigation.add(navigation.NavItem(_("客户"), _("客户"), "customers:list", permissions.VIEW))
