from django.urls import include, path

from kehu.engagement import views

app_name = "engagement"
urlpatterns = [
    path("my-day/", views.my_day, name="my_day"),
    path("", include("kehu.engagement.urls_care")),
]
