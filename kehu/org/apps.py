from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "kehu.org"
    label = "org"
    verbose_name = _("组织与人员")

    def ready(self):
        import datetime as dt

        from django.contrib.auth import signals
        from django.contrib.auth.models import update_last_login

        from kehu.core import schedule
        from kehu.org import handover, permissions, sessions, tasks
        from kehu.web import navigation
        from kehu.web.navigation import SECTION_SYSTEM, NavItem

        handover.register_org_handovers()
        navigation.add(NavItem(SECTION_SYSTEM, _("组织架构"), "org:structure", permissions.STRUCTURE_MANAGE))
        # The user list serves two duties: the system administrator manages accounts, the security
        # administrator picks whom to grant roles. Nobody holds both, so the entry shows once.
        navigation.add(NavItem(SECTION_SYSTEM, _("用户"), "org:users", permissions.USERS_MANAGE))
        navigation.add(NavItem(SECTION_SYSTEM, _("用户"), "org:users", permissions.ROLES_ASSIGN))
        navigation.add(NavItem(SECTION_SYSTEM, _("角色"), "org:roles", permissions.ROLES_MANAGE))
        navigation.add(NavItem(_("组织"), _("通讯录"), "org:directory", permissions.DIRECTORY_VIEW))
        # Departure handover (OWN-5): the system administrator, and managers within their scope.
        navigation.add(NavItem(SECTION_SYSTEM, _("离职交接"), "org:handovers", permissions.USERS_MANAGE))
        navigation.add(NavItem(_("组织"), _("离职交接"), "org:handovers", permissions.HANDOVER))

        # last_login is stamped by our receiver on Kehu's clock (AC-7 counts from it), not by Django's.
        signals.user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
        signals.user_logged_in.connect(sessions.on_login, dispatch_uid="kehu_track_session")
        navigation.add(NavItem(SECTION_SYSTEM, _("锁定的账号"), "org:locked_accounts", permissions.ACCOUNTS_UNLOCK))

        # CRY-5: the TOTP secret is encrypted outside ProtectedField (bound to its user); rotate it too.
        from kehu.core import rotation
        from kehu.org.mfa import associated_data

        rotation.register_column("org.TOTPDevice", "secret_encrypted", needs=("user_id",),
                                 associated=lambda device: associated_data(device.user_id))

        # AC-7: accounts unused for 90 days are disabled every night.
        schedule.periodic(tasks.disable_inactive_users, daily_at=dt.time(2, 0))
