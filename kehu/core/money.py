"""Money in CNY (PLAT-6): always ``Decimal`` with two places (分), never float.

Rounding is ROUND_HALF_UP (四舍五入), the rule Chinese invoices and bookkeeping use, not Python's
default banker's rounding (ROUND_HALF_EVEN).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
WAN = Decimal(10_000)


def to_money(value: Decimal | int | str) -> Decimal:
    """``value`` as a Decimal quantised to 0.01 with ROUND_HALF_UP (0.005 → 0.01, −0.005 → −0.01).

    Floats are refused with TypeError: 0.1 + 0.2 has already lost the cent before it gets here, so
    money must arrive as Decimal, int or a decimal string. NaN, infinities and non-numeric strings
    raise ValueError. Negative zero comes back as 0.00.
    """
    if isinstance(value, float) or isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise TypeError(f"money must be Decimal, int or str, not {type(value).__name__}")
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None
    if not amount.is_finite():
        raise ValueError(f"money must be finite, not {value!r}")
    try:
        amount = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise ValueError(f"amount too large: {value!r}") from None
    return amount if amount else abs(amount)


def _grouped(amount: Decimal) -> str:
    """|amount| with thousands separators and two places: 1,234.56."""
    return f"{abs(amount):,.2f}"


def _sign(amount: Decimal) -> str:
    return "-" if amount < 0 else ""


def format_cny(amount: Decimal | int | str) -> str:
    """¥1,234.56; negative amounts as -¥1,234.56 (the sign before the currency symbol)."""
    money = to_money(amount)
    return f"{_sign(money)}¥{_grouped(money)}"


def to_wan(amount: Decimal | int | str) -> Decimal:
    """The amount in 万元 (ten thousands of yuan), rounded half-up to two places."""
    return (to_money(amount) / WAN).quantize(CENT, rounding=ROUND_HALF_UP)


def format_wan(amount: Decimal | int | str) -> str:
    """123.46 万元 for amounts of at least 10,000 yuan (either sign); smaller amounts stay in yuan,
    1,234.56 元, because 0.12 万元 reads worse than 1,234.56 元."""
    money = to_money(amount)
    if abs(money) < WAN:
        return f"{_sign(money)}{_grouped(money)} 元"
    wan = to_wan(money)
    return f"{_sign(wan)}{_grouped(wan)} 万元"


def format_cny_long(amount: Decimal | int | str) -> str:
    """¥12,345,678.00（1,234.57 万元）: the exact amount with its 万元 reading for large sums;
    amounts under 10,000 yuan are just ¥1,234.56."""
    money = to_money(amount)
    if abs(money) < WAN:
        return format_cny(money)
    return f"{format_cny(money)}（{format_wan(money)}）"
