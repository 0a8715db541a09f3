"""A list's search text kept in the session, never in the URL (WEB-7: a search may be a phone number or an
ID). The list's search form POSTs here; the list reads it back; the PI-free filters stay in the URL."""

from __future__ import annotations

from django.shortcuts import redirect

MAX_LENGTH = 100


def remembered(request, session_key: str) -> str:
    return request.session.get(session_key, "")


def remember(request, session_key: str, list_url: str):
    """Keep the POSTed ``q`` (or forget it when empty) and go back to the list with the same filters."""
    q = request.POST.get("q", "").strip()[:MAX_LENGTH]
    if q:
        request.session[session_key] = q
    else:
        request.session.pop(session_key, None)
    params = request.GET.copy()
    params.pop("page", None)
    return redirect(f"{list_url}?{params.urlencode()}" if params else list_url)
