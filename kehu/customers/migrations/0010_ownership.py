"""Customer ownership (OWN-1..4): public pools, the ownership history, the lock, and the rule that a
customer has exactly one owner or sits in a pool.

Customers without an owner move into the default pool ("公共公海", created here) before the check is
added. PostgreSQL gets a CHECK constraint; on SQLite, where adding one rebuilds the table (dropping the
search triggers of migrations 0004 and 0009), two triggers refuse the same rows, and ``locked`` is added
with a plain ``ALTER TABLE … ADD COLUMN`` for the same reason. The model state carries the CHECK, so a
table SQLite rebuilds later has it in its definition.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import kehu.core.clock
from kehu.core.vendor_sql import run_vendor_sql
from kehu.customers.permissions import OWNERSHIP_GRANTS
from kehu.org.roles import grant_to_default_roles

TABLE = "customers_customer"
CHECK = "customers_owner_xor_pool"
NEITHER_OR_BOTH = "(new.owner_id IS NULL) = (new.pool_id IS NULL)"
SQLITE = [
    f"""CREATE TRIGGER {CHECK}_insert BEFORE INSERT ON {TABLE} WHEN {NEITHER_OR_BOTH}
        BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {CHECK}'); END""",
    f"""CREATE TRIGGER {CHECK}_update BEFORE UPDATE OF owner_id, pool_id ON {TABLE} WHEN {NEITHER_OR_BOTH}
        BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {CHECK}'); END""",
]
SQLITE_REVERSE = [f"DROP TRIGGER IF EXISTS {CHECK}_update", f"DROP TRIGGER IF EXISTS {CHECK}_insert"]
POSTGRES = [f"ALTER TABLE {TABLE} ADD CONSTRAINT {CHECK} CHECK ((owner_id IS NOT NULL AND pool_id IS NULL) "
            "OR (owner_id IS NULL AND pool_id IS NOT NULL))"]
POSTGRES_REVERSE = [f"ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS {CHECK}"]

DEFAULT_POOL = {"code": "public", "name": "公共公海", "name_en": "Public pool", "is_default": True,
                "description": "未指定公海的部门，其客户退回到这里。"}


def default_pool(apps, schema_editor):
    """The default pool, and every customer without an owner in it."""
    Pool = apps.get_model("customers", "Pool")
    Customer = apps.get_model("customers", "Customer")
    pool = Pool.objects.filter(is_default=True).first() or Pool.objects.create(**DEFAULT_POOL)
    Customer._base_manager.filter(owner__isnull=True, pool__isnull=True).update(pool=pool)


def grant(apps, schema_editor):
    grant_to_default_roles(apps.get_model("org", "Role"), OWNERSHIP_GRANTS)

class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0009_search_bigrams'),
        ('org', '0003_login_block'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddField(
                model_name='customer', name='locked', field=models.BooleanField(default=False, verbose_name='已锁定'))],
            database_operations=[migrations.RunSQL(
                f"ALTER TABLE {TABLE} ADD COLUMN locked boolean NOT NULL DEFAULT false",
                f"ALTER TABLE {TABLE} DROP COLUMN locked")],
        ),
        migrations.CreateModel(
            name='Pool',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(default=kehu.core.clock.now, editable=False, verbose_name='创建时间')),
                ('updated_at', models.DateTimeField(default=kehu.core.clock.now, editable=False, verbose_name='更新时间')),
                ('code', models.SlugField(max_length=40, unique=True, verbose_name='公海编码')),
                ('name', models.CharField(max_length=50, verbose_name='公海名称')),
                ('name_en', models.CharField(blank=True, max_length=80, verbose_name='英文名称')),
                ('description', models.CharField(blank=True, max_length=200, verbose_name='说明')),
                ('is_default', models.BooleanField(default=False, verbose_name='默认公海')),
                ('active', models.BooleanField(default=True, verbose_name='启用')),
                ('admins', models.ManyToManyField(blank=True, related_name='administered_pools', to=settings.AUTH_USER_MODEL, verbose_name='管理员')),
                ('member_departments', models.ManyToManyField(blank=True, related_name='pools', to='org.department', verbose_name='成员（部门及下级部门）')),
                ('member_users', models.ManyToManyField(blank=True, related_name='pools', to=settings.AUTH_USER_MODEL, verbose_name='成员（用户）')),
            ],
            options={
                'verbose_name': '公海',
                'verbose_name_plural': '公海',
                'ordering': ['-is_default', 'code'],
            },
        ),
        migrations.CreateModel(
            name='OwnershipChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('claim', '领取'), ('assign', '分配'), ('transfer', '转移'), ('release', '退回公海'), ('return_to_pool', '自动退回公海'), ('lock', '锁定'), ('unlock', '解锁'), ('handover', '离职交接')], max_length=16, verbose_name='变更类型')),
                ('reason', models.TextField(blank=True, verbose_name='原因')),
                ('rule', models.CharField(blank=True, max_length=30, verbose_name='规则')),
                ('policy_version', models.PositiveIntegerField(blank=True, null=True)),
                ('at', models.DateTimeField(default=kehu.core.clock.now)),
                ('batch', models.UUIDField(blank=True, editable=False, null=True)),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('customer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='ownership_changes', to='customers.customer')),
                ('from_owner', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('to_owner', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('pool', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='customers.pool')),
            ],
            options={
                'verbose_name': '客户归属变更',
                'verbose_name_plural': '客户归属变更',
                'ordering': ['-at', '-id'],
            },
        ),
        migrations.AddField(
            model_name='customer',
            name='pool',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='customers', to='customers.pool', verbose_name='所在公海'),
        ),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(fields=['pool', '-id'], name='customers_pool_recent'),
        ),
        migrations.RunPython(default_pool, migrations.RunPython.noop),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddConstraint(
                model_name='customer',
                constraint=models.CheckConstraint(condition=models.Q(models.Q(('owner__isnull', False), ('pool__isnull', True)), models.Q(('owner__isnull', True), ('pool__isnull', False)), _connector='OR'), name='customers_owner_xor_pool'),
            )],
            database_operations=[run_vendor_sql(sqlite=SQLITE, postgresql=POSTGRES, sqlite_reverse=SQLITE_REVERSE,
                                                postgresql_reverse=POSTGRES_REVERSE)],
        ),
        migrations.AddConstraint(
            model_name='pool',
            constraint=models.UniqueConstraint(condition=models.Q(('is_default', True)), fields=('is_default',), name='customers_pool_one_default'),
        ),
        migrations.AddIndex(
            model_name='ownershipchange',
            index=models.Index(fields=['customer', '-at'], name='customers_o_custome_fe2259_idx'),
        ),
        migrations.AddIndex(
            model_name='ownershipchange',
            index=models.Index(fields=['to_owner', 'kind', '-at'], name='customers_o_to_owne_f409fd_idx'),
        ),
        migrations.AddIndex(
            model_name='ownershipchange',
            index=models.Index(fields=['from_owner', 'customer', '-at'], name='customers_o_from_ow_556d88_idx'),
        ),
        migrations.AddIndex(
            model_name='ownershipchange',
            index=models.Index(condition=models.Q(('batch__isnull', False)), fields=['batch'], name='customers_ownership_batch'),
        ),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
