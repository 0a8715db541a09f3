"""Full-width → half-width folding: the first step of every validator and name key.

Chinese input methods type ＡＢＣ１２３, full-width brackets and the ideographic space (U+3000) as easily as
ASCII, so a credit code or phone number typed in either width must validate to the same value.
"""

from __future__ import annotations

import unicodedata


def normalize_width(text: str) -> str:
    """Fold full-width forms to half-width and strip surrounding whitespace; CJK characters are kept.

    Unicode NFKC (UAX #15) performs exactly the width folding of the Halfwidth and Fullwidth Forms
    block (U+FF01–U+FF5E → U+0021–U+007E), turns U+3000 into a space and maps CJK compatibility
    ideographs and Kangxi radicals to the unified ideographs they look like, which is what a
    comparison wants. It never changes a unified CJK ideograph, so Chinese text survives intact.
    NFKC also flattens look-alikes (① → 1, ™ → TM, ﬁ → fi): right for identifiers and comparison
    keys, which is what this is for; free text is stored as typed.
    """
    return unicodedata.normalize("NFKC", text).strip()
