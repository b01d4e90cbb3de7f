"""Collision presence on a ticket: each open page (or drawer) beats here every TICKETS_PRESENCE_HEARTBEAT_SECONDS
and gets back who else is on the ticket. Cache only, 0 Desk calls."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from apps.core.htmx import AuthedHttpRequest
from apps.tickets.selectors.presence import presence_others
from apps.tickets.services.presence import STATES, presence_heartbeat
from apps.tickets.views.common import ticket_or_404


@login_required
@permission_required("core.view_tickets", raise_exception=True)
@require_POST
def presence(request: AuthedHttpRequest, desk_id: str) -> HttpResponse:
    """POST (it writes the shared presence state): ``state`` is viewing, replying or left."""
    ticket = ticket_or_404(request, desk_id)
    state = request.POST.get("state", "viewing")
    state = state if state in (*STATES, "left") else "viewing"
    presence_heartbeat(ticket=ticket, user=request.user, state=state)
    if state == "left":
        return HttpResponse(status=204)
    context = {"ticket": ticket, "presence": presence_others(ticket=ticket, user=request.user)}
    return render(request, "tickets/_presence.html#list", context)
