from django.apps import AppConfig


class ProtectedAppConfig(AppConfig):
    """Test-only app: a real model carrying ProtectedFields, installed only under KEHU_PROFILE=test."""

    name = "tests.protected_app"
    label = "protected_app"
    default_auto_field = "django.db.models.BigAutoField"
