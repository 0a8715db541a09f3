from django.urls import path

from kehu.customers import views, views_alerts, views_fields, views_merge, views_review

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("search/", views.customer_search, name="search"),
    path("new/", views.customer_new, name="new"),
    path("stale/", views_review.stale_list, name="stale"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
    path("<int:pk>/reveal/", views.reveal, name="reveal"),
    path("<int:pk>/merge/", views_merge.customer_merge, name="merge"),
    path("<int:pk>/review/", views_review.customer_review, name="review"),
    path("<int:pk>/contacts/new/", views.contact_new, name="contact_new"),
    path("<int:pk>/contacts/<int:contact_pk>/edit/", views.contact_edit, name="contact_edit"),
    path("<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("<int:pk>/attachments/<int:attachment_pk>/download/", views.attachment_download, name="attachment_download"),
    path("<int:pk>/attachments/<int:attachment_pk>/delete/", views.attachment_delete, name="attachment_delete"),
    path("<int:pk>/consents/", views.consent_record, name="consent_record"),
    path("field-permissions/", views.field_matrix, name="field_matrix"),
    path("field-permissions/<int:role_pk>/", views.field_matrix_edit, name="field_matrix_edit"),
    path("<int:pk>/suitability/", views.suitability, name="suitability"),
    path("fields/", views_fields.field_list, name="field_list"),
    path("fields/new/", views_fields.field_new, name="field_new"),
    path("fields/<int:pk>/edit/", views_fields.field_edit, name="field_edit"),
    path("fields/<int:pk>/deactivate/", views_fields.field_deactivate, name="field_deactivate"),
    path("fields/<int:pk>/activate/", views_fields.field_activate, name="field_activate"),
    path("access-alerts/", views_alerts.alert_list, name="access_alerts"),
    path("access-alerts/<int:pk>/", views_alerts.alert_detail, name="access_alert"),
    path("access-alerts/<int:pk>/handle/", views_alerts.alert_handle, name="access_alert_handle"),
    path("fields/presets/<str:name>/", views_fields.preset_install, name="field_preset"),
]
