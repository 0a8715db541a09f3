"""``kehu handover --from USER --to USER [--to USER ...] [--reason R] --as MANAGER`` (OWN-5, AC-8).

Like ``kehu import customers`` and ``kehu export customers`` it acts as a named user (``--as``): moving
customers needs ``customer.transfer`` and the leaver and receivers must be in that user's scope, and the
audit log names who did it."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from kehu.core import context
from kehu.core.errors import DomainError
from kehu.org import handover, services
from kehu.org.models import User


def _user(username: str) -> User:
    user = User.objects.filter(username__iexact=username).first()
    if user is None:
        raise CommandError(f"no user {username!r}")
    return user


class Command(BaseCommand):
    help = "离职交接：把离职人员负责的全部记录平均移交给一位或多位接收人，然后停用其账号"

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="leaver", required=True, help="离职人员的用户名")
        parser.add_argument("--to", dest="receivers", action="append", required=True, help="接收人的用户名（可重复）")
        parser.add_argument("--reason", default="离职", help="交接原因（默认：离职）")
        parser.add_argument("--as", dest="actor", required=True, help="办理人的用户名（须有离职交接和转移客户权限）")

    def handle(self, *args, leaver: str, receivers: list[str], reason: str, actor: str, **options):
        with context.bound(context.RequestContext(channel="cli")):
            try:
                record = services.user_handover(actor=_user(actor), leaver=_user(leaver),
                                                receivers=[_user(name) for name in receivers], reason=reason)
            except DomainError as exc:
                raise CommandError(str(exc.message)) from exc
        self.stdout.write(f"handover #{record.pk}: {record.leaver.username} disabled, {record.total} records moved")
        for receiver in record.receivers.order_by("employee_no"):
            shares = record.per_receiver.get(str(receiver.pk), {})
            self.stdout.write(f"  {receiver.username}: " + ", ".join(
                f"{handover.label(code)} {n}" for code, n in shares.items()))
