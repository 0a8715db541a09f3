#!/usr/bin/env python3
"""Seed N customers with two contacts each for the customer search benchmark (INFO-6).

    .venv/bin/python benchmarks/customers_seed.py --rows 100000 --database-url sqlite:////tmp/kehu_bench.sqlite3
    createdb -h 127.0.0.1 -U postgres kehu_bench
    .venv/bin/python benchmarks/customers_seed.py --rows 1000000 \\
        --database-url postgres://postgres@127.0.0.1:5432/kehu_bench              # an empty PostgreSQL database

Every row is real: names are generated (place + stem + trade + suffix), search keys come from
``kehu.customers.keys`` (pinyin, initials, CJK bigrams), mobiles are encrypted and blind-indexed by the
model fields themselves (``pre_save`` / ``get_db_prep_save``, as ``save()`` would), credit codes pass the
GB 32100 check, owners are spread over 300 users in 20 departments under one root, and one customer
in 100 is shared with another salesperson (a team member).

Fast path: worker processes (``--workers``) build chunks of rows and turn them into database values;
the parent only writes them: PostgreSQL ``COPY`` (secondary indexes dropped for the load and rebuilt
after it, foreign-key triggers off for the load's session: the ids are right by construction), SQLite
``executemany`` in one transaction per chunk. A run appends to what is there, so it can be repeated.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import multiprocessing
import os
import random
import sys
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

USERS, DEPARTMENTS, CHUNK, SHARE_EVERY = 300, 20, 5_000, 100
PLACES = ("北京 上海 广州 深圳 杭州 南京 苏州 成都 重庆 武汉 西安 天津 长沙 郑州 青岛 厦门 宁波 合肥 济南 福州 "
          "昆明 大连 沈阳 哈尔滨 无锡 佛山 东莞 珠海 温州 绍兴 嘉兴 常州 南通 徐州 烟台 潍坊 泉州 南宁 贵阳 兰州").split()
STEMS = ("华为 腾讯 阿里 中兴 海尔 美的 格力 联想 万科 比亚迪 恒瑞 宏达 金桥 远航 长城 东方 新华 天成 鑫源 博远 "
         "瑞丰 永盛 嘉禾 恒通 盛世 华信 蓝天 银河 明德 同创 众合 安泰 富源 宇通 科达 星辰 汇丰 振华 启明 晨光 "
         "海纳 凯瑞 润泽 德邦 华彩 正大 金鼎 佳信 卓越 和信").split()
TRADES = ("科技 技术 信息技术 网络科技 电子 机械 制造 贸易 商贸 物流 建设 建筑工程 医药 生物科技 食品 服装 "
          "化工 新材料 能源 环保科技 汽车零部件 家居 文化传媒 教育科技 软件 通信 电气 仪器仪表 农业 餐饮管理").split()
SUFFIXES = ("有限公司", "有限责任公司", "股份有限公司", "集团有限公司")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华平刚桂"
DIVISIONS = ("110105", "310115", "440300", "440106", "330106", "320102", "320505", "510104", "500103", "420106")
TABLES = ("customers_customer", "customers_contact")


def setup(database_url: str) -> None:
    os.environ["KEHU_DATABASE_URL"] = database_url
    os.environ.setdefault("KEHU_PROFILE", "test")  # dev/test keys; never point this at production
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.settings")
    import django

    django.setup()


def company_name(rng: random.Random) -> str:
    return rng.choice(PLACES) + rng.choice(STEMS) + rng.choice(TRADES) + rng.choice(SUFFIXES)


def mobile(rng: random.Random) -> str:
    return "1" + rng.choice("3589") + "".join(rng.choice("0123456789") for _ in range(9))


def _columns(model, *, with_id: bool) -> list:
    return [f for f in model._meta.concrete_fields if with_id or not f.primary_key]


_PLAIN = (str, int, bool)


def _db_values(obj, fields, connection) -> tuple:
    """What ``save()`` would write: each field's ``pre_save`` (blind indexes) then ``get_db_prep_save`` (sealing,
    dates, UUIDs, JSON). A plain str/int/bool/None of an ordinary field is its own database value: skipped."""
    from kehu.core.protected import ProtectedField

    values = []
    for field in fields:
        value = field.pre_save(obj, True)
        if not (value is None or type(value) in _PLAIN) or isinstance(field, ProtectedField):
            value = field.get_db_prep_save(value, connection)
        values.append(value)
    return tuple(values)


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if hasattr(value, "obj"):  # psycopg's Jsonb wrapper of a JSONField value
        value = json.dumps(value.obj, ensure_ascii=False)
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy_lines(rows) -> str:
    return "".join("\t".join(map(_copy_text, row)) + "\n" for row in rows)


NAME_KEYS: dict[str, object] = {}  # company name → PinyinKeys, filled before the row workers are forked


def all_company_names() -> list[str]:
    return [p + s + t + x for p in PLACES for s in STEMS for t in TRADES for x in SUFFIXES]


def name_keys(names: list[str]) -> list:
    from kehu.core.pinyin import pinyin_keys

    return [pinyin_keys(name) for name in names]


def build_chunk(args: tuple[int, int, list[tuple[int, int]]]):
    """Database values of one chunk's customers (ids ``start+1…``) and contacts (runs in a worker).

    One customer and one contact go through the model fields (``_db_values``) as templates for the
    columns this seed leaves at their defaults; per row, the varying columns come from the project's
    own functions: ``set_customer_keys``/``set_contact_keys``, ``crypto.encrypt`` with the field's
    associated data (bound to the row's uid) and ``blind_index.full_index``/``last4_index``, exactly
    what ``ProtectedField``/``BlindIndexField`` compute on ``save()``. Building model instances per
    row cost more than everything else together."""
    start, count, owners = args
    from django.db import connection

    from kehu.core import blind_index, crypto, pinyin
    from kehu.customers import keys
    from kehu.customers.factories import credit_code
    from kehu.customers.models import Contact, Customer

    # Generated names repeat (about 240,000 distinct): their keys were computed once, before the fork
    # (NAME_KEYS); keys are a pure function of the name, so looking them up gives what computing would.
    if not hasattr(keys.pinyin_keys, "cache_info"):
        compute = functools.lru_cache(maxsize=50_000)(pinyin.pinyin_keys)

        def cached(text, *, person=False):
            return NAME_KEYS.get(text) if not person and text in NAME_KEYS else compute(text, person=person)
        cached.cache_info = compute.cache_info
        keys.pinyin_keys = cached
    rng = random.Random(start)
    customer_fields, contact_fields = _columns(Customer, with_id=True), _columns(Contact, with_id=False)
    customer_template = dict(zip([f.attname for f in customer_fields],
                                 _db_values(Customer(name="-"), customer_fields, connection), strict=True))
    contact_template = dict(zip([f.attname for f in contact_fields],
                                _db_values(Contact(customer_id=1, name="-"), contact_fields, connection), strict=True))
    uid_value = Customer._meta.get_field("uid").get_db_prep_value
    mobile_field = Contact._meta.get_field("mobile")
    customers, contacts = [], []
    for n in range(start + 1, start + count + 1):
        owner_id, department_id = rng.choice(owners)
        customer = SimpleNamespace(kind="enterprise", name=company_name(rng), short_name="")
        keys.set_customer_keys(customer)
        customers.append(tuple({
            **customer_template, "id": n, "uid": uid_value(uuid.UUID(int=rng.getrandbits(128)), connection),
            "name": customer.name, "name_normalized": customer.name_normalized, "name_pinyin": customer.name_pinyin,
            "name_initials": customer.name_initials, "name_bigrams": customer.name_bigrams,
            "credit_code": credit_code(rng, rng.choice(DIVISIONS)), "owner_id": owner_id,
            "department_id": department_id, "tier": rng.choice(["potential", "normal", "key"]),
        }.values()))
        for primary in (True, False):
            contact = SimpleNamespace(name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(("", *GIVEN)),
                                      uid=uuid.UUID(int=rng.getrandbits(128)))
            keys.set_contact_keys(contact)
            number = mobile(rng)
            contacts.append(tuple({
                **contact_template, "uid": uid_value(contact.uid, connection), "customer_id": n,
                "name": contact.name, "name_pinyin": contact.name_pinyin, "name_initials": contact.name_initials,
                "mobile": crypto.encrypt(number, associated=mobile_field.associated_data(contact)),
                "mobile_bidx": blind_index.full_index("mobile", number),
                "mobile_l4": blind_index.last4_index("mobile", number), "is_primary": primary,
            }.values()))
    if connection.vendor == "postgresql":
        return count, _copy_lines(customers), _copy_lines(contacts)
    return count, customers, contacts


class Loader:
    """Writes the workers' chunks: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, connection):
        from kehu.customers.models import Contact, Customer

        self.connection = connection
        self.columns = {
            TABLES[0]: [f.column for f in _columns(Customer, with_id=True)],
            TABLES[1]: [f.column for f in _columns(Contact, with_id=False)],
        }
        self.dropped: list[str] = []

    def begin(self) -> None:
        if self.connection.vendor != "postgresql":
            return
        with self.connection.cursor() as cursor:
            # Secondary indexes (not those behind a primary key or unique constraint) are rebuilt after the
            # load. Their definitions are kept in the database too, so an interrupted load can be resumed.
            cursor.execute("CREATE TABLE IF NOT EXISTS bench_seed_indexes (definition text PRIMARY KEY)")
            cursor.execute("""
                SELECT i.indexname, i.indexdef FROM pg_indexes i
                WHERE i.tablename = ANY(%s) AND NOT EXISTS (
                    SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""", [list(TABLES)])
            for name, definition in cursor.fetchall():
                cursor.execute("INSERT INTO bench_seed_indexes VALUES (%s) ON CONFLICT DO NOTHING", [definition])
                cursor.execute(f'DROP INDEX "{name}"')
            cursor.execute("SELECT definition FROM bench_seed_indexes")
            self.dropped = [row[0] for row in cursor.fetchall()]
            cursor.execute("SET session_replication_role = replica")  # no FK triggers for this session's load
            cursor.execute("SET synchronous_commit = off")

    def write(self, customers, contacts) -> None:
        from django.db import transaction

        with transaction.atomic(), self.connection.cursor() as cursor:
            for table, rows in ((TABLES[0], customers), (TABLES[1], contacts)):
                columns = ", ".join(f'"{c}"' for c in self.columns[table])
                if self.connection.vendor == "postgresql":
                    with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                        copy.write(rows)
                else:
                    marks = ", ".join(["%s"] * len(self.columns[table]))
                    cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)

    def finish(self) -> None:
        if self.connection.vendor != "postgresql":
            return
        with self.connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")
            cursor.execute("SET maintenance_work_mem = '1GB'")
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{TABLES[0]}', 'id'), "
                           f"(SELECT MAX(id) FROM {TABLES[0]}))")
            for definition in self.dropped:
                began = time.perf_counter()
                cursor.execute(definition)
                print(f"  {definition[:90]}… {time.perf_counter() - began:.0f} s", flush=True)
            cursor.execute("DROP TABLE bench_seed_indexes")
            cursor.execute("VACUUM ANALYZE")


