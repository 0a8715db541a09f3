"""The rating URL (FB-2), included into kehu/service/urls.py's "service" namespace."""

from django.urls import path

from kehu.service import views_rating

urlpatterns = [
    path("tickets/<int:pk>/rate/", views_rating.ticket_rate, name="ticket_rate"),
]
