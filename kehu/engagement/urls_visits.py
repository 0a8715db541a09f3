from django.urls import path

from kehu.engagement import views_visits as views

app_name = "visits"
urlpatterns = [
    path("", views.plan_list, name="plans"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("record/<int:customer_pk>/", views.record, name="record"),
    path("compliance/", views.compliance, name="compliance"),
    path("compliance/recontact/", views.compliance_recontact, name="compliance_recontact"),
    path("compliance/<str:rule>/", views.compliance_rule, name="compliance_rule"),
]
