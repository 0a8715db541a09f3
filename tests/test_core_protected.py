"""ProtectedField end to end on a real model (SECURITY.md CRY-2..5, PI-4, RES-2): encryption at rest,
blind-index search, masked display, integrity failures, associated-data binding, key rotation."""

from __future__ import annotations

import logging

import pytest
from django.core import checks
from django.core.exceptions import FieldError
from django.core.management import CommandError, call_command
from django.db import connection, models
from django.test.utils import isolate_apps

from kehu.compliance import actions
from kehu.compliance.models import AuditEntry
from kehu.core import crypto, rotation
from kehu.core.protected import (
    BlindIndexField,
    ProtectedField,
    protected_columns,
    protected_last4_lookup,
    protected_lookup,
)
from kehu.org import mfa
from tests.protected_app.helpers import flip_one_byte, new_key, use_keys
from tests.protected_app.models import Person

pytestmark = [pytest.mark.req("SEC-4"), pytest.mark.django_db]

MOBILE = "13812345678"
ID_NUMBER = "11010119900307803X"


@pytest.fixture(autouse=True)
def _fresh_ring():
    crypto.forget_keys()
    yield
    crypto.forget_keys()


def raw_row(person: Person) -> dict:
    """The row as stored, bypassing the field's conversion."""
    table = connection.ops.quote_name(Person._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [person.pk])
        names = [c[0] for c in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


def write_raw(person: Person, column: str, value: str) -> None:
    table = connection.ops.quote_name(Person._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {connection.ops.quote_name(column)} = %s WHERE id = %s", [value, person.pk])


def make_person(**fields) -> Person:
    return Person.objects.create(name=fields.pop("name", "张三"), mobile=fields.pop("mobile", MOBILE),
                                 id_number=fields.pop("id_number", ID_NUMBER), **fields)


def test_the_row_holds_ciphertext_and_indexes_only():
    person = make_person(address="浙江省杭州市西湖区文三路 90 号")
    row = raw_row(person)
    for column in ("mobile", "id_number", "address"):
        assert crypto.key_id_of(row[column]) == crypto.current_key_id()
    text = repr(row)
    for clear in (MOBILE, ID_NUMBER, "文三路", "5678", "803X"):
        assert clear not in text


@pytest.mark.req("SEC-3")
def test_str_is_masked_and_plaintext_needs_reveal():
    person = Person.objects.get(pk=make_person(address="浙江省杭州市西湖区文三路 90 号").pk)
    assert str(person.mobile) == "138****5678"
    assert f"{person.id_number}" == "110101********803X"
    assert str(person.address) == "浙江省杭州市西湖区****"
    assert MOBILE not in repr(person.mobile)
    assert person.mobile.reveal() == MOBILE
    assert person.id_number.reveal() == ID_NUMBER


@pytest.mark.req("PRIV-4")
def test_empty_values_stay_empty():
    """Sensitive fields are optional: an absent value stores nothing, not even an encrypted empty string."""
    person = Person.objects.get(pk=Person.objects.create(name="空").pk)
    assert not person.mobile
    assert str(person.mobile) == ""
    assert raw_row(person)["mobile"] == "" and raw_row(person)["mobile_bidx"] == ""


def test_full_value_finds_and_middle_digits_find_nothing():
    person = make_person()
    make_person(name="李四", mobile="13900001111", id_number="110101199003074514")
    assert list(Person.objects.filter(**protected_lookup(Person, "mobile", MOBILE))) == [person]
    assert list(Person.objects.filter(**protected_lookup(Person, "mobile", "+86 138 1234 5678"))) == [person]
    assert list(Person.objects.filter(**protected_lookup(Person, "id_number", ID_NUMBER.lower()))) == [person]
    for fragment in ("12345678", "1381234", "38123456"):
        assert not Person.objects.filter(**protected_lookup(Person, "mobile", fragment)).exists()


def test_last_four_search():
    person = make_person()
    make_person(name="李四", mobile="13900001111", id_number="110101199003074514")
    assert list(Person.objects.filter(**protected_last4_lookup(Person, "mobile", "5678"))) == [person]
    assert list(Person.objects.filter(**protected_last4_lookup(Person, "id_number", "803x"))) == [person]
    assert not Person.objects.filter(**protected_last4_lookup(Person, "mobile", "1234")).exists()
    with pytest.raises(ValueError):
        protected_last4_lookup(Person, "mobile", "567")


def test_changing_the_value_moves_its_indexes():
    person = make_person()
    person.mobile = "13900001111"
    person.save(update_fields=protected_columns("mobile"))
    assert not Person.objects.filter(**protected_lookup(Person, "mobile", MOBILE)).exists()
    assert Person.objects.filter(**protected_last4_lookup(Person, "mobile", "1111")).get() == person


def test_bulk_create_encrypts_and_indexes():
    Person.objects.bulk_create([Person(name=f"p{i}", mobile=f"1380000{i:04d}") for i in range(3)])
    assert Person.objects.filter(**protected_lookup(Person, "mobile", "13800000002")).count() == 1
    assert all(crypto.is_token(raw_row(p)["mobile"]) for p in Person.objects.all())


def test_plaintext_queries_and_updates_are_refused():
    make_person()
    with pytest.raises(FieldError):
        Person.objects.filter(mobile=MOBILE).exists()
    with pytest.raises(TypeError, match="blind index"):
        Person.objects.update(mobile="13900001111")


def test_a_flipped_byte_shows_the_integrity_marker_and_is_a_security_event(caplog):
    person = make_person()
    write_raw(person, "mobile", flip_one_byte(raw_row(person)["mobile"]))
    loaded = Person.objects.get(pk=person.pk)
    with caplog.at_level(logging.WARNING, logger="kehu.security"):
        assert str(loaded.mobile) == "[完整性错误]"
    assert any("integrity failure on protected_app.person.mobile" in r.getMessage() for r in caplog.records)
    assert MOBILE not in caplog.text
    entry = AuditEntry.objects.get(action=actions.SECURITY_INTEGRITY)
    assert (entry.target_type, entry.target_id, entry.result) == ("protected_app.person", str(person.pk), "failed")
    with pytest.raises(crypto.IntegrityError):
        loaded.mobile.reveal()
    assert str(loaded.id_number) == "110101********803X"  # the other fields are unaffected


def test_a_token_copied_to_another_column_does_not_decrypt():
    person = make_person(address="浙江省杭州市西湖区文三路 90 号")
    write_raw(person, "address", raw_row(person)["mobile"])
    with pytest.raises(crypto.IntegrityError):
        Person.objects.get(pk=person.pk).address.reveal()


def test_a_row_bound_token_copied_to_another_row_does_not_decrypt():
    first, second = make_person(), make_person(name="李四", id_number="110101199003074514")
    write_raw(second, "id_number", raw_row(first)["id_number"])
    with pytest.raises(crypto.IntegrityError):
        Person.objects.get(pk=second.pk).id_number.reveal()
    # Assigning through the model re-encrypts for the new row, so copying values in code works.
    second = Person.objects.get(pk=second.pk)
    second.id_number = Person.objects.get(pk=first.pk).id_number
    second.save()
    assert Person.objects.get(pk=second.pk).id_number.reveal() == ID_NUMBER


def test_a_missing_index_column_fails_the_system_check():
    with isolate_apps("tests.protected_app"):
        class Careless(models.Model):
            mobile = ProtectedField(kind="mobile")
            mobile_bidx = BlindIndexField(source="mobile")

            class Meta:
                app_label = "protected_app"

            def __str__(self):
                return "careless"

        errors = Careless._meta.get_field("mobile").check()
    assert [e.id for e in errors] == ["kehu.E101"]
    assert "mobile_l4" in errors[0].msg
    assert not [e for e in checks.run_checks() if e.id.startswith("kehu.E10")]


def test_validators_see_the_plaintext_of_new_values():
    seen = []
    field = Person._meta.get_field("mobile")
    field.validators.append(seen.append)
    try:
        person = Person(name="王五", mobile=MOBILE)
        person.full_clean()
        make_person()
        Person.objects.get(name="张三").full_clean()
    finally:
        field.validators.remove(seen.append)
    assert seen == [MOBILE]


def test_rotation_moves_every_row_and_totp_secret_to_the_current_key(monkeypatch, make_user):
    old, new = new_key(), new_key()
    use_keys(monkeypatch, old)
    Person.objects.bulk_create(
        [Person(name=f"p{i}", mobile=f"138{i:08d}", id_number=f"110101199003{i:05d}X") for i in range(3000)]
    )
    user = make_user()
    device = mfa.totp_enrolment_start(user=user)
    secret = mfa.device_secret(device)
    before = {p.pk: (p.mobile_bidx, p.id_number_l4) for p in Person.objects.all()}

    use_keys(monkeypatch, new, old)
    call_command("keys_rotate", "--dry-run", stdout=(dry := _Buffer()))
    assert "protected_app.person.mobile: 3000 pending" in dry.text
    assert "org.totpdevice.secret_encrypted: 1 pending" in dry.text
    call_command("keys_rotate", stdout=(out := _Buffer()))
    assert "protected_app.person.mobile: 3000/3000" in out.text

    prefix = crypto.current_prefix()
    for target in rotation.targets():
        assert not target.pending().exists(), target.label
    for person in Person.objects.all():
        assert raw_row(person)["mobile"].startswith(prefix)
        number = int(person.name[1:])
        assert (person.mobile.reveal(), person.id_number.reveal()) == (f"138{number:08d}", f"110101199003{number:05d}X")
        assert (person.mobile_bidx, person.id_number_l4) == before[person.pk]  # indexes untouched
    device.refresh_from_db()
    assert device.secret_encrypted.startswith(prefix)
    assert mfa.device_secret(device) == secret
    # One audit entry per committed batch: 3 for each Person field, 1 for the TOTP secrets.
    assert AuditEntry.objects.filter(action=actions.KEYS_ROTATE).count() == 3 * 2 + 1


def test_rotation_reports_undecryptable_rows_and_keeps_going(monkeypatch):
    old = new_key()
    use_keys(monkeypatch, old)
    damaged, sound = make_person(), make_person(name="李四")
    write_raw(damaged, "mobile", flip_one_byte(raw_row(damaged)["mobile"]))
    use_keys(monkeypatch, new_key(), old)
    with pytest.raises(CommandError, match="1 values could not be decrypted"):
        call_command("keys_rotate", stdout=_Buffer())
    assert Person.objects.get(pk=sound.pk).mobile.key_id == crypto.current_key_id()
    assert Person.objects.get(pk=damaged.pk).mobile.key_id != crypto.current_key_id()


class _Buffer:
    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass


def test_values_gives_masked_values_where_no_row_binding_is_needed():
    make_person()
    row = Person.objects.values("mobile", "id_number").get()
    assert str(row["mobile"]) == "138****5678"
    with pytest.raises(TypeError, match="bound to its row"):
        row["id_number"].reveal()
