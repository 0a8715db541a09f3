from django.urls import path

from kehu.customers import views_io

app_name = "customer_io"

urlpatterns = [
    path("import/", views_io.import_upload, name="import_upload"),
    path("import/<int:pk>/", views_io.import_job, name="import_job"),
    path("import/<int:pk>/run/", views_io.import_job_run, name="import_job_run"),
    path("import/<int:pk>/rejected.xlsx", views_io.import_rejected, name="import_rejected"),
    path("export/", views_io.export, name="export"),
    path("export/requests/", views_io.export_requests, name="export_requests"),
    path("export/requests/<int:pk>/decide/", views_io.export_decide, name="export_decide"),
    path("export/requests/<int:pk>/download/", views_io.export_download, name="export_download"),
]
