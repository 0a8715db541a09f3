"""``kehu notify test --channel email --to ADDRESS`` or ``kehu notify test --channel webhook --webhook ID``:
send a test message at once, to check the mail settings or a robot's URL and secret (REL-6)."""

from __future__ import annotations

from django.core.mail import send_mail
from django.core.management.base import BaseCommand, CommandError

from kehu.engagement import notify
from kehu.engagement.models import WebhookEndpoint


class Command(BaseCommand):
    help = "立即发送一条测试通知（邮件或群机器人），检查设置"

    def add_arguments(self, parser):
        parser.add_argument("--channel", choices=["email", "webhook"], required=True)
        parser.add_argument("--to", help="测试邮件的收件地址（--channel email）")
        parser.add_argument("--webhook", type=int, help="通知机器人的编号（--channel webhook）")

    def handle(self, *args, channel: str, to: str | None, webhook: int | None, **options):
        message = notify.test_message("kehu")
        if channel == "email":
            if not to:
                raise CommandError("--channel email 需要 --to 收件地址")
            try:
                send_mail(message.title, message.body, None, [to])
            except Exception as exc:  # noqa: BLE001 (any mail error is reported to the operator)
                raise CommandError(f"发送失败：{type(exc).__name__}: {exc}") from exc
            self.stdout.write(f"测试邮件已发送到 {to}。")
            return
        endpoint = WebhookEndpoint.objects.filter(pk=webhook).first() if webhook else None
        if endpoint is None:
            raise CommandError("--channel webhook 需要已设置的 --webhook 编号")
        result = notify.post_test(endpoint, "kehu")
        if not result.ok:
            raise CommandError(f"发送失败：{result.detail}")
        self.stdout.write(f"测试消息已发送到 {endpoint.name}（{endpoint.url_hint}）：{result.detail}")
