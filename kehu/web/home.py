"""Cards on the home page (工作台). Apps add a card from ``AppConfig.ready()``, so web imports no app.

A card is ``card(user) -> HomeCard | None`` (None: nothing for this user) and should cost one cheap query.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class HomeCard:
    title: object
    value: str
    url: str = ""
    hint: object = ""


Card = Callable[..., "HomeCard | None"]
CARDS: list[Card] = []


def register(card: Card) -> Card:
    if card not in CARDS:
        CARDS.append(card)
    return card


def cards_for(user) -> list[HomeCard]:
    return [shown for card in CARDS if (shown := card(user)) is not None]
