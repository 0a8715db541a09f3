#!/usr/bin/env python3
"""Seed N customers with two contacts each for the customer search benchmark (INFO-6).

    .venv/bin/python benchmarks/customers_seed.py --rows 100000 --database-url sqlite:////tmp/kehu_bench.sqlite3
    .venv/bin/python benchmarks/customers_seed.py --rows 1000000 \\
        --database-url postgres://postgres@127.0.0.1:5432/kehu_bench              # an empty PostgreSQL database

Every row is real: names are generated (place + stem + trade + suffix), search keys come from
kehu.customers.keys, mobiles are encrypted and blind-indexed through the model fields (bulk_create),
and owners are spread over 300 users in 20 departments under one root (a department tree).
Workers (``--workers``) compute keys and encrypt chunks in parallel; the parent inserts. Prints the rate.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

USERS, DEPARTMENTS, CHUNK = 300, 20, 2_000
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
CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def setup(database_url: str) -> None:
    os.environ["KEHU_DATABASE_URL"] = database_url
    os.environ.setdefault("KEHU_PROFILE", "test")  # dev/test keys; never point this at production
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.settings")
    import django

    django.setup()


def company_name(rng: random.Random) -> str:
    return rng.choice(PLACES) + rng.choice(STEMS) + rng.choice(TRADES) + rng.choice(SUFFIXES)


def credit_code(rng: random.Random) -> str:
    return "91" + "".join(rng.choice(CODE_CHARS) for _ in range(16))


def mobile(rng: random.Random) -> str:
    return "1" + rng.choice("3589") + "".join(rng.choice("0123456789") for _ in range(9))


def build_chunk(args: tuple[int, int, list[tuple[int, int]]]):
    """Customers and contacts of one chunk, keys computed and values encrypted (runs in a worker)."""
    start, count, owners = args
    from kehu.customers.keys import set_contact_keys, set_customer_keys
    from kehu.customers.models import Contact, Customer

    rng = random.Random(start)
    customers, contacts = [], []
    for _ in range(count):
        owner_id, department_id = rng.choice(owners)
        customer = Customer(name=company_name(rng), credit_code=credit_code(rng), owner_id=owner_id,
                            department_id=department_id, tier=rng.choice(["potential", "normal", "key"]))
        set_customer_keys(customer)
        customers.append(customer)
        for primary in (True, False):
            contact = Contact(name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(("", *GIVEN)),
                              mobile=mobile(rng), is_primary=primary)
            set_contact_keys(contact)
            contacts.append(contact)
    # Encrypt here, in the worker: the sealed token travels back with the instance, so the parent's
    # bulk_create only stores it (and recomputes the cheap blind-index HMACs).
    for obj in [*customers, *contacts]:
        if obj.mobile:
            obj.mobile.sealed()
    return customers, contacts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rows", type=int)
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()
    setup(options.database_url)
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    from kehu.customers.models import Customer
    from kehu.org.factories import DepartmentFactory, UserFactory
    from kehu.org.models import User

    rows = options.rows or (1_000_000 if connection.vendor == "postgresql" else 100_000)
    root = DepartmentFactory(name="销售中心")
    departments = [DepartmentFactory(company=root.company, parent=root, name=f"销售{n}部") for n in range(DEPARTMENTS)]
    users = [UserFactory(username=f"seed{n}", employee_no=f"S{n:05d}", department=departments[n % DEPARTMENTS],
                         roles=["salesperson"]) for n in range(USERS)]
    UserFactory(username="seed_manager", employee_no="SM0001", department=root, roles=["sales_manager"])
    UserFactory(username="seed_gm", employee_no="SG0001", department=root, roles=["general_manager"])
    owners = [(user.pk, user.department_id) for user in users]
    assert User.objects.filter(username__startswith="seed").count() == USERS + 2

    chunks = [(start, min(CHUNK, rows - start), owners) for start in range(0, rows, CHUNK)]
    began, done = time.perf_counter(), 0
    with multiprocessing.get_context("fork").Pool(options.workers) as pool:
        for customers, contacts in pool.imap(build_chunk, chunks):
            with transaction.atomic():
                Customer.objects.bulk_create(customers, batch_size=1_000)
                for index, contact in enumerate(contacts):
                    contact.customer = customers[index // 2]
                type(contacts[0]).objects.bulk_create(contacts, batch_size=1_000)
            done += len(customers)
            if done % 50_000 < CHUNK:
                elapsed = time.perf_counter() - began
                print(f"{done:,} customers in {elapsed:.0f} s ({done / elapsed:,.0f}/s)", flush=True)
    elapsed = time.perf_counter() - began
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"seeded {done:,} customers and {2 * done:,} contacts in {elapsed:.0f} s ({done / elapsed:,.0f} customers/s)")


if __name__ == "__main__":
    main()
