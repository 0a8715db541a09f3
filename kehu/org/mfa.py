"""TOTP second factor (SECURITY.md AUTH-5): RFC 6238, 30-second steps, one step of drift either way.

The secret is stored AES-GCM encrypted and bound to its user. ``last_step`` records the newest
step used, so a code (and any older one) works only once. Ten recovery codes are shown once at
enrolment and stored as SHA-256 hashes: they carry 80 random bits, so a fast hash is enough.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
import secrets

import pyotp
from django.db import transaction
from django.utils.translation import gettext as _

from kehu.compliance import actions, audit
from kehu.core import clock, crypto
from kehu.core.errors import Conflict, DomainError
from kehu.org import authentication, lockout
from kehu.org.models import LoginBlock, RecoveryCode, TOTPDevice, User

STEP_SECONDS = 30
DRIFT_STEPS = 1
ISSUER = "Kehu"
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
_RECOVERY_LENGTH = 16  # 16 symbols of 31: about 79 bits


def associated_data(user_id: int) -> bytes:
    return f"totp:{user_id}".encode()


def device_secret(device: TOTPDevice) -> str:
    return crypto.decrypt(device.secret_encrypted, associated=associated_data(device.user_id))


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, interval=STEP_SECONDS)


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an authenticator app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(user: User, secret: str) -> str:
    return _totp(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def pending_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed_at__isnull=True).first()


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


@transaction.atomic
def totp_enrolment_start(*, user: User) -> TOTPDevice:
    """The unconfirmed device the enrolment page shows; reloading the page shows the same secret."""
    device = TOTPDevice.objects.select_for_update().filter(user=user).first()
    if device is not None and device.confirmed_at is not None:
        raise Conflict("mfa_already_enrolled", _("已绑定双因素认证。"))
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, secret_encrypted=crypto.encrypt(pyotp.random_base32(), associated=associated_data(user.pk))
        )
    return device


def _use_code(device: TOTPDevice, code: str) -> bool:
    """True when ``code`` is valid within the drift window and newer than the last one used."""
    if not re.fullmatch(r"\d{6}", code):
        return False
    totp = _totp(device_secret(device))
    current = int(clock.now().timestamp()) // STEP_SECONDS
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if step > device.last_step and hmac.compare_digest(totp.generate_otp(step), code):
            # Conditional update: two requests racing with the same code cannot both succeed.
            return TOTPDevice.objects.filter(pk=device.pk, last_step__lt=step).update(last_step=step) == 1
    return False


def _hash_recovery(code: str) -> str:
    normal = re.sub(r"[\s-]", "", code).lower()
    return hashlib.sha256(normal.encode()).hexdigest()


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, _RECOVERY_LENGTH, 4))


def _issue_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(RecoveryCode(user=user, code_hash=_hash_recovery(c)) for c in codes)
    return codes


@transaction.atomic
def totp_confirm(*, user: User, code: str) -> list[str]:
    """Finish enrolment with a first code; returns the recovery codes to show once."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=True).first()
    if device is None:
        raise Conflict("mfa_no_pending_enrolment", _("没有待确认的双因素绑定，请重新开始。"))
    if not _use_code(device, code.strip()):
        raise DomainError("mfa_code_invalid", _("验证码不正确或已使用过，请输入认证器中的最新 6 位数字。"), field="code")
    device.confirmed_at = clock.now()
    device.save(update_fields=["confirmed_at"])
    codes = _issue_recovery_codes(user)
    audit.record(user, actions.MFA_ENROL, user, {"recovery_codes": len(codes)})
    return codes


class Check(enum.Enum):
    TOTP = "totp"
    RECOVERY = "recovery"
    WRONG = "wrong"
    LOCKED = "locked"


@transaction.atomic
def second_factor_check(*, user: User, code: str, ip: str | None) -> Check:
    """Check a TOTP or recovery code at sign-in. A wrong code counts as a failed login, so guessing
    codes locks the account exactly like guessing passwords."""
    now = clock.now()
    username = authentication.normalise_username(user.username)
    if lockout.active_block(LoginBlock.ACCOUNT, username, now):
        return Check.LOCKED
    code = (code or "").strip()
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=False).first()
    if device is not None and _use_code(device, code):
        return Check.TOTP
    used = RecoveryCode.objects.filter(user=user, used_at__isnull=True, code_hash=_hash_recovery(code)).update(
        used_at=now
    ) if code else 0
    if used:
        audit.record(user, actions.MFA_RECOVERY_USED, user, {"left": recovery_codes_left(user)})
        return Check.RECOVERY
    authentication.record_failure(user=user, username=username, ip=ip, now=now, reason="bad_second_factor",
                                  action=actions.MFA_FAILED)
    if lockout.active_block(LoginBlock.ACCOUNT, username, now):
        return Check.LOCKED
    return Check.WRONG
