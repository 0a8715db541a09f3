"""The left navigation. Apps add their entries here; an entry shows only to users holding its permission."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    section: object
    label: object
    url_name: str
    permission: str | None = None  # None: every signed-in user
    icon: str = ""


SECTION_POLICY = _("制度")
SECTION_SYSTEM = _("系统")

ITEMS: list[NavItem] = []


def add(item: NavItem) -> None:
    ITEMS.append(item)


def for_user(user) -> list[tuple[object, list[NavItem]]]:
    sections: dict[str, tuple[object, list[NavItem]]] = {}
    for item in ITEMS:
        if item.permission is None or user.has_permission(item.permission):
            sections.setdefault(str(item.section), (item.section, []))[1].append(item)
    return list(sections.values())
