"""The JSON API at /api/v1/ (Django Ninja). Each app adds its router here.

Conventions (DESIGN.md "API conventions"): bearer-token auth on every operation, 60 requests a
minute per user, JSON bodies only, one error shape (kehu.core.api_errors), paginated lists
(kehu.core.pagination), Idempotency-Key on creates (kehu.core.idempotency).
"""

from ninja import NinjaAPI, Swagger

from kehu.compliance.api import router as audit_router
from kehu.core import api_errors
from kehu.core.api_parser import JSONOnlyParser
from kehu.core.api_regions import router as regions_router
from kehu.core.ratelimit import PerUserRateThrottle
from kehu.customers.api import router as customers_router
from kehu.customers.api_alerts import router as access_alerts_router
from kehu.customers.api_fields import router as field_permissions_router
from kehu.customers.api_io import router as customers_io_router
from kehu.customers.api_pools import pools_router
from kehu.customers.api_pools import router as ownership_router
from kehu.engagement.api import router as followups_router
from kehu.engagement.api import tasks_router
from kehu.engagement.api_care import care_router, events_router, notifications_router
from kehu.engagement.api_visits import compliance_router, plans_router, visits_router
from kehu.org.api import router as org_router
from kehu.org.api_admin import router as org_admin_router
from kehu.org.api_auth import ApiTokenAuth, docs_access
from kehu.org.api_handover import check_router as handover_check_router
from kehu.org.api_handover import router as handover_router
from kehu.policy.api import router as policy_router
from kehu.service.api import router as tickets_router
from kehu.service.api_analysis import analysis_router, satisfaction_router, sla_router
from kehu.service.api_kb import commitments_router, handbook_router, problems_router


class KehuAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        return api_errors.document(super().get_openapi_schema(**kwargs))


def build_api(*, urls_namespace: str = "api") -> NinjaAPI:
    """The configured API object; tests build a second one to mount test-only routes."""
    api = KehuAPI(
        title="Kehu API",
        version="1",
        urls_namespace=urls_namespace,
        auth=ApiTokenAuth(),
        throttle=[PerUserRateThrottle()],
        parser=JSONOnlyParser(),
        # Swagger UI from Ninja's own static files; no call to the public validator (PI-8).
        docs=Swagger(settings={"validatorUrl": None}),
        docs_decorator=docs_access,
    )
    api_errors.install(api)
    return api


api = build_api()
api.add_router("", org_router)
api.add_router("/admin", org_admin_router)
api.add_router("/policy-versions", policy_router)
api.add_router("/audit-entries", audit_router)
api.add_router("/regions", regions_router)
api.add_router("/customers", customers_router)
api.add_router("/customers", customers_io_router)
api.add_router("/customers", ownership_router)
api.add_router("/pools", pools_router)
api.add_router("/visit-plans", plans_router)
api.add_router("/visits", visits_router)
api.add_router("/compliance", compliance_router)
api.add_router("/admin/field-permissions", field_permissions_router)
api.add_router("/admin/access-alerts", access_alerts_router)
api.add_router("/handovers", handover_router)
api.add_router("/admin/handover-check", handover_check_router)
api.add_router("/notifications", notifications_router)
api.add_router("/care-tasks", care_router)
api.add_router("/events", events_router)
api.add_router("/followups", followups_router)
api.add_router("/tasks", tasks_router)
api.add_router("/service-commitments", commitments_router)
api.add_router("/handbook-articles", handbook_router)
api.add_router("/policy-problems", problems_router)
api.add_router("/tickets", tickets_router)
api.add_router("/service-analysis", analysis_router)
api.add_router("/service-sla-compliance", sla_router)
api.add_router("/service-satisfaction", satisfaction_router)
