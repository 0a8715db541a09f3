"""Merge of duplicates (INFO-5: merged_into) and data reviews (INFO-7: CustomerReview)."""

import django.db.models.deletion
import kehu.core.clock
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0005_field_access'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='customer',
            name='merged_into',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='customers.customer'),
        ),
        migrations.CreateModel(
            name='CustomerReview',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reviewed_at', models.DateTimeField(default=kehu.core.clock.now)),
                ('note', models.TextField(blank=True, verbose_name='核实说明')),
                ('confirmed_unchanged', models.BooleanField(default=False, verbose_name='资料无变化')),
                ('policy_version', models.PositiveIntegerField(blank=True, null=True)),
                ('days_overdue', models.IntegerField(default=0)),
                ('customer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reviews', to='customers.customer')),
                ('reviewed_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': '资料核实',
                'verbose_name_plural': '资料核实',
                'ordering': ['-reviewed_at', '-id'],
                'indexes': [models.Index(fields=['customer', '-reviewed_at'], name='customers_c_custome_b4065a_idx')],
            },
        ),
    ]
