"""``kehu token create USERNAME [--name N] [--days D]``: an operator issues an API token.

The secret is printed once and never stored. Run on the server, this is the only way to give a
token to a user who must use a second factor (see kehu.org.api_tokens).
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from kehu.core import clock, context
from kehu.core.errors import DomainError
from kehu.org.api_tokens import api_token_create
from kehu.org.models import User


class Command(BaseCommand):
    help = "Create an API token for a user and print its secret once"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="what the token is for, e.g. 'ERP sync'")
        parser.add_argument("--days", type=int, default=90, help="days until it expires (0: never); default 90")

    def handle(self, *args, username: str, name: str, days: int, **options):
        if days < 0:
            raise CommandError("--days must be 0 or more")
        user = User.objects.filter(username__iexact=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        expires_at = clock.now() + dt.timedelta(days=days) if days else None
        with context.bound(context.RequestContext(channel="cli")):
            try:
                token, secret = api_token_create(actor=None, user=user, name=name, expires_at=expires_at)
            except DomainError as exc:
                raise CommandError(str(exc.message)) from exc
        expiry = token.expires_at.isoformat(timespec="minutes") if token.expires_at else "never"
        self.stdout.write(f"API token {token.prefix} for {user.username} (expires: {expiry})")
        self.stdout.write("Secret (shown only now; store it safely):")
        self.stdout.write(secret)
