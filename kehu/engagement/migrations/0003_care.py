"""Notifications, care and customer events (REL-3, REL-5, REL-6); the field roles get their permissions."""

import django.db.models.deletion
import kehu.core.clock
from django.conf import settings
from django.db import migrations, models

from kehu.engagement.permissions_care import DEFAULT_GRANTS
from kehu.org.roles import grant_to_default_roles


def grant(apps, schema_editor):
    grant_to_default_roles(apps.get_model("org", "Role"), DEFAULT_GRANTS)


# Shipped care templates (REL-3), edited afterwards on 关怀模板; placeholders as in kehu.engagement.care.
TEMPLATES = [
    ("birthday", "生日祝福", "{name}，生日快乐", "{name}您好！今天是您的生日，{company}的朋友们祝您生日快乐、身体健康、万事如意。——{sender}"),
    ("spring_festival", "春节问候", "{company}：新春快乐", "{name}您好！值此新春佳节，感谢贵司一年来的信任与支持，恭祝阖家幸福、新年大吉。——{sender}"),
    ("mid_autumn", "中秋问候", "中秋快乐", "{name}您好！月圆人团圆，祝您和家人中秋快乐。感谢{company}一直以来的合作。——{sender}"),
    ("anniversary", "合作周年", "感谢{occasion}", "{name}您好！今天是我们与{company}{occasion}的日子，感谢一路同行，期待继续携手。——{sender}"),
]


