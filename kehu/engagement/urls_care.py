from django.urls import path

from kehu.engagement import views_care as views

urlpatterns = [
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/badge/", views.notification_badge, name="notification_badge"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("notifications/preferences/", views.notification_preferences, name="notification_preferences"),
    path("webhooks/", views.webhook_list, name="webhooks"),
    path("webhooks/<int:pk>/", views.webhook_edit, name="webhook_edit"),
    path("webhooks/<int:pk>/test/", views.webhook_test, name="webhook_test"),
    path("care/", views.care_list, name="care_list"),
    path("care/<int:pk>/", views.care_detail, name="care_detail"),
    path("care/templates/", views.care_templates, name="care_templates"),
    path("care/templates/new/", views.care_template_edit, name="care_template_new"),
    path("care/templates/<int:pk>/", views.care_template_edit, name="care_template_edit"),
    path("events/", views.event_list, name="event_list"),
    path("events/<int:pk>/", views.event_detail, name="event_detail"),
    path("events/<int:pk>/invite/", views.event_invite, name="event_invite"),
    path("events/<int:pk>/invite/pick/", views.event_invite_pick, name="event_invite_pick"),
    path("events/invite/<int:customer_pk>/", views.customer_invite, name="customer_invite"),
    path("events/<int:pk>/invitations/<int:invitation_pk>/", views.event_respond, name="event_respond"),
]
