"""The default ticket categories (SVC-2): installed once, then the administrators' to change. A category an
administrator already has under the same code is left as it is."""

from django.db import migrations

# (code, name, English name, default kind)
DEFAULT_CATEGORIES = [
    ("quality", "产品质量", "Product quality", "quality"),
    ("logistics", "交付物流", "Delivery and logistics", ""),
    ("installation", "安装维修", "Installation and repair", "after_sales"),
    ("attitude", "服务态度", "Service attitude", "complaint"),
    ("pricing", "价格账单", "Prices and billing", ""),
    ("inquiry", "咨询", "Inquiry", "inquiry"),
    ("other", "其他", "Other", ""),
]


def install(apps, schema_editor):
    category = apps.get_model("service", "TicketCategory")
    for position, (code, name, name_en, kind) in enumerate(DEFAULT_CATEGORIES, start=1):
        category.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en, "kind": kind,
                                                            "position": position * 10})


class Migration(migrations.Migration):

    dependencies = [
        ("service", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(install, migrations.RunPython.noop),
    ]
