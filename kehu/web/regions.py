"""/regions/options?parent=CODE: the divisions under a region as <option>s for htmx cascading selects.

A province select asks for its cities with ``hx-get`` and swaps the city select's options (and
likewise city → district); ``selected`` marks the current value when a form is redisplayed.
Signed-in users only (the sign-in middleware); unknown parent codes are 404.
"""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kehu.core import regions
from kehu.core.errors import NotFound


@require_GET
def region_options(request):
    try:
        nodes = regions.children(request.GET.get("parent") or None)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    return render(
        request, "web/_region_options.html", {"regions": nodes, "selected": request.GET.get("selected", "")}
    )