def install_templates(apps, schema_editor):
    CareTemplate = apps.get_model("engagement", "CareTemplate")
    for occasion, name, subject, body in TEMPLATES:
        CareTemplate.objects.get_or_create(occasion=occasion, name=name, defaults={"subject": subject, "body": body})


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0011_access_alerts'),
        ('engagement', '0002_visits'),
        ('org', '0004_handover'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CareTemplate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('occasion', models.CharField(choices=[('birthday', '生日'), ('spring_festival', '春节'), ('mid_autumn', '中秋节'), ('holiday', '法定节假日'), ('anniversary', '合作周年')], max_length=20, verbose_name='场合')),
                ('name', models.CharField(max_length=60, verbose_name='名称')),
                ('subject', models.CharField(max_length=200, verbose_name='邮件主题')),
                ('body', models.TextField(verbose_name='内容')),
                ('active', models.BooleanField(default=True, verbose_name='启用')),
                ('updated_at', models.DateTimeField(default=kehu.core.clock.now, editable=False)),
            ],
            options={
                'verbose_name': '关怀模板',
                'verbose_name_plural': '关怀模板',
                'ordering': ['occasion', 'name', 'id'],
            },
        ),
        migrations.CreateModel(
            name='CareItem',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('occasion', models.CharField(choices=[('birthday', '生日'), ('spring_festival', '春节'), ('mid_autumn', '中秋节'), ('holiday', '法定节假日'), ('anniversary', '合作周年')], max_length=20, verbose_name='场合')),
                ('occasion_label', models.CharField(max_length=60)),
                ('on', models.DateField(verbose_name='日期')),
                ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='发送时间')),
                ('sent_channel', models.CharField(blank=True, max_length=10, verbose_name='方式')),
                ('message', models.TextField(blank=True, verbose_name='内容')),
                ('contact', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='care_items', to='customers.contact')),
                ('customer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='care_items', to='customers.customer')),
                ('sent_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('task', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='care', to='engagement.task')),
            ],
        ),
        migrations.CreateModel(
            name='Event',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('title', models.CharField(max_length=200, verbose_name='活动名称')),
                ('kind', models.CharField(choices=[('thanksgiving', '感恩活动'), ('seminar', '座谈会'), ('plant_visit', '参观考察'), ('other', '其他活动')], max_length=20, verbose_name='类型')),
                ('starts_at', models.DateTimeField(verbose_name='开始时间')),
                ('location', models.CharField(blank=True, max_length=200, verbose_name='地点')),
                ('description', models.TextField(blank=True, verbose_name='说明')),
                ('created_at', models.DateTimeField(default=kehu.core.clock.now, editable=False)),
                ('department', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.department', verbose_name='部门')),
                ('organiser', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='组织人')),
            ],
            options={
                'verbose_name': '客户活动',
                'verbose_name_plural': '客户活动',
                'ordering': ['-starts_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='Notification',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(max_length=30, verbose_name='类型')),
                ('title', models.CharField(max_length=200, verbose_name='标题')),
                ('body', models.TextField(blank=True, verbose_name='内容')),
                ('url', models.CharField(blank=True, max_length=500, verbose_name='链接')),
                ('created_at', models.DateTimeField(default=kehu.core.clock.now, editable=False, verbose_name='时间')),
                ('read_at', models.DateTimeField(blank=True, null=True, verbose_name='已读时间')),
                ('recipient', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': '通知',
                'verbose_name_plural': '通知',
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='Delivery',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('target', models.CharField(max_length=30, verbose_name='渠道')),
                ('status', models.CharField(choices=[('pending', '待发送'), ('sending', '发送中'), ('sent', '已发送'), ('failed', '失败（已停止重试）'), ('skipped', '未发送')], default='pending', max_length=10, verbose_name='状态')),
                ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='尝试次数')),
                ('next_attempt_at', models.DateTimeField(blank=True, null=True)),
                ('claimed_at', models.DateTimeField(blank=True, null=True)),
                ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='发送时间')),
                ('detail', models.TextField(blank=True, verbose_name='结果')),
                ('notification', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='engagement.notification')),
            ],
            options={
                'verbose_name': '通知发送记录',
                'verbose_name_plural': '通知发送记录',
                'ordering': ['-id'],
            },
        ),
        migrations.CreateModel(
            name='WebhookEndpoint',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=60, verbose_name='名称')),
                ('format', models.CharField(choices=[('wecom', '企业微信群机器人'), ('dingtalk', '钉钉自定义机器人'), ('feishu', '飞书自定义机器人'), ('json', '通用 JSON')], max_length=10, verbose_name='格式')),
                ('url_sealed', models.TextField(editable=False)),
                ('url_hint', models.CharField(editable=False, max_length=300, verbose_name='地址')),
                ('secret_sealed', models.TextField(blank=True, editable=False)),
                ('enabled', models.BooleanField(default=True, verbose_name='启用')),
                ('created_at', models.DateTimeField(default=kehu.core.clock.now, editable=False)),
                ('department', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='org.department', verbose_name='部门（含下级；空为全部）')),
            ],
            options={
                'verbose_name': '通知机器人',
                'verbose_name_plural': '通知机器人',
                'ordering': ['name', 'id'],
            },
        ),
        migrations.CreateModel(
            name='ChannelOptOut',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('channel', models.CharField(choices=[('email', '电子邮件'), ('webhook', '群机器人')], max_length=10)),
                ('created_at', models.DateTimeField(default=kehu.core.clock.now, editable=False)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notify_opt_outs', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('user', 'channel'), name='engagement_optout_unique')],
            },
        ),
        migrations.CreateModel(
            name='Invitation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('channel', models.CharField(choices=[('in_person', '当面邀请'), ('phone', '电话'), ('email', '电子邮件'), ('sms', '短信'), ('wechat', '微信')], max_length=10, verbose_name='邀请方式')),
                ('invited_at', models.DateTimeField(default=kehu.core.clock.now)),
                ('rsvp', models.CharField(choices=[('pending', '未回复'), ('accepted', '接受'), ('declined', '谢绝')], default='pending', max_length=10, verbose_name='回复')),
                ('attended', models.BooleanField(null=True, verbose_name='出席')),
                ('attendance_at', models.DateTimeField(blank=True, null=True)),
                ('contact', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='invitations', to='customers.contact', verbose_name='联系人')),
                ('customer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='invitations', to='customers.customer')),
                ('event', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='invitations', to='engagement.event')),
                ('invited_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': '活动邀请',
                'verbose_name_plural': '活动邀请',
                'ordering': ['customer__name', 'id'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('contact__isnull', False)), fields=('event', 'contact'), name='engagement_invitation_contact'), models.UniqueConstraint(condition=models.Q(('contact__isnull', True)), fields=('event', 'customer'), name='engagement_invitation_customer')],
            },
        ),
        migrations.AddIndex(
            model_name='notification',
            index=models.Index(fields=['recipient', 'read_at', '-created_at'], name='engagement_notif_inbox'),
        ),
        migrations.AddIndex(
            model_name='delivery',
            index=models.Index(fields=['status', 'next_attempt_at'], name='engagement_delivery_due'),
        ),
        migrations.AddConstraint(
            model_name='delivery',
            constraint=models.UniqueConstraint(fields=('notification', 'target'), name='engagement_delivery_unique'),
        ),
        migrations.RunPython(grant, migrations.RunPython.noop),
        migrations.RunPython(install_templates, migrations.RunPython.noop),
    ]
