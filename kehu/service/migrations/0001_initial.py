"""Tickets, their events, categories, service commitments, the handbook and the policy problem log (SVC-1..9,
POL-4); the service permissions to their default roles."""

import django.db.models.deletion
import kehu.core.clock
import kehu.core.protected
import uuid
from django.conf import settings
from django.db import migrations, models

from kehu.org.roles import grant_to_default_roles
from kehu.service.permissions import DEFAULT_GRANTS


def grant(apps, schema_editor):
    grant_to_default_roles(apps.get_model("org", "Role"), DEFAULT_GRANTS)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('customers', '0011_access_alerts'),
        ('org', '0004_handover'),
        ('policy', '0003_default_policy'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='PolicyProblem',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('section', models.CharField(blank=True, max_length=40, verbose_name='相关制度章节')),
                ('description', models.TextField(verbose_name='问题描述')),
                ('status', models.CharField(choices=[('open', '待解决'), ('solved', '已解决'), ('declined', '不予处理')], default='open', max_length=10, verbose_name='状态')),
                ('solution', models.TextField(blank=True, verbose_name='解决办法')),
                ('solved_at', models.DateTimeField(blank=True, null=True, verbose_name='解决时间')),
                ('created_at', models.DateTimeField(default=kehu.core.clock.now, editable=False)),
                ('reported_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='报告人')),
                ('solved_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='解决人')),
            ],
            options={
                'verbose_name': '制度执行问题',
                'verbose_name_plural': '制度执行问题',
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='ServiceCommitment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('content', models.TextField(verbose_name='承诺内容')),
                ('standard', models.TextField(blank=True, verbose_name='服务标准')),
                ('response_hours', models.PositiveIntegerField(blank=True, null=True, verbose_name='响应时限（小时）')),
                ('resolution_hours', models.PositiveIntegerField(blank=True, null=True, verbose_name='解决时限（小时）')),
                ('valid_from', models.DateField(verbose_name='生效日期')),
                ('valid_until', models.DateField(blank=True, null=True, verbose_name='截止日期')),
                ('signed_by', models.CharField(blank=True, max_length=50, verbose_name='签署人')),
                ('created_at', models.DateTimeField(default=kehu.core.clock.now, editable=False)),
                ('withdrawn_at', models.DateTimeField(blank=True, null=True, verbose_name='撤销时间')),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('customer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='service_commitments', to='customers.customer', verbose_name='客户')),
            ],
            options={
                'verbose_name': '服务承诺书',
                'verbose_name_plural': '服务承诺书',
                'ordering': ['-valid_from', '-id'],
            },
        ),
        migrations.CreateModel(
            name='TicketCategory',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.SlugField(max_length=40, unique=True, verbose_name='编码')),
                ('name', models.CharField(max_length=50, verbose_name='名称')),
                ('name_en', models.CharField(blank=True, max_length=80, verbose_name='英文名称')),
                ('kind', models.CharField(blank=True, choices=[('inquiry', '咨询'), ('complaint', '投诉'), ('suggestion', '建议'), ('after_sales', '售后服务'), ('quality', '质量问题')], max_length=12, verbose_name='默认类型')),
                ('active', models.BooleanField(default=True, verbose_name='启用')),
                ('position', models.PositiveSmallIntegerField(default=0, verbose_name='排序')),
                ('default_handler', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='默认处理人')),
                ('team', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.department', verbose_name='处理团队')),
            ],
            options={
                'verbose_name': '工单分类',
                'verbose_name_plural': '工单分类',
                'ordering': ['position', 'id'],
            },
        ),
        migrations.CreateModel(
            name='Ticket',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('uid', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ('number', models.CharField(editable=False, max_length=20, unique=True, verbose_name='工单号')),
                ('kind', models.CharField(choices=[('inquiry', '咨询'), ('complaint', '投诉'), ('suggestion', '建议'), ('after_sales', '售后服务'), ('quality', '质量问题')], max_length=12, verbose_name='类型')),
                ('channel', models.CharField(choices=[('phone', '电话'), ('email', '电子邮件'), ('web_form', '在线表单'), ('in_app', '系统内'), ('wechat', '微信'), ('complaint_box', '门店投诉箱')], max_length=14, verbose_name='渠道')),
                ('severity', models.CharField(choices=[('critical', '特别重大'), ('major', '重大'), ('normal', '一般'), ('minor', '轻微')], default='normal', max_length=10, verbose_name='严重程度')),
                ('priority', models.CharField(choices=[('urgent', '紧急'), ('high', '高'), ('medium', '中'), ('low', '低')], max_length=10, verbose_name='优先级')),
                ('priority_rank', models.PositiveSmallIntegerField(editable=False)),
                ('strategic', models.BooleanField(default=False, verbose_name='战略客户')),
                ('customer_tier', models.CharField(blank=True, max_length=20, verbose_name='客户等级')),
                ('handle_first', models.BooleanField(default=False, verbose_name='先处理后分清责任')),
                ('title', models.CharField(max_length=200, verbose_name='标题')),
                ('description', models.TextField(verbose_name='问题描述')),
                ('product', models.CharField(blank=True, max_length=100, verbose_name='产品')),
                ('reporter_name', models.CharField(blank=True, max_length=50, verbose_name='反映人')),
                ('reporter_company', models.CharField(blank=True, max_length=200, verbose_name='反映人单位')),
                ('reporter_phone', kehu.core.protected.ProtectedField(bind_to='uid', blank=True, kind='mobile', verbose_name='联系电话')),
                ('reporter_phone_bidx', kehu.core.protected.BlindIndexField(source='reporter_phone')),
                ('reporter_phone_l4', kehu.core.protected.BlindIndexField(last4=True, source='reporter_phone')),
                ('reporter_email', kehu.core.protected.ProtectedField(bind_to='uid', blank=True, kind='email', verbose_name='电子邮箱')),
                ('reporter_email_bidx', kehu.core.protected.BlindIndexField(source='reporter_email')),
                ('status', models.CharField(choices=[('new', '新建'), ('assigned', '已分派'), ('in_progress', '处理中'), ('waiting', '等待客户'), ('resolved', '已解决'), ('closed', '已关闭'), ('reopened', '已重新打开')], default='new', max_length=12, verbose_name='状态')),
                ('opened_at', models.DateTimeField(default=kehu.core.clock.now, verbose_name='受理时间')),
                ('first_response_due', models.DateTimeField(verbose_name='首次响应时限')),
                ('first_response_at', models.DateTimeField(blank=True, null=True, verbose_name='首次响应时间')),
                ('resolution_due', models.DateTimeField(verbose_name='解决时限')),
                ('pauses', models.JSONField(blank=True, default=list, editable=False)),
                ('sla_state', models.CharField(choices=[('on_track', '正常'), ('due_soon', '即将超时'), ('breached', '已超时'), ('met', '按时完成')], default='on_track', max_length=10, verbose_name='时限状态')),
                ('response_state', models.CharField(choices=[('on_track', '正常'), ('due_soon', '即将超时'), ('breached', '已超时'), ('met', '按时完成')], default='on_track', max_length=10, verbose_name='响应状态')),
                ('escalated_to', models.CharField(blank=True, max_length=40, verbose_name='已升级至')),
                ('escalated_at', models.DateTimeField(blank=True, null=True, verbose_name='升级时间')),
                ('cause', models.TextField(blank=True, verbose_name='原因分析')),
                ('solution', models.TextField(blank=True, verbose_name='解决方案')),
                ('customer_feedback', models.TextField(blank=True, verbose_name='反馈客户内容')),
                ('feedback_at', models.DateTimeField(blank=True, null=True, verbose_name='反馈时间')),
                ('resolved_at', models.DateTimeField(blank=True, null=True, verbose_name='解决时间')),
                ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='关闭时间')),
                ('closed_by_customer', models.BooleanField(default=False, verbose_name='客户确认关闭')),
                ('reopen_count', models.PositiveSmallIntegerField(default=0, verbose_name='重开次数')),
                ('repeat', models.BooleanField(default=False, verbose_name='重复投诉')),
                ('satisfaction', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='满意度')),
                ('rating_comment', models.TextField(blank=True, verbose_name='回访意见')),
                ('rated_at', models.DateTimeField(blank=True, null=True, verbose_name='回访时间')),
                ('updated_at', models.DateTimeField(default=kehu.core.clock.now)),
                ('commitment', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='tickets', to='service.servicecommitment', verbose_name='服务承诺')),
                ('contact', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='tickets', to='customers.contact', verbose_name='联系人')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='登记人')),
                ('customer', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='tickets', to='customers.customer', verbose_name='客户')),
                ('department', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.department', verbose_name='处理团队')),
                ('policy_version', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='policy.policyversion', verbose_name='制度版本')),
                ('rated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='回访人')),
                ('responsible', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='service_tickets', to=settings.AUTH_USER_MODEL, verbose_name='责任人')),
                ('category', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='tickets', to='service.ticketcategory', verbose_name='分类')),
            ],
            options={
                'verbose_name': '服务工单',
                'verbose_name_plural': '服务工单',
                'ordering': ['-opened_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='HandbookArticle',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('title', models.CharField(max_length=200, verbose_name='标题')),
                ('problem', models.TextField(verbose_name='问题')),
                ('solution', models.TextField(verbose_name='解决办法')),
                ('keywords', models.CharField(blank=True, max_length=200, verbose_name='关键词')),
                ('published', models.BooleanField(default=True, verbose_name='已发布')),
                ('created_at', models.DateTimeField(default=kehu.core.clock.now, editable=False)),
                ('updated_at', models.DateTimeField(default=kehu.core.clock.now)),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('source_problem', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='article', to='service.policyproblem', verbose_name='来源问题')),
                ('categories', models.ManyToManyField(blank=True, related_name='articles', to='service.ticketcategory', verbose_name='适用分类')),
            ],
            options={
                'verbose_name': '问题解决手册条目',
                'verbose_name_plural': '问题解决手册',
                'ordering': ['-updated_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='TicketEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(default=kehu.core.clock.now)),
                ('action', models.CharField(max_length=30, verbose_name='动作')),
                ('from_status', models.CharField(blank=True, max_length=12)),
                ('to_status', models.CharField(blank=True, max_length=12)),
                ('note', models.TextField(blank=True, verbose_name='说明')),
                ('by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('ticket', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='service.ticket')),
            ],
            options={
                'verbose_name': '工单记录',
                'verbose_name_plural': '工单记录',
                'ordering': ['at', 'id'],
            },
        ),
        migrations.AddIndex(
            model_name='policyproblem',
            index=models.Index(fields=['status', '-created_at'], name='service_problem_status'),
        ),
        migrations.AddIndex(
            model_name='servicecommitment',
            index=models.Index(fields=['customer', 'valid_from'], name='service_commitment_customer'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['status', '-strategic', 'priority_rank', 'resolution_due'], name='service_ticket_queue'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['department', 'status'], name='service_ticket_team'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['responsible', 'status'], name='service_ticket_person'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['customer', '-opened_at'], name='service_ticket_customer'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['sla_state', 'status'], name='service_ticket_sla'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['category', 'opened_at'], name='service_ticket_category'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['opened_at'], name='service_ticket_opened'),
        ),
        migrations.AddConstraint(
            model_name='ticket',
            constraint=models.CheckConstraint(condition=models.Q(('satisfaction__isnull', True), models.Q(('satisfaction__gte', 1), ('satisfaction__lte', 5)), _connector='OR'), name='service_ticket_rating_1_5'),
        ),
        migrations.AddIndex(
            model_name='ticketevent',
            index=models.Index(fields=['ticket', 'at'], name='service_event_ticket'),
        ),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
