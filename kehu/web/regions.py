"""/regions/options?parent=CODE: the divisions under a region as <option>s for htmx cascading selects.

A province select asks for its cities with ``hx-get`` and swaps the city select's options (and
likewise city → district). htmx sends the select's own value under its field name, so the parent
is read from ``parent``, else ``city``, else ``province``:

    <select name="province" hx-get="{% url 'web:region_options' %}" hx-target="#id_city">…</select>

``selected`` marks the current value when a form is redisplayed. Signed-in users only (the
sign-in middleware); unknown parent codes are 404.
"""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kehu.core import regions
from kehu.core.errors import NotFound

# Where the parent code may come from, first found wins (see the module docstring).
PARENT_PARAMETERS = ("parent", "city", "province")


@require_GET
def region_options(request):
    try:
        parent = next((request.GET[name] for name in PARENT_PARAMETERS if request.GET.get(name)), None)
        nodes = regions.children(parent)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    return render(
        request, "web/_region_options.html", {"regions": nodes, "selected": request.GET.get("selected", "")}
    )
