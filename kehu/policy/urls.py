from django.urls import path

from kehu.policy import views

app_name = "policy"
urlpatterns = [
    path("", views.version_list, name="version_list"),
    path("<int:policy_pk>/versions/new/", views.version_new, name="version_new"),
    path("versions/<int:pk>/", views.version_detail, name="version_detail"),
    path("versions/<int:pk>/edit/", views.version_edit, name="version_edit"),
    path("versions/<int:pk>/submit/", views.version_submit, name="version_submit"),
    path("versions/<int:pk>/publish/", views.version_publish, name="version_publish"),
    path("versions/<int:pk>/reject/", views.version_reject, name="version_reject"),
    path("responsibilities/", views.responsibility_set, name="responsibility_set"),
]
