from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from kehu.api import api

urlpatterns = [
    path("", include("kehu.web.urls")),
    path("", include("kehu.org.urls")),
    path("policy/", include("kehu.policy.urls")),
    path("audit/", include("kehu.compliance.urls")),
    path("customers/", include("kehu.customers.urls")),
    path("", include("kehu.engagement.urls")),
    path("visits/", include("kehu.engagement.urls_visits")),
    path("service/analysis/", include("kehu.service.urls_analysis")),
    path("service/", include("kehu.service.urls")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("api/v1/", api.urls),
    path("customers/io/", include("kehu.customers.urls_io")),
    path("public/service/", include("kehu.service.urls_public")),  # outside the login (SVC-8)
    path("service/", include("kehu.service.urls_kb")),
]

handler400 = "kehu.web.views.bad_request"
handler403 = "kehu.web.views.permission_denied"
handler404 = "kehu.web.views.page_not_found"
handler500 = "kehu.web.views.server_error"
