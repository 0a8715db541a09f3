"""Field encryption and its key ring (SECURITY.md CRY-2, CRY-4, CRY-5)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from kehu.core import crypto, keys
from tests.protected_app.helpers import flip_one_byte, new_key, use_keys

pytestmark = pytest.mark.req("SEC-4")


@pytest.fixture(autouse=True)
def _fresh_ring():
    crypto.forget_keys()
    yield
    crypto.forget_keys()


def test_round_trip_names_the_current_key():
    token = crypto.encrypt("13812345678", associated=b"a")
    assert token.startswith(crypto.current_prefix())
    assert crypto.key_id_of(token) == crypto.current_key_id()
    assert "13812345678" not in token
    assert crypto.decrypt(token, associated=b"a") == "13812345678"


def test_same_plaintext_encrypts_differently_each_time():
    assert crypto.encrypt("x") != crypto.encrypt("x")


def test_old_key_still_decrypts_and_new_writes_use_the_current_key(monkeypatch):
    old, new = new_key(), new_key()
    use_keys(monkeypatch, old)
    sealed_old = crypto.encrypt("secret")
    use_keys(monkeypatch, new, old)
    assert crypto.decrypt(sealed_old) == "secret"
    assert crypto.key_id_of(sealed_old) == crypto.key_id(bytes.fromhex(old))
    assert crypto.key_id_of(crypto.encrypt("secret")) == crypto.key_id(bytes.fromhex(new))
    assert crypto.key_id_of(crypto.reencrypt(sealed_old)) == crypto.current_key_id()


def test_older_keys_are_read_from_the_field_keys_folder(monkeypatch, tmp_path):
    old, new = new_key(), new_key()
    use_keys(monkeypatch, old)
    sealed_old = crypto.encrypt("secret")
    monkeypatch.setitem(keys._state, "key_dir", tmp_path)
    (tmp_path / "field_keys").mkdir()
    (tmp_path / "field_keys" / f"{crypto.key_id(bytes.fromhex(old))}.key").write_text(old)
    use_keys(monkeypatch, new)
    assert crypto.decrypt(sealed_old) == "secret"


def test_an_id_that_does_not_match_its_key_is_refused(monkeypatch):
    use_keys(monkeypatch, new_key(), f"deadbeef:{new_key()}")
    with pytest.raises(ImproperlyConfigured, match="does not match"):
        crypto.readable_key_ids()


def test_id_hex_entries_are_accepted(monkeypatch):
    old = new_key()
    use_keys(monkeypatch, old)
    sealed_old = crypto.encrypt("x")
    use_keys(monkeypatch, new_key(), f"{crypto.key_id(bytes.fromhex(old))}:{old}")
    assert crypto.decrypt(sealed_old) == "x"


def test_a_retired_key_gives_a_decryption_error_not_an_integrity_error(monkeypatch):
    use_keys(monkeypatch, new_key())
    sealed = crypto.encrypt("x")
    use_keys(monkeypatch, new_key())
    with pytest.raises(crypto.DecryptionError) as caught:
        crypto.decrypt(sealed)
    assert not isinstance(caught.value, crypto.IntegrityError)


def test_one_flipped_byte_is_an_integrity_error():
    token = crypto.encrypt("11010119900307803X")
    for position in (0, 12, 20, -1):  # nonce, ciphertext, tag
        with pytest.raises(crypto.IntegrityError):
            crypto.decrypt(flip_one_byte(token, position))


def test_other_associated_data_is_an_integrity_error():
    token = crypto.encrypt("x", associated=b"row:1")
    with pytest.raises(crypto.IntegrityError):
        crypto.decrypt(token, associated=b"row:2")


@pytest.mark.parametrize("token", ["", "plain text", "v2:00000000:AAAA", "v1:xyz:AAAA"])
def test_malformed_tokens_are_refused(token):
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token)
