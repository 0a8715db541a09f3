from django.urls import path

from kehu.web import regions, views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("health", views.health, name="health"),
    path("regions/options", regions.region_options, name="region_options"),
]
