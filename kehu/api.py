"""The JSON API at /api/v1/ (Django Ninja). Each app adds its router here."""

from ninja import NinjaAPI

from kehu.compliance.api import router as audit_router
api = NinjaAPI(title="Kehu API", version="1", urls_namespace="api")

# --- appended by the organisation branch ---
from kehu.core.errors import DomainError  # noqa: E402
from kehu.org.api_admin import router as org_admin_router  # noqa: E402


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    """The one place a refused operation becomes JSON: stable code, message in the caller's language, field."""
    body = {"code": exc.code, "message": str(exc.message), "field": exc.field, "details": exc.details}
    return api.create_response(request, body, status=exc.status)


api.add_router("/admin", org_admin_router)

# --- appended by the policy branch ---
from kehu.policy.api import router as policy_router  # noqa: E402

api.add_router("/policy-versions", policy_router)

api.add_router("/audit-entries", audit_router)
