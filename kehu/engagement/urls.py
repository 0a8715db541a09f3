from django.urls import include, path

from kehu.engagement import views

app_name = "engagement"
urlpatterns = [
    path("my-day/", views.my_day, name="my_day"),
    path("followups/", views.followup_list, name="followups"),
    path("followups/new/<int:customer_pk>/", views.followup_new, name="followup_new"),
    path("tasks/<int:pk>/done/", views.task_done, name="task_done"),
    path("", include("kehu.engagement.urls_care")),
]
