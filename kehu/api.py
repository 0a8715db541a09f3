"""The JSON API at /api/v1/ (Django Ninja). Each app adds its router here."""

from ninja import NinjaAPI

api = NinjaAPI(title="Kehu API", version="1", urls_namespace="api")

from kehu.core.errors import DomainError  # noqa: E402


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    """A service's refusal becomes a 4xx JSON: a stable code, a message, the field at fault."""
    body = {"code": exc.code, "message": str(exc.message), "field": exc.field, "details": exc.details}
    return api.create_response(request, body, status=exc.status)


from kehu.policy.api import router as policy_router  # noqa: E402

api.add_router("/policy-versions", policy_router)
