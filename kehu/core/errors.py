"""DomainError: the one way a service says "no". Views turn it into a form error, the API into a 4xx."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A business rule refused the operation.

    ``code`` is stable (clients may branch on it), ``message`` is a translatable, user-facing
    sentence, ``field`` names the input at fault when there is one, ``status`` is the HTTP status.
    """

    status = 400

    def __init__(self, code: str, message: Any, *, field: str | None = None, status: int | None = None, details: dict | None = None):
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.field = field
        self.details = details or {}
        if status is not None:
            self.status = status


class PermissionDenied(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409
