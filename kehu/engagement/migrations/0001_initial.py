"""Follow-ups and tasks (REL-1, REL-4, REL-6); the field roles get the engagement permissions."""

import django.db.models.deletion
import kehu.core.clock
from django.conf import settings
from django.db import migrations, models

from kehu.engagement.permissions import DEFAULT_GRANTS
from kehu.org.roles import grant_to_default_roles


def grant(apps, schema_editor):
    grant_to_default_roles(apps.get_model("org", "Role"), DEFAULT_GRANTS)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('customers', '0011_access_alerts'),
        ('org', '0004_handover'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='FollowUp',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('phone', '电话'), ('visit', '拜访'), ('email', '邮件'), ('wechat', '微信'), ('sms', '短信'), ('meeting', '会议'), ('event', '活动')], max_length=10, verbose_name='方式')),
                ('happened_at', models.DateTimeField(default=kehu.core.clock.now, verbose_name='跟进时间')),
                ('content', models.TextField(verbose_name='跟进内容')),
                ('outcome', models.TextField(blank=True, verbose_name='结果')),
                ('next_step', models.CharField(blank=True, max_length=200, verbose_name='下一步')),
                ('next_date', models.DateField(blank=True, null=True, verbose_name='下次跟进日期')),
                ('created_at', models.DateTimeField(default=kehu.core.clock.now, editable=False)),
                ('by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='followups', to=settings.AUTH_USER_MODEL, verbose_name='跟进人')),
                ('contact', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='followups', to='customers.contact', verbose_name='联系人')),
                ('customer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='followups', to='customers.customer')),
            ],
            options={
                'verbose_name': '跟进记录',
                'verbose_name_plural': '跟进记录',
                'ordering': ['-happened_at', '-id'],
                'indexes': [models.Index(fields=['customer', '-happened_at'], name='engagement_followup_customer'), models.Index(fields=['by', '-happened_at'], name='engagement_followup_by')],
            },
        ),
        migrations.CreateModel(
            name='Task',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(max_length=30, verbose_name='类型')),
                ('title', models.CharField(max_length=200, verbose_name='标题')),
                ('due_date', models.DateField(verbose_name='到期日')),
                ('status', models.CharField(choices=[('open', '待办'), ('done', '已完成'), ('cancelled', '已取消')], default='open', max_length=10, verbose_name='状态')),
                ('done_at', models.DateTimeField(blank=True, null=True, verbose_name='完成时间')),
                ('source_key', models.CharField(blank=True, max_length=200, null=True, unique=True)),
                ('created_at', models.DateTimeField(default=kehu.core.clock.now, editable=False)),
                ('assignee', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='engagement_tasks', to=settings.AUTH_USER_MODEL, verbose_name='负责人')),
                ('customer', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='engagement_tasks', to='customers.customer', verbose_name='客户')),
                ('done_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': '待办',
                'verbose_name_plural': '待办',
                'ordering': ['due_date', 'id'],
                'indexes': [models.Index(fields=['assignee', 'status', 'due_date'], name='engagement_task_assignee'), models.Index(fields=['customer', 'status'], name='engagement_task_customer')],
            },
        ),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
