"""Pinyin search keys (INFO-6): full pinyin and initials for Chinese names."""

import pytest

from kehu.core.pinyin import FULL_PREFIX, FULL_SUBSTRING, INITIALS, matches, pinyin_keys

pytestmark = pytest.mark.req("INFO-6")


def test_full_pinyin_and_initials_of_a_company_name():
    keys = pinyin_keys("华为技术")
    assert keys.full == "huaweijishu"
    assert keys.initials == "hwjs"
    assert keys.initials_variants.split(" ")[0] == "hwjs"


def test_phrase_dictionary_picks_the_reading_of_the_word():
    assert pinyin_keys("中国银行").full == "zhongguoyinhang"
    assert pinyin_keys("重庆").full == "chongqing"


def test_polyphonic_initials_variants_start_with_the_likely_one_and_are_capped():
    variants = pinyin_keys("重庆").initials_variants.split(" ")
    assert variants[0] == "cq"
    assert "zq" in variants
    long_name = pinyin_keys("重庆长乐行朝阳单曾解区仇朴查")
    assert 1 < len(long_name.initials_variants.split(" ")) <= 4


def test_surname_readings_apply_to_person_names_only():
    assert pinyin_keys("单田芳", person=True).full == "shantianfang"
    assert pinyin_keys("单田芳", person=True).initials == "stf"
    assert pinyin_keys("曾国藩", person=True).initials == "zgf"
    assert pinyin_keys("尉迟恭", person=True).full == "yuchigong"
    # Not a person: the character keeps its everyday reading.
    assert pinyin_keys("单位").full == "danwei"
    # The everyday reading stays findable as a variant.
    assert "dtf" in pinyin_keys("单田芳", person=True).initials_variants.split(" ")


def test_non_han_text_is_kept_lower_case_without_punctuation():
    keys = pinyin_keys("ABC科技")
    assert (keys.full, keys.initials) == ("abckeji", "abckj")
    full_width = pinyin_keys("ＡＢＣ １２３ 科技（上海）有限公司!")
    assert full_width.full == "abc123kejishanghaiyouxiangongsi"
    assert full_width.initials == "abc123kjshyxgs"
    assert pinyin_keys("").full == ""


def test_matches_describes_how_a_query_finds_a_name():
    keys = pinyin_keys("华为技术")
    assert matches("huawei", keys) == FULL_PREFIX
    assert matches("jishu", keys) == FULL_SUBSTRING
    assert matches("hwjs", keys) == INITIALS
    assert matches("WJS", keys) == INITIALS
    assert matches("zq", pinyin_keys("重庆")) == INITIALS
    assert matches("alibaba", keys) is None
    assert matches("  ", keys) is None


def test_full_key_reads_every_character_as_pypinyin_normal_style_does():
    # The keys strip tone marks themselves (faster than Style.NORMAL); they must agree with it,
    # ü written as v (lv, nv) included.
    from pypinyin import lazy_pinyin
    from pypinyin.pinyin_dict import pinyin_dict

    sample = [chr(code) for code in list(pinyin_dict)[::7]] + ["绿", "女", "嗯", "略"]
    assert [pinyin_keys(ch).full for ch in sample] == ["".join(lazy_pinyin(ch)) for ch in sample]


def test_readings_cached_per_word_are_pypinyins_for_the_whole_name():
    # Company names repeat their words (有限公司, 银行, place names) and the keys cache each
    # segmented word's reading: a name read through the cache, cold or warm, reads as pypinyin
    # reads the whole name, polyphonic words (重庆, 银行, 长沙) and non-Han runs included.
    import random

    from pypinyin import Style, lazy_pinyin

    from kehu.core import pinyin

    words = ["重庆", "长沙", "银行", "华为", "技术", "有限公司", "股份", "ABC", "3D", "（上海）", "行长", "乐", "朝阳",
             "单位", "重要", "网络", "e家", "长城", "音乐", "银行行长"]
    rng = random.Random(6)
    names = ["".join(rng.choices(words, k=rng.randint(1, 5))) for _ in range(300)]
    pinyin._WordCache.convert.cache_clear()
    for _round in range(2):
        assert [pinyin._PINYIN.lazy_pinyin(n, style=Style.TONE, errors=pinyin._mark_foreign) for n in names] == [
            lazy_pinyin(n, style=Style.TONE, errors=pinyin._mark_foreign) for n in names]
    assert pinyin._WordCache.convert.cache_info().hits > len(names)
