from django.db import migrations

from kehu.customers.permissions import DEFAULT_GRANTS
from kehu.org.roles import grant_to_default_roles


def grant(apps, schema_editor):
    grant_to_default_roles(apps.get_model("org", "Role"), DEFAULT_GRANTS)


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial"), ("org", "0002_default_roles")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
