from django.urls import path

from kehu.engagement import views

app_name = "engagement"
urlpatterns = [
    path("my-day/", views.my_day, name="my_day"),
]
