"""Field permissions per role (SEC-3): the matrix table, its shipped defaults, and the security
administrator's permission to edit it. Defaults are added, never overwritten (an administrator's
choice survives a re-run)."""

import django.db.models.deletion
import kehu.core.clock
from django.conf import settings
from django.db import migrations, models

from kehu.customers.field_access import DEFAULT_RULES
from kehu.customers.permissions import FIELD_POLICY
from kehu.org.roles import SECURITY_ADMIN, grant_to_default_roles


def seed(apps, schema_editor):
    Role = apps.get_model("org", "Role")
    FieldPermission = apps.get_model("customers", "FieldPermission")
    grant_to_default_roles(Role, {SECURITY_ADMIN: [FIELD_POLICY]})
    for code, rules in DEFAULT_RULES.items():
        role = Role.objects.filter(code=code).first()
        if role is None:
            continue
        for (entity, field), access in rules.items():
            FieldPermission.objects.get_or_create(role=role, entity=entity, field=field, defaults={"access": access})


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0004_search_indexes'),
        ('org', '0003_login_block'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='FieldPermission',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('entity', models.CharField(choices=[('customer', '客户'), ('contact', '联系人')], max_length=10, verbose_name='对象')),
                ('field', models.CharField(max_length=50, verbose_name='字段')),
                ('access', models.CharField(choices=[('hidden', '隐藏'), ('read', '只读'), ('once', '填写后只读'), ('edit', '可编辑')], default='edit', max_length=10, verbose_name='字段权限')),
                ('mask', models.CharField(choices=[('everywhere', '处处脱敏'), ('lists', '仅列表脱敏')], default='everywhere', max_length=12, verbose_name='脱敏方式')),
                ('updated_at', models.DateTimeField(default=kehu.core.clock.now)),
                ('role', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='field_permissions', to='org.role', verbose_name='角色')),
                ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': '字段权限',
                'verbose_name_plural': '字段权限',
                'ordering': ['role_id', 'entity', 'field'],
                'constraints': [models.UniqueConstraint(fields=('role', 'entity', 'field'), name='customers_fieldperm_unique')],
            },
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
