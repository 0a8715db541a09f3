"""The default ticket categories (SVC-2): installed once, then the administrators' to change. A category an
administrator already has under the same code is left as it is. The codes are spelled out (product_quality,
not quality) so they do not take the short codes a company or a test would choose for its own."""

from django.db import migrations

# (code, name, English name, default kind)
DEFAULT_CATEGORIES = [
    ("product_quality", "产品质量", "Product quality", "quality"),
    ("delivery_logistics", "交付物流", "Delivery and logistics", ""),
    ("installation_repair", "安装维修", "Installation and repair", "after_sales"),
    ("service_attitude", "服务态度", "Service attitude", "complaint"),
    ("price_billing", "价格账单", "Prices and billing", ""),
    ("consultation", "咨询", "Inquiry", "inquiry"),
    ("other_matters", "其他", "Other", ""),
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
