"""The addresses notifications, "my day" and the handover record give for tickets (the pages are helper
"web"'s kehu/service/urls.py)."""

from __future__ import annotations

from django.urls import reverse


def ticket_url(pk: int) -> str:
    return reverse("service:ticket_detail", args=[pk])


def queue_url(*, mine: bool = False) -> str:
    return reverse("service:queue") + ("?mine=1" if mine else "")
