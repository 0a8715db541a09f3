from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kehu.web.home import cards_for


@require_GET
def home(request):
    return render(request, "web/home.html", {"roles": request.user.roles.all(), "cards": cards_for(request.user)})


@login_not_required
@require_GET
def health(request):
    return JsonResponse({"status": "ok"})


def page_not_found(request, exception=None):
    return render(request, "web/error.html", {"status": 404, "request_id": getattr(request, "request_id", "")}, status=404)


def permission_denied(request, exception=None):
    return render(request, "web/error.html", {"status": 403, "request_id": getattr(request, "request_id", "")}, status=403)


def bad_request(request, exception=None):
    return render(request, "web/error.html", {"status": 400, "request_id": getattr(request, "request_id", "")}, status=400)


def server_error(request):
    # No traceback, SQL or settings: only a request id the administrator can look up (WEB-5).
    return render(request, "web/error.html", {"status": 500, "request_id": getattr(request, "request_id", "")}, status=500)
