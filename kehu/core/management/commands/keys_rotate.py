"""``kehu keys rotate [--dry-run]``: re-encrypt every protected value under the current field key (CRY-5).

Before: make the new key the current ``field_key`` and keep the old one readable in
``<key dir>/field_keys/<id>.key`` or ``KEHU_FIELD_KEYS``. Rerun after an interruption; it continues
where it stopped. Retire the old key once a run reports nothing pending.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from kehu.core import crypto, rotation


class Command(BaseCommand):
    help = "Re-encrypt protected fields still sealed with an older key (resumable, batches of 1,000)"

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="only count the rows still on an older key")
        parser.add_argument("--batch-size", type=int, default=rotation.BATCH_SIZE,
                            help="rows per committed batch (default 1000)")

    def handle(self, *args, dry_run, batch_size, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        self.stdout.write(f"current key: {crypto.current_key_id()}; readable: {', '.join(crypto.readable_key_ids())}")
        failed = 0
        for target in rotation.targets():
            if dry_run:
                self.stdout.write(f"{target.label}: {target.pending().count()} pending")
                continue
            started = time.monotonic()

            def progress(outcome, started=started):
                rate = outcome.rotated / max(time.monotonic() - started, 1e-6)
                self.stdout.write(f"{outcome.target}: {outcome.rotated}/{outcome.pending} ({rate:.0f} rows/s)")
                self.stdout.flush()

            outcome = rotation.rotate(target, batch_size=batch_size, progress=progress)
            self.stdout.write(f"{outcome.target}: done, {outcome.rotated} rotated, {len(outcome.failed)} failed")
            failed += len(outcome.failed)
        if failed:
            raise CommandError(f"{failed} values could not be decrypted (see the security log); they keep their old key")
