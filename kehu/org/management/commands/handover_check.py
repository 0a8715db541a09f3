"""``kehu handover check``: open records still held by disabled accounts (AC-8: 0 after every departure).
Exits 1 when there are any, so a cron job or a monitoring probe can tell."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from kehu.org.selectors import orphaned_records


class Command(BaseCommand):
    help = "检查停用账号名下仍有未结记录（每次离职交接后应为 0）"

    def handle(self, *args, **options):
        found = orphaned_records(None)
        for kind in found:
            holders = ", ".join(f"{user.username} {n}" for user, n in kind.holders)
            self.stdout.write(f"{kind.kind}\t{kind.count}\t{kind.label}" + (f"\t({holders})" if holders else ""))
        total = sum(kind.count for kind in found)
        self.stdout.write(f"total\t{total}")
        if total:
            raise CommandError(f"{total} open records held by disabled accounts")
