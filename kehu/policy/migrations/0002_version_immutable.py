"""The database itself refuses to rewrite a published or retired policy version (POL-1): its rules,
effective time, number and policy never change, and its status may only go published → retired.
Drafts stay freely editable. This backs ``PolicyVersion.save`` against raw SQL and bulk updates."""

from django.db import migrations

from kehu.core.vendor_sql import run_vendor_sql

FROZEN_CHANGED = """
    OLD.status IN ('published', 'retired') AND (
        NEW.rules IS NOT OLD.rules OR NEW.effective_from IS NOT OLD.effective_from
        OR NEW.number IS NOT OLD.number OR NEW.policy_id IS NOT OLD.policy_id
        OR NEW.status NOT IN ('published', 'retired')
        OR (OLD.status = 'retired' AND NEW.status <> 'retired'))
"""
SQLITE = [
    f"""CREATE TRIGGER policy_version_immutable BEFORE UPDATE ON policy_policyversion
        WHEN {FROZEN_CHANGED}
        BEGIN SELECT RAISE(ABORT, 'published policy versions are immutable'); END""",
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS policy_version_immutable"]
POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION policy_version_guard() RETURNS trigger AS $$
        BEGIN
          IF {FROZEN_CHANGED.replace(" IS NOT ", " IS DISTINCT FROM ")} THEN
            RAISE EXCEPTION 'policy version % is % and immutable', OLD.id, OLD.status;
          END IF;
          RETURN NEW;
        END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER policy_version_immutable BEFORE UPDATE ON policy_policyversion
       FOR EACH ROW EXECUTE FUNCTION policy_version_guard()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS policy_version_immutable ON policy_policyversion",
    "DROP FUNCTION IF EXISTS policy_version_guard()",
]


class Migration(migrations.Migration):
    dependencies = [("policy", "0001_initial")]
    operations = [run_vendor_sql(sqlite=SQLITE, postgresql=POSTGRES,
                                 sqlite_reverse=SQLITE_REVERSE, postgresql_reverse=POSTGRES_REVERSE)]
