"""Tracking numbers (工单号, SVC-8): what the public status page asks for together with the reporter's phone.

"T" + the Shanghai date (yymmdd) + six characters from an alphabet without look-alikes (no 0/O, 1/I/L):
31⁶ ≈ 887 million numbers a day, so a number is not guessed from its neighbours. The phone is the second
factor of the lookup; the number alone opens nothing.
"""

from __future__ import annotations

import secrets

from kehu.core import clock

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RANDOM_LENGTH = 6
ATTEMPTS = 10  # a clash is one in hundreds of millions a day; ten in a row means something else is wrong


def candidate() -> str:
    return "T" + clock.today().strftime("%y%m%d") + "".join(secrets.choice(ALPHABET) for _n in range(RANDOM_LENGTH))


def new_number(taken) -> str:
    """A fresh number; ``taken(number)`` says whether one is already in use."""
    for _attempt in range(ATTEMPTS):
        number = candidate()
        if not taken(number):
            return number
    raise RuntimeError(f"no free ticket number after {ATTEMPTS} attempts")
