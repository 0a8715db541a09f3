"""The default policy: every number REQUIREMENTS.md marks *default*, as the schemas define them.

Version 1 of 客户管理制度 is created from ``DEFAULT_RULES`` by a data migration. It takes effect
at ``DEFAULT_EFFECTIVE_FROM``, well before any install, so every historical event imported into
Kehu finds a version in force.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from kehu.policy import schemas

DEFAULT_RULES: dict = schemas.dump(schemas.PolicyRules())
DEFAULT_EFFECTIVE_FROM = dt.datetime(2020, 1, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
DEFAULT_POLICY_CODE = "customer_management"
DEFAULT_POLICY_TITLE = "客户管理制度"
DEFAULT_SUMMARY = "系统预置版本：各项制度数值取推荐默认值。"
