"""Harden the audit tables.

- PostgreSQL: the guard raises SQLSTATE 23000 so Django reports an IntegrityError, as SQLite's
  RAISE(ABORT) already does, and callers handle one exception type on both databases.
- The chain head may only move forward, onto the hash of an existing entry, and is never deleted:
  without this, deleting the last rows and rolling the head back would go unnoticed by verify.
"""

from django.db import migrations

from kehu.core.vendor_sql import run_vendor_sql

SQLITE = [
    """CREATE TRIGGER compliance_audit_head_forward BEFORE UPDATE ON compliance_auditchainhead
       WHEN NEW.id IS NOT OLD.id OR NEW.seq <= OLD.seq
         OR NEW.hash IS NOT (SELECT hash FROM compliance_auditentry WHERE seq = NEW.seq)
       BEGIN SELECT RAISE(ABORT, 'audit chain head only moves forward onto an existing entry'); END""",
    """CREATE TRIGGER compliance_audit_head_no_delete BEFORE DELETE ON compliance_auditchainhead
       BEGIN SELECT RAISE(ABORT, 'audit chain head cannot be deleted'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS compliance_audit_head_forward",
    "DROP TRIGGER IF EXISTS compliance_audit_head_no_delete",
]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION compliance_audit_guard() RETURNS trigger AS $$
       BEGIN
         IF TG_OP = 'DELETE' AND OLD.occurred_at < now() - interval '180 days' THEN
           RETURN OLD;
         END IF;
         RAISE EXCEPTION 'audit log is append-only (% refused)', TG_OP
           USING ERRCODE = 'integrity_constraint_violation';
       END $$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE FUNCTION compliance_audit_head_guard() RETURNS trigger AS $$
       BEGIN
         IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.seq > OLD.seq AND NEW.hash IS NOT DISTINCT FROM
            (SELECT hash FROM compliance_auditentry WHERE seq = NEW.seq) THEN
           RETURN NEW;
         END IF;
         RAISE EXCEPTION 'audit chain head only moves forward onto an existing entry (% refused)', TG_OP
           USING ERRCODE = 'integrity_constraint_violation';
       END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER compliance_audit_head_guard BEFORE UPDATE OR DELETE ON compliance_auditchainhead
       FOR EACH ROW EXECUTE FUNCTION compliance_audit_head_guard()""",
    """CREATE TRIGGER compliance_audit_head_no_truncate BEFORE TRUNCATE ON compliance_auditchainhead
       FOR EACH STATEMENT EXECUTE FUNCTION compliance_audit_head_guard()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS compliance_audit_head_no_truncate ON compliance_auditchainhead",
    "DROP TRIGGER IF EXISTS compliance_audit_head_guard ON compliance_auditchainhead",
    "DROP FUNCTION IF EXISTS compliance_audit_head_guard()",
]


class Migration(migrations.Migration):
    dependencies = [("compliance", "0002_audit_append_only")]
    operations = [run_vendor_sql(sqlite=SQLITE, postgresql=POSTGRES,
                                 sqlite_reverse=SQLITE_REVERSE, postgresql_reverse=POSTGRES_REVERSE)]
