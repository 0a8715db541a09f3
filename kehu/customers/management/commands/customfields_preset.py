"""``kehu customfields preset education|investment|delivery [--as USER]`` (INFO-8): install a shipped
preset's custom-field definitions as a system administrator (audited under that user; without
``--as``, the one active system administrator). Idempotent: a second run creates nothing."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from kehu.core import context
from kehu.core.errors import DomainError
from kehu.customers.presets import PRESETS
from kehu.customers.services import custom_fields_install_preset
from kehu.org import roles
from kehu.org.models import User


class Command(BaseCommand):
    help = "安装客户自定义字段预置方案（education、investment、delivery）"

    def add_arguments(self, parser):
        parser.add_argument("preset", choices=sorted(PRESETS))
        parser.add_argument("--as", dest="username", help="执行安装的系统管理员用户名（只有一位系统管理员时可省略）")

    def handle(self, *args, preset: str, username: str | None, **options):
        if username:
            actor = User.objects.filter(username=username, is_active=True).first()
            if actor is None:
                raise CommandError(f"no active user {username!r}")
        else:
            admins = list(User.objects.filter(is_active=True, roles__code=roles.SYSTEM_ADMIN).distinct()[:2])
            if len(admins) != 1:
                raise CommandError("请用 --as 指定执行安装的系统管理员。")
            actor = admins[0]
        with context.bound(context.RequestContext(channel="cli")):
            try:
                created = custom_fields_install_preset(actor=actor, preset=preset)
            except DomainError as exc:
                raise CommandError(str(exc.message)) from exc
        if created:
            self.stdout.write(f"已安装 {preset}：新建 {len(created)} 个字段（{'、'.join(f.key for f in created)}）。")
        else:
            self.stdout.write(f"{preset} 的字段都已存在，未作改动。")
