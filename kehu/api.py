"""The JSON API at /api/v1/ (Django Ninja). Each app adds its router here."""

from ninja import NinjaAPI

from kehu.compliance.api import router as audit_router
from kehu.core.errors import DomainError

api = NinjaAPI(title="Kehu API", version="1", urls_namespace="api")


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    """A service or selector said no: one JSON shape for every 4xx (DESIGN.md "Where logic lives")."""
    return api.create_response(
        request, {"code": exc.code, "message": str(exc.message), "field": exc.field}, status=exc.status
    )


api.add_router("/audit-entries", audit_router)