def seed_users():
    from kehu.org.factories import DepartmentFactory, UserFactory
    from kehu.org.models import User

    if User.objects.filter(username="seed_gm").exists():
        users = list(User.objects.filter(username__regex=r"^seed[0-9]+$").order_by("pk"))
        return [(user.pk, user.department_id) for user in users]
    root = DepartmentFactory(name="销售中心")
    departments = [DepartmentFactory(company=root.company, parent=root, name=f"销售{n}部") for n in range(DEPARTMENTS)]
    users = [UserFactory(username=f"seed{n}", employee_no=f"S{n:05d}", department=departments[n % DEPARTMENTS],
                         roles=["salesperson"]) for n in range(USERS)]
    UserFactory(username="seed_manager", employee_no="SM0001", department=root, roles=["sales_manager"])
    UserFactory(username="seed_gm", employee_no="SG0001", department=root, roles=["general_manager"])
    return [(user.pk, user.department_id) for user in users]


def share(first: int, last: int, owners: list[tuple[int, int]]) -> int:
    """One customer in SHARE_EVERY among ids first..last gets a team member (another salesperson)."""
    from kehu.customers.models import Customer, TeamMember

    rng = random.Random(first)
    rows = Customer._base_manager.filter(pk__gte=first, pk__lte=last, pk__in=range(first, last + 1, SHARE_EVERY))
    members = []
    for customer_id, owner_id in rows.values_list("pk", "owner_id"):
        user_id = rng.choice([pk for pk, _ in owners if pk != owner_id][:50])
        members.append(TeamMember(customer_id=customer_id, user_id=user_id))
    TeamMember.objects.bulk_create(members, batch_size=5_000, ignore_conflicts=True)
    return len(members)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rows", type=int)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--minutes", type=float, default=0, help="stop taking new chunks after this long (0: no limit)")
    options = parser.parse_args()
    setup(options.database_url)
    from django.core.management import call_command
    from django.db import connection, connections
    from django.db.models import Max

    from kehu.customers.models import Customer

    call_command("migrate", verbosity=0)
    rows = options.rows or (1_000_000 if connection.vendor == "postgresql" else 100_000)
    owners = seed_users()
    first = (Customer._base_manager.aggregate(top=Max("pk"))["top"] or 0) + 1
    chunks = [(start, min(CHUNK, first - 1 + rows - start), owners) for start in range(first - 1, first - 1 + rows, CHUNK)]
    connections.close_all()  # the workers are forked: none may inherit the parent's connection
    began, done = time.perf_counter(), 0
    names = all_company_names()
    with multiprocessing.get_context("fork").Pool(options.workers) as pool:
        batches = [names[i:i + 5_000] for i in range(0, len(names), 5_000)]
        for batch, computed in zip(batches, pool.imap(name_keys, batches), strict=True):
            NAME_KEYS.update(zip(batch, computed, strict=True))
    print(f"keys of {len(NAME_KEYS):,} distinct company names in {time.perf_counter() - began:.0f} s", flush=True)
    loader = Loader(connection)
    loader.begin()
    with multiprocessing.get_context("fork").Pool(options.workers) as pool:
        for count, customers, contacts in pool.imap(build_chunk, chunks):
            loader.write(customers, contacts)
            done += count
            elapsed = time.perf_counter() - began
            if done % 50_000 < CHUNK:
                print(f"{done:,} customers in {elapsed:.0f} s ({done / elapsed:,.0f}/s)", flush=True)
            if options.minutes and elapsed > options.minutes * 60:
                print(f"time box of {options.minutes} min reached", flush=True)
                pool.terminate()
                break
    loaded = time.perf_counter() - began
    shared = share(first, first + done - 1, owners)
    loader.finish()
    elapsed = time.perf_counter() - began
    print(f"seeded {done:,} customers, {2 * done:,} contacts and {shared:,} team members: loaded in {loaded:.0f} s "
          f"({done / loaded:,.0f} customers/s), {elapsed:.0f} s with indexes")


if __name__ == "__main__":
    main()
