from django.urls import path

from kehu.compliance import views

app_name = "compliance"
urlpatterns = [
    path("", views.audit_list, name="audit_list"),
    path("<int:seq>/", views.audit_detail, name="audit_detail"),
]
