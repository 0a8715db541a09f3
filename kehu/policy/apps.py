from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PolicyConfig(AppConfig):
    name = "kehu.policy"
    label = "policy"
    verbose_name = _("客户管理制度")

    def ready(self):
        from kehu.org import permissions
        from kehu.web import navigation

        # Readers and drafters reach the same page; the system administrator (who drafts) holds no
        # business permission such as policy.view, so drafters get their own entry.
        navigation.add(navigation.NavItem(navigation.SECTION_POLICY, _("制度版本"), "policy:version_list",
                                          permissions.POLICY_VIEW))
        navigation.add(navigation.NavItem(navigation.SECTION_POLICY, _("起草制度版本"), "policy:version_list",
                                          permissions.POLICY_DRAFT))
