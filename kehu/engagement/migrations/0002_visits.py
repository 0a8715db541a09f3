"""Visit plans, visit reports and their intelligence (REL-2, POL-3); the visit permissions to their roles."""

import django.db.models.deletion
import kehu.core.clock
from django.conf import settings
from django.db import migrations, models

from kehu.engagement.permissions import VISIT_GRANTS
from kehu.org.roles import grant_to_default_roles


def grant(apps, schema_editor):
    grant_to_default_roles(apps.get_model("org", "Role"), VISIT_GRANTS)


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0011_access_alerts'),
        ('engagement', '0001_initial'),
        ('org', '0002_default_roles'),
        ('policy', '0003_default_policy'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='VisitReport',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('visited_on', models.DateField(verbose_name='拜访日期')),
                ('customer_attendees', models.CharField(blank=True, max_length=300, verbose_name='客户方参加人')),
                ('feedback', models.TextField(blank=True, verbose_name='客户反馈')),
                ('attendees', models.ManyToManyField(blank=True, related_name='visits_attended', to=settings.AUTH_USER_MODEL, verbose_name='我方参加人')),
                ('followup', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='visit_report', to='engagement.followup')),
            ],
            options={
                'verbose_name': '拜访报告',
                'verbose_name_plural': '拜访报告',
            },
        ),
        migrations.CreateModel(
            name='VisitIntel',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('personnel', '人事变动'), ('problem', '问题'), ('demand', '产品需求'), ('competitor', '竞争对手动态')], max_length=12, verbose_name='类别')),
                ('detail', models.TextField(verbose_name='内容')),
                ('report', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='intel', to='engagement.visitreport')),
            ],
            options={
                'verbose_name': '拜访情报',
                'verbose_name_plural': '拜访情报',
                'ordering': ['id'],
            },
        ),
        migrations.CreateModel(
            name='VisitPlan',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('rule', models.CharField(max_length=90, verbose_name='拜访规则')),
                ('visitor', models.CharField(max_length=50, verbose_name='拜访人')),
                ('period', models.CharField(max_length=10, verbose_name='周期')),
                ('period_start', models.DateField(verbose_name='周期开始')),
                ('period_end', models.DateField(verbose_name='周期结束')),
                ('due_on', models.DateField(verbose_name='应拜访日期')),
                ('status', models.CharField(choices=[('open', '待拜访'), ('done', '已拜访'), ('missed', '未按期拜访'), ('superseded', '已按新制度重排')], default='open', max_length=10, verbose_name='状态')),
                ('visited_on', models.DateField(blank=True, null=True, verbose_name='拜访日期')),
                ('created_at', models.DateTimeField(default=kehu.core.clock.now, editable=False)),
                ('updated_at', models.DateTimeField(default=kehu.core.clock.now)),
                ('customer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='visit_plans', to='customers.customer', verbose_name='客户')),
                ('department', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.department', verbose_name='所属部门')),
                ('policy_version', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='policy.policyversion', verbose_name='制度版本')),
                ('responsible', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='visit_plans', to=settings.AUTH_USER_MODEL, verbose_name='负责拜访')),
                ('visit', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='fulfilled_plans', to='engagement.followup', verbose_name='拜访记录')),
            ],
            options={
                'verbose_name': '拜访计划',
                'verbose_name_plural': '拜访计划',
                'ordering': ['due_on', 'id'],
                'indexes': [models.Index(fields=['responsible', 'status', 'due_on'], name='engagement_visitplan_person'), models.Index(fields=['rule', 'period_start', 'status'], name='engagement_visitplan_rule'), models.Index(fields=['status', 'period_end'], name='engagement_visitplan_open'), models.Index(fields=['customer', 'rule', '-period_start'], name='engagement_visitplan_customer')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('status', 'superseded'), _negated=True), fields=('customer', 'rule', 'period', 'period_start'), name='engagement_visitplan_once')],
            },
        ),
        migrations.AddIndex(
            model_name='visitreport',
            index=models.Index(fields=['visited_on'], name='engagement_visitreport_on'),
        ),
        migrations.AddIndex(
            model_name='visitintel',
            index=models.Index(fields=['kind', 'report'], name='engagement_visitintel_kind'),
        ),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
