from django.db import migrations

from kehu.org.roles import ensure_default_roles


def create_roles(apps, schema_editor):
    ensure_default_roles(apps.get_model("org", "Role"))


class Migration(migrations.Migration):
    dependencies = [("org", "0001_initial")]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
