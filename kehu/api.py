"""The JSON API at /api/v1/ (Django Ninja). Each app adds its router here."""

from ninja import NinjaAPI

api = NinjaAPI(title="Kehu API", version="1", urls_namespace="api")
