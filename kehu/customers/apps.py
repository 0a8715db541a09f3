from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "kehu.customers"
    label = "customers"
    verbose_name = _("客户档案")

    def ready(self):
        from kehu.customers import permissions  # noqa: F401  (registers the permission codes)
        from kehu.web import navigation

        navigation.add(navigation.NavItem(_("客户"), _("客户"), "customers:list", permissions.VIEW))
