"""Harden the audit tables.

- PostgreSQL: the guard raises SQLSTATE 23000 so Django reports an IntegrityError, as SQLite's
  RAISE(ABORT) already does, and callers handle one exception type on both databases.
- The chain head may only move forward, onto the hash of an existing entry, and is never deleted:
  without this, deleting the last rows and rolling the head back would go unnoticed by verify.
"""

from django.db import migrations

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


def forwards(apps, schema_editor):
    for statement in {"sqlite": SQLITE, "postgresql": POSTGRES}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)  # None: the plpgsql bodies contain a literal %


def backwards(apps, schema_editor):
    for statement in {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)  # None: the plpgsql bodies contain a literal %


class Migration(migrations.Migration):
    dependencies = [("compliance", "0002_audit_append_only")]
    operations = [migrations.RunPython(forwards, backwards)]
