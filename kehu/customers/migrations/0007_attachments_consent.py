"""Attachments (INFO-10) and append-only consent records (PRIV-1), their permissions' default grants."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import kehu.core.clock
from kehu.core.vendor_sql import run_vendor_sql
from kehu.customers.permissions import ATTACHMENT_CONSENT_GRANTS
from kehu.org.roles import grant_to_default_roles

TABLE = "customers_consentrecord"
# The statement itself cannot be changed: a withdrawal is a new row. Re-parenting (customer_id,
# contact_id: a merge of duplicates) and DELETE (the cascade of an erased person) stay possible.
STATEMENT = ("purpose, channel, status, legal_basis, notice_version, collected_via, evidence, collected_by_id, "
             "collected_at, recorded_at")
SQLITE = [f"""CREATE TRIGGER customers_consent_no_update BEFORE UPDATE OF {STATEMENT} ON {TABLE}
              BEGIN SELECT RAISE(ABORT, 'consent records are append-only'); END"""]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS customers_consent_no_update"]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION customers_consent_guard() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'consent records are append-only (UPDATE refused)'; END $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER customers_consent_no_update BEFORE UPDATE OF {STATEMENT} ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION customers_consent_guard()""",
]
POSTGRES_REVERSE = [f"DROP TRIGGER IF EXISTS customers_consent_no_update ON {TABLE}",
                    "DROP FUNCTION IF EXISTS customers_consent_guard()"]


def grant(apps, schema_editor):
    grant_to_default_roles(apps.get_model("org", "Role"), ATTACHMENT_CONSENT_GRANTS)


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0006_merge_reviews'),
        ('org', '0002_default_roles'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Attachment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('licence', '营业执照'), ('contract', '合同'), ('photo', '照片'), ('other', '其他')], default='other', max_length=10, verbose_name='附件类型')),
                ('original_name', models.CharField(max_length=255, verbose_name='文件名')),
                ('stored_name', models.CharField(editable=False, max_length=64, unique=True)),
                ('file_type', models.CharField(max_length=10, verbose_name='文件格式')),
                ('content_type', models.CharField(max_length=100)),
                ('size', models.PositiveBigIntegerField(verbose_name='大小')),
                ('sha256', models.CharField(db_index=True, max_length=64)),
                ('description', models.CharField(blank=True, max_length=200, verbose_name='说明')),
                ('uploaded_at', models.DateTimeField(default=kehu.core.clock.now)),
                ('deleted_at', models.DateTimeField(blank=True, editable=False, null=True)),
                ('customer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='attachments', to='customers.customer')),
                ('deleted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('uploaded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': '附件',
                'verbose_name_plural': '附件',
                'ordering': ['-uploaded_at', '-id'],
                'indexes': [models.Index(fields=['customer', '-uploaded_at'], name='customers_a_custome_1bc7f9_idx')],
            },
        ),
        migrations.CreateModel(
            name='ConsentRecord',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('purpose', models.CharField(choices=[('marketing', '营销推广'), ('service', '客户服务与合同履行'), ('sensitive', '处理敏感个人信息'), ('sharing', '向第三方提供'), ('analytics', '数据分析与画像')], max_length=12, verbose_name='处理目的')),
                ('channel', models.CharField(blank=True, choices=[('phone', '电话'), ('sms', '短信'), ('email', '电子邮件'), ('wechat', '微信')], max_length=10, verbose_name='营销渠道')),
                ('status', models.CharField(choices=[('granted', '同意'), ('withdrawn', '撤回或拒绝')], max_length=10, verbose_name='状态')),
                ('legal_basis', models.CharField(choices=[('consent', '取得个人同意'), ('contract', '订立、履行合同所必需'), ('hr', '人力资源管理所必需'), ('legal_obligation', '履行法定职责或法定义务所必需'), ('emergency', '应对突发公共卫生事件或保护生命健康和财产安全所必需'), ('public_interest', '为公共利益实施新闻报道、舆论监督'), ('published', '处理已合法公开的个人信息'), ('other_law', '法律、行政法规规定的其他情形')], max_length=20, verbose_name='合法性基础')),
                ('notice_version', models.CharField(max_length=50, verbose_name='告知书版本')),
                ('collected_via', models.CharField(choices=[('paper', '纸质签字'), ('online', '网页或小程序勾选'), ('phone', '电话（录音）'), ('in_person', '当面'), ('email', '电子邮件'), ('wechat', '微信'), ('sms', '短信回复')], max_length=10, verbose_name='收集方式')),
                ('evidence', models.CharField(blank=True, max_length=200, verbose_name='凭证')),
                ('collected_at', models.DateTimeField(verbose_name='表示时间')),
                ('recorded_at', models.DateTimeField(default=kehu.core.clock.now)),
                ('collected_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='收集人')),
                ('contact', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='consents', to='customers.contact')),
                ('customer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='consents', to='customers.customer')),
            ],
            options={
                'verbose_name': '个人信息同意记录',
                'verbose_name_plural': '个人信息同意记录',
                'ordering': ['-id'],
                'indexes': [models.Index(fields=['customer', 'contact', 'purpose', 'channel', '-id'], name='customers_consent_latest')],
            },
        ),
        run_vendor_sql(sqlite=SQLITE, postgresql=POSTGRES, sqlite_reverse=SQLITE_REVERSE,
                       postgresql_reverse=POSTGRES_REVERSE),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
