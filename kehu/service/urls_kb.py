"""/service/… pages of commitments, the handbook and the policy problem log (included in kehu/urls.py)."""

from django.urls import path

from kehu.service import views_kb as views

app_name = "service_kb"

urlpatterns = [
    path("customers/<int:customer_pk>/commitments/", views.commitment_new, name="commitment_new"),
    path("commitments/<int:pk>/", views.commitment_edit, name="commitment_edit"),
    path("commitments/<int:pk>/withdraw/", views.commitment_withdraw, name="commitment_withdraw"),
    path("handbook/", views.article_list, name="article_list"),
    path("handbook/new/", views.article_edit, name="article_new"),
    path("handbook/<int:pk>/", views.article_detail, name="article_detail"),
    path("handbook/<int:pk>/edit/", views.article_edit, name="article_edit"),
    path("problems/", views.problem_list, name="problem_list"),
    path("problems/<int:pk>/", views.problem_detail, name="problem_detail"),
]
