"""Pages of relationship maintenance: my day (REL-6)."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from kehu.core import clock
from kehu.engagement import myday, selectors
from kehu.engagement import permissions as perms
from kehu.web.decorators import permission_required


@require_GET
@permission_required(perms.MY_DAY)
def my_day(request):
    """My day; with ``?member=<pk>`` a team member's (in the manager's scope), with ``?team=1`` the team summary."""
    today = clock.today()
    user = request.user
    can_team = user.has_permission(perms.TEAM_VIEW)
    context = {"today": today, "can_team": can_team, "member": None}
    if can_team and request.GET.get("member"):
        context["member"] = selectors.team_member(user, request.GET["member"])
        context["sections"] = myday.sections_for(context["member"], today)
    elif can_team and request.GET.get("team"):
        members = list(selectors.team_members(user))
        columns = myday.team_columns()
        counts = [column.team([member.pk for member in members], today) for column in columns]
        context["team"] = {"columns": columns,
                           "rows": [(member, [count.get(member.pk, 0) for count in counts]) for member in members]}
    else:
        context["sections"] = myday.sections_for(user, today)
    return render(request, "engagement/my_day.html", context)
