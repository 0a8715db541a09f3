from django.urls import path

from kehu.service import views_analysis as views

app_name = "service_analysis"
urlpatterns = [
    path("", views.complaints, name="complaints"),
    path("sla/", views.sla, name="sla"),
    path("satisfaction/", views.satisfaction, name="satisfaction"),
]
