"""客户管理制度 version 1: the default rules, published, in force from 2020-01-01 (Asia/Shanghai)."""

from django.db import migrations

from kehu.policy.defaults import (
    DEFAULT_EFFECTIVE_FROM,
    DEFAULT_POLICY_CODE,
    DEFAULT_POLICY_TITLE,
    DEFAULT_RULES,
    DEFAULT_SUMMARY,
)


def forwards(apps, schema_editor):
    Policy = apps.get_model("policy", "Policy")
    PolicyVersion = apps.get_model("policy", "PolicyVersion")
    Department = apps.get_model("org", "Department")
    # The group's first top-level department interprets the policy if the structure exists
    # already; on a fresh install there is none and the administrator sets it later.
    department = Department.objects.filter(company__parent=None, parent=None).order_by("id").first()
    policy, created = Policy.objects.get_or_create(
        code=DEFAULT_POLICY_CODE, defaults={"title": DEFAULT_POLICY_TITLE, "responsible_department": department})
    if created:
        PolicyVersion.objects.create(
            policy=policy, number=1, status="published", effective_from=DEFAULT_EFFECTIVE_FROM,
            rules=DEFAULT_RULES, summary=DEFAULT_SUMMARY, published_at=DEFAULT_EFFECTIVE_FROM)


class Migration(migrations.Migration):
    dependencies = [("policy", "0002_version_immutable"), ("org", "0002_default_roles")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
