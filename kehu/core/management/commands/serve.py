"""``kehu serve``: collect static files and run the production WSGI server (gunicorn)."""

import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Kehu over HTTP with gunicorn"

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("KEHU_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("KEHU_WORKERS", "2")))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("KEHU_THREADS", "4")))

    def handle(self, *args, **options):
        call_command("collectstatic", interactive=False, verbosity=0)
        argv = [
            sys.executable, "-m", "gunicorn", "kehu.wsgi:application",
            "--bind", options["bind"], "--workers", str(options["workers"]),
            "--threads", str(options["threads"]), "--access-logfile", "-",
            "--forwarded-allow-ips", ",".join(settings.TRUSTED_PROXIES) or "127.0.0.1",
        ]
        self.stdout.write(f"Kehu at http://{options['bind']}/")
        os.execv(sys.executable, argv)
