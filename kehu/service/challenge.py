"""The public service page's spam check (SVC-8): a small sum or product drawn as an image, that works with no
internet (no CDN, no outside service) and keeps no state but a "spent" mark.

The token the form carries is ``{"n": nonce, "at": issued}`` signed with django.core.signing. Signing is
not encryption, so the token holds no question: the question is derived from the nonce with an HMAC of the
secret key, which the visitor cannot compute. Checking a token proves it came from us (signature), is fresh
(``KEHU_PUBLIC_CHALLENGE_SECONDS``), was not sent back sooner than a person fills the form
(``KEHU_PUBLIC_MIN_FILL_SECONDS``) and was not used before: the first check of a nonce marks it spent in the
cache, right or wrong, so each question gets one answer.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils.crypto import salted_hmac

from kehu.core import clock
from kehu.core.validators.width import normalize_width

SALT = "kehu.service.challenge"
PLUS, TIMES = "+", "×"


@dataclass(frozen=True)
class Question:
    left: int
    operator: str  # PLUS or TIMES
    right: int

    @property
    def answer(self) -> int:
        return self.left + self.right if self.operator == PLUS else self.left * self.right


class Refused(Exception):
    """The answer is not accepted. ``code``: forged, expired, too_fast, reused or wrong."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def issue() -> str:
    """A fresh token for a form about to be shown."""
    return signing.dumps({"n": secrets.token_urlsafe(12), "at": int(clock.now().timestamp())}, salt=SALT)


def question_for(token: str) -> Question:
    """The question a token stands for (the image draws it); Refused("forged") for a token we did not sign."""
    return _question(_payload(token)["n"])


def check(token: str, answer: str) -> None:
    """Accept the answer to ``token`` once, or raise Refused. The token is spent by this call either way."""
    payload = _payload(token)
    age = clock.now().timestamp() - payload["at"]
    if age > settings.KEHU_PUBLIC_CHALLENGE_SECONDS:
        raise Refused("expired")
    if age < settings.KEHU_PUBLIC_MIN_FILL_SECONDS:
        raise Refused("too_fast")
    # add() writes only when the key is absent, atomically in both cache backends: one answer per question.
    if not cache.add(f"kehu:challenge-spent:{payload['n']}", 1, timeout=settings.KEHU_PUBLIC_CHALLENGE_SECONDS + 60):
        raise Refused("reused")
    given = normalize_width(answer or "").strip()
    if not (given.isascii() and given.isdigit()) or int(given) != _question(payload["n"]).answer:
        raise Refused("wrong")


def _payload(token: str) -> dict:
    try:
        payload = signing.loads(token or "", salt=SALT)
    except signing.BadSignature as exc:
        raise Refused("forged") from exc
    if not (isinstance(payload, dict) and isinstance(payload.get("n"), str) and isinstance(payload.get("at"), int)):
        raise Refused("forged")
    return payload


def _question(nonce: str) -> Question:
    digest = salted_hmac(SALT, nonce).digest()
    # Numbers 2…9: a drawn 一 is a lone stroke that noise curves imitate too well.
    left, right = 2 + digest[1] % 8, 2 + digest[2] % 8
    return Question(left, PLUS if digest[0] % 2 else TIMES, right)
