"""``kehu audit verify``: walk the audit hash chain and name the first altered or missing row (AUD-3)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.compliance import actions, audit
from kehu.core import context


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; exit 1 naming the first altered or missing row."

    def handle(self, *args, **options):
        result = audit.verify()
        with context.bound(context.RequestContext(channel="cli")), transaction.atomic():
            # The check itself is an audited event, whatever it found.
            audit.record(None, actions.AUDIT_VERIFY, None,
                         {"checked": result.checked, "first_bad_seq": result.first_bad_seq},
                         result="ok" if result.ok else "failed")
        if result.ok:
            self.stdout.write(_("OK：审计链完好，已校验 %(checked)d 条记录") % {"checked": result.checked})
            return
        raise CommandError(
            _("审计链校验失败：第一处问题在序号 %(seq)s（时间 %(time)s，动作 %(action)s）：%(problem)s。"
              "此前 %(checked)d 条记录正常。") % {
                "seq": result.first_bad_seq,
                "time": timezone.localtime(result.occurred_at).isoformat() if result.occurred_at else "—",
                "action": result.action or "—",
                "problem": result.problem,
                "checked": result.checked,
            },
            returncode=1,
        )
