#!/usr/bin/env python3
"""Pinyin search keys speed (INFO-6): how many names a second ``pinyin_keys`` turns into keys.

    .venv/bin/python benchmarks/pinyin_keys.py                 # 100,000 company names, 100,000 people
    .venv/bin/python benchmarks/pinyin_keys.py --names 20000

Names are synthetic but shaped like real ones: a city of the regions data set, a two-character
brand, an industry word and a legal-form suffix (杭州华信网络技术有限公司), one in ten with Latin
letters or digits (ABC科技); people are a surname (some read specially, 单 曾 解…) and a one- or
two-character given name. Also times a region search by pinyin initials. Prints figures; asserts
nothing (DESIGN.md: benchmarks are never timed assertions).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BRAND = "华信通达新中国金宏天安永恒东方海利泰源兴盛长城重行乐朝阳光明瑞德广发汇丰博远星辰"
INDUSTRY = ["科技", "网络技术", "贸易", "实业", "银行", "电子商务", "医药", "建设工程", "物流", "文化传媒", "投资管理"]
SUFFIX = ["有限公司", "股份有限公司", "集团有限公司", "有限责任公司", "分公司"]
LATIN = ["ABC", "IT", "3D", "5G", "TCL", "e家"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐单曾解区仇朴查"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志"


def company_names(count: int, rng: random.Random) -> list[str]:
    from kehu.core import regions

    cities = [city.name for province in regions.provinces() for city in regions.children(province.code)]
    names = []
    for _ in range(count):
        latin = rng.choice(LATIN) if rng.random() < 0.1 else ""
        brand = "".join(rng.choices(BRAND, k=2))
        names.append(f"{rng.choice(cities)}{latin}{brand}{rng.choice(INDUSTRY)}{rng.choice(SUFFIX)}")
    return names


def person_names(count: int, rng: random.Random) -> list[str]:
    return [rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2)))) for _ in range(count)]


def rate(label: str, names: list[str], person: bool) -> None:
    from kehu.core.pinyin import pinyin_keys

    started = time.perf_counter()
    keys = [pinyin_keys(name, person=person) for name in names]
    elapsed = time.perf_counter() - started
    lengths = [len(k.full) + len(k.initials_variants) for k in keys]
    print(
        f"{label}: {len(names):,} names in {elapsed:.2f} s = {len(names) / elapsed:,.0f} names/s "
        f"({elapsed / len(names) * 1e6:.0f} µs each); key length full+variants: "
        f"mean {statistics.mean(lengths):.0f}, max {max(lengths)} characters"
    )


def region_search(samples: int) -> None:
    from kehu.core import regions

    regions.search_regions("hz")  # the first search builds the pinyin index
    for query in ("hz", "xihu", "西湖"):
        times = []
        for _ in range(samples):
            started = time.perf_counter()
            regions.search_regions(query)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        print(f"search_regions({query!r}): p50 {times[len(times) // 2]:.1f} ms, p95 {times[int(len(times) * 0.95)]:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--names", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2260)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    from kehu.core import regions

    started = time.perf_counter()
    regions.provinces()
    print(f"regions data loaded in {(time.perf_counter() - started) * 1000:.0f} ms")
    rate("company names", company_names(args.names, rng), person=False)
    rate("person names (person=True)", person_names(args.names, rng), person=True)
    region_search(samples=50)


if __name__ == "__main__":
    main()
