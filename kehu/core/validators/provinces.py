"""Province-level administrative division codes (GB/T 2260), the first two digits of a division code.

Only the province level is needed here: it is what an ID number or a credit code can be checked against
without the full, yearly-changing county list (that data set lives with the region picker).
"""

from __future__ import annotations

PROVINCE_CODES: frozenset[str] = frozenset(
    {
        "11", "12", "13", "14", "15",  # 北京 天津 河北 山西 内蒙古
        "21", "22", "23",  # 辽宁 吉林 黑龙江
        "31", "32", "33", "34", "35", "36", "37",  # 上海 江苏 浙江 安徽 福建 江西 山东
        "41", "42", "43", "44", "45", "46",  # 河南 湖北 湖南 广东 广西 海南
        "50", "51", "52", "53", "54",  # 重庆 四川 贵州 云南 西藏
        "61", "62", "63", "64", "65",  # 陕西 甘肃 青海 宁夏 新疆
        "71",  # 台湾 (GB/T 2260)
        "81", "82",  # 香港 澳门: also the prefix of their residents' residence permits (810000, 820000)
        "83",  # 台湾居民居住证 (830000), issued since 2018
    }
)
