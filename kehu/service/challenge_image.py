"""Draws a challenge question (kehu/service/challenge.py) as an SVG image with noise.

No font and no <text>: every character is a handful of strokes defined here, each stroke jittered and each
character tilted and scaled at random, over pale curves and under dots, so the question is not in the markup
for a scraper to read. Chinese readers see the numbers as 一…九 and the sum as 加; others see 1…9 and +.
The image travels inside the page as a data: URI (the CSP allows data: images), so the form needs no second
request and no JavaScript.
"""

from __future__ import annotations

import base64
import math
import random

from kehu.service.challenge import PLUS, TIMES, Question

# Strokes on a 10 × 10 cell, y downwards; each stroke a polyline.
Glyph = tuple[tuple[tuple[float, float], ...], ...]

ARABIC: dict[int, Glyph] = {
    2: (((2, 3), (3.5, 1.2), (6.5, 1.2), (8, 3), (7.5, 5), (2, 9), (8.5, 9)),),
    3: (((2, 2), (4, 1), (7, 1.2), (7.8, 3), (5, 5), (8, 6.5), (7.5, 8.5), (4.5, 9.2), (2, 8)),),
    4: (((6.5, 9), (6.5, 1), (1.5, 6.5), (9, 6.5)),),
    5: (((8, 1), (3, 1), (2.5, 4.5), (6, 4), (8, 5.5), (8, 7.5), (6, 9), (2, 8.5)),),
    6: (((7.5, 1.5), (4, 1.5), (2, 5), (2, 7.5), (4, 9), (7, 9), (8, 7), (7, 5), (4, 5), (2, 6.5)),),
    7: (((1.5, 1), (8.5, 1), (4, 9)),),
    8: (((5, 5), (2.5, 3.5), (3, 1.5), (5, 1), (7, 1.5), (7.5, 3.5), (5, 5), (2, 6.5), (2.5, 8.5), (5, 9.2),
         (7.5, 8.5), (8, 6.5), (5, 5)),),
    9: (((8, 4), (6, 5.5), (3, 5), (2, 3), (3.5, 1), (6.5, 1), (8, 3), (8, 6), (6.5, 9), (3, 9)),),
}
CHINESE: dict[int, Glyph] = {
    2: (((2.5, 3), (7.5, 3)), ((1, 7.5), (9, 7.5))),
    3: (((2, 2), (8, 2)), ((3, 5), (7, 5)), ((1, 8.5), (9, 8.5))),
    4: (((1.5, 2), (1.5, 9)), ((1.5, 2), (8.5, 2), (8.5, 9)), ((1.5, 8.5), (8.5, 8.5)),
        ((4, 2), (3.7, 5.5), (2.5, 6.8)), ((6, 2), (6, 6), (7.5, 6))),
    5: (((2, 1.5), (8, 1.5)), ((5, 1.5), (3.8, 8.5)), ((2.5, 5), (7, 5), (7, 8.5)), ((1, 8.8), (9, 8.8))),
    6: (((4.8, 0.6), (5.6, 2)), ((1, 3.2), (9, 3.2)), ((4, 5), (2, 8.5)), ((6, 5), (8.5, 8.5))),
    7: (((1, 5.2), (9, 4)), ((4, 1), (4, 8), (5, 9), (8.8, 9), (9, 7.5))),
    8: (((4, 2), (3.2, 6), (1, 9)), ((6, 2), (7, 6), (9, 9))),
    9: (((4.2, 1), (4, 5), (1, 9.2)), ((1.5, 4), (6.5, 4), (6.5, 8.5), (7.5, 9.2), (9.3, 9), (9.3, 7.5))),
}
SIGNS: dict[str, Glyph] = {
    PLUS: (((5, 3), (5, 7)), ((3, 5), (7, 5))),
    TIMES: (((3, 3), (7, 7)), ((7, 3), (3, 7))),
}
# 加: 力 and 口; with 十 among the numbers a drawn "+" would read as ten (五+三 as 五十三).
JIA: Glyph = (((0.5, 3.5), (5, 3.5), (5, 8.5), (4, 9.3)), ((3, 1), (2.8, 6), (0.5, 9.3)),
              ((6.3, 4.2), (6.3, 9)), ((6.3, 4.2), (9.5, 4.2), (9.5, 9)), ((6.3, 8.6), (9.5, 8.6)))

CELL, MARGIN, HEIGHT = 38, 12, 52
INK = ("#1f2d3d", "#2b3a67", "#3d2b56", "#16403a", "#4a2f1d")
NOISE = ("#8aa1b1", "#b0a18a", "#9f8fb5", "#8fb59b", "#c49a9a")


def svg(question: Question, *, chinese: bool) -> str:
    """The question as SVG markup, drawn afresh (different noise) each call."""
    rng = random.SystemRandom()
    numbers = CHINESE if chinese else ARABIC
    operator = JIA if chinese and question.operator == PLUS else SIGNS[question.operator]
    # No "= ?" after it (the page asks for the result): a drawn = is too like 二.
    glyphs = (numbers[question.left], operator, numbers[question.right])
    width = 2 * MARGIN + CELL * len(glyphs)
    parts = [_noise_curve(rng, width) for _ in range(6)]
    parts += [_glyph(rng, glyph, MARGIN + index * CELL) for index, glyph in enumerate(glyphs)]
    parts += [f'<circle cx="{rng.uniform(0, width):.1f}" cy="{rng.uniform(0, HEIGHT):.1f}" '
              f'r="{rng.uniform(0.5, 1.6):.1f}" fill="{rng.choice(NOISE + INK)}"/>' for _ in range(45)]
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{HEIGHT}" '
            f'viewBox="0 0 {width} {HEIGHT}"><rect width="100%" height="100%" fill="#f6f4ee"/>'
            + "".join(parts) + "</svg>")


def data_uri(question: Question, *, chinese: bool) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg(question, chinese=chinese).encode()).decode()


def _glyph(rng: random.Random, glyph: Glyph, left: float) -> str:
    scale = rng.uniform(2.7, 3.3)
    angle = math.radians(rng.uniform(-14, 14))
    cos, sin = math.cos(angle), math.sin(angle)
    centre_x, centre_y = left + CELL / 2 + rng.uniform(-2, 2), HEIGHT / 2 + rng.uniform(-3, 3)

    def place(x: float, y: float) -> str:
        # Jitter in cell units, then scale, tilt about the cell's centre and move into place.
        dx = (x + rng.uniform(-0.3, 0.3) - 5) * scale
        dy = (y + rng.uniform(-0.3, 0.3) - 5) * scale
        return f"{centre_x + dx * cos - dy * sin:.1f},{centre_y + dx * sin + dy * cos:.1f}"

    path = " ".join("M" + " L".join(place(x, y) for x, y in stroke) for stroke in glyph)
    return (f'<path d="{path}" fill="none" stroke="{rng.choice(INK)}" stroke-width="{rng.uniform(2.2, 3.2):.1f}" '
            'stroke-linecap="round" stroke-linejoin="round"/>')


def _noise_curve(rng: random.Random, width: float) -> str:
    ys = [rng.uniform(4, HEIGHT - 4) for _ in range(4)]
    return (f'<path d="M0,{ys[0]:.1f} C{width / 3:.1f},{ys[1]:.1f} {2 * width / 3:.1f},{ys[2]:.1f} {width},{ys[3]:.1f}" '
            f'fill="none" stroke="{rng.choice(NOISE)}" stroke-width="{rng.uniform(0.7, 1.4):.1f}"/>')
