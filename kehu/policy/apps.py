from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PolicyConfig(AppConfig):
    name = "kehu.policy"
    label = "policy"
    verbose_name = _("客户管理制度")
