"""``kehu customers transfer --from USER --to USER --as USER --reason TEXT [--keep-as-team-member]``
(OWN-4): move every live customer of one user (or only ``--ids``) to another in one transaction,
set-based, with one history row and audit entry per customer. ``--as`` must hold customer.transfer."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from kehu.core import context
from kehu.core.errors import DomainError
from kehu.customers import ownership
from kehu.customers.models import Customer
from kehu.org.models import User


def _user(username: str, *, active: bool = True) -> User:
    found = User.objects.filter(username=username, **({"is_active": True} if active else {})).first()
    if found is None:
        raise CommandError(f"no {'active ' if active else ''}user {username!r}")
    return found


class Command(BaseCommand):
    help = "把一位用户的客户（或指定客户）转移给另一位用户"

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="source", required=True, help="原负责人用户名")
        parser.add_argument("--to", dest="target", required=True, help="新负责人用户名")
        parser.add_argument("--as", dest="username", required=True, help="执行转移的用户（须有“分配和转移客户”权限）")
        parser.add_argument("--reason", required=True, help="原因")
        parser.add_argument("--ids", default="", help="只转移这些客户（逗号分隔的编号）")
        parser.add_argument("--keep-as-team-member", action="store_true", help="原负责人留作协作人（读写）")

    def handle(self, *args, source, target, username, reason, ids, keep_as_team_member, **options):
        source_user, actor, to_owner = _user(source, active=False), _user(username), _user(target)
        customers = Customer._base_manager.filter(owner=source_user, deleted_at=None)
        if ids:
            try:
                customers = customers.filter(pk__in=[int(pk) for pk in ids.split(",") if pk.strip()])
            except ValueError as exc:
                raise CommandError("--ids: 客户编号须为整数，用逗号分隔") from exc
        with context.bound(context.RequestContext(channel="cli")):
            try:
                result = ownership.customer_transfer(actor=actor, customers=customers, to_owner=to_owner,
                                                     reason=reason, keep_as_team_member=keep_as_team_member)
            except DomainError as exc:
                raise CommandError(str(exc.message)) from exc
        carried = "，".join(f"{name} {count}" for name, count in sorted(result.carried.items()))
        self.stdout.write(f"已把 {result.count} 个客户从 {source} 转移给 {target}（批次 {result.batch}；{carried}）。")
