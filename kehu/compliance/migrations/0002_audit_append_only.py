"""The audit table refuses UPDATE always, and DELETE of rows younger than the 180-day legal floor
(Cybersecurity Law art. 21(3)); only the retention purge deletes, and only older rows."""

from django.db import migrations

from kehu.core.vendor_sql import run_vendor_sql

SQLITE = [
    """CREATE TRIGGER compliance_audit_no_update BEFORE UPDATE ON compliance_auditentry
       BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END""",
    """CREATE TRIGGER compliance_audit_no_early_delete BEFORE DELETE ON compliance_auditentry
       WHEN OLD.occurred_at > strftime('%Y-%m-%d %H:%M:%f', 'now', '-180 days')
       BEGIN SELECT RAISE(ABORT, 'audit rows younger than 180 days cannot be deleted'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS compliance_audit_no_update",
    "DROP TRIGGER IF EXISTS compliance_audit_no_early_delete",
]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION compliance_audit_guard() RETURNS trigger AS $$
       BEGIN
         IF TG_OP = 'DELETE' AND OLD.occurred_at < now() - interval '180 days' THEN
           RETURN OLD;
         END IF;
         RAISE EXCEPTION 'audit log is append-only (% refused)', TG_OP;
       END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER compliance_audit_guard BEFORE UPDATE OR DELETE ON compliance_auditentry
       FOR EACH ROW EXECUTE FUNCTION compliance_audit_guard()""",
    """CREATE TRIGGER compliance_audit_no_truncate BEFORE TRUNCATE ON compliance_auditentry
       FOR EACH STATEMENT EXECUTE FUNCTION compliance_audit_guard()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS compliance_audit_no_truncate ON compliance_auditentry",
    "DROP TRIGGER IF EXISTS compliance_audit_guard ON compliance_auditentry",
    "DROP FUNCTION IF EXISTS compliance_audit_guard()",
]


class Migration(migrations.Migration):
    dependencies = [("compliance", "0001_initial")]
    operations = [run_vendor_sql(sqlite=SQLITE, postgresql=POSTGRES,
                                 sqlite_reverse=SQLITE_REVERSE, postgresql_reverse=POSTGRES_REVERSE)]
