"""The public service page (SVC-8), mounted outside the login at /public/service/ (kehu/urls.py)."""

from django.urls import path

from kehu.service import views_public

app_name = "service_public"
urlpatterns = [
    path("", views_public.intake, name="intake"),
    path("status/", views_public.status, name="status"),
]
