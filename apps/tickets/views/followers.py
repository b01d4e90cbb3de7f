"""A ticket's followers panel: shown from the mirror (0 calls); follow or unfollow yourself, add or remove
another agent (one Desk call each, stale-write guard, audited)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from apps.core.htmx import AuthedHttpRequest
from apps.tickets.forms.followers import FollowerForm
from apps.tickets.models import Ticket
from apps.tickets.selectors.followers import agent_name, follower_candidates, my_agent_id
from apps.tickets.services import followers as follower_services
from apps.tickets.services.stale import ticket_seen_token
from apps.tickets.views.common import ticket_or_404
from apps.tickets.views.tags import panel_write

FOLLOW_PERMISSION = "core.assign_tickets"  # who follows a ticket is part of who works on it


def followers_context(
    request: AuthedHttpRequest, ticket: Ticket, form: FollowerForm | None = None
) -> dict[str, Any]:
    seen = ticket_seen_token(ticket)
    me = my_agent_id(ticket=ticket, user=request.user)
    return {
        "ticket": ticket,
        "seen": seen,
        "followers_panel": True,
        "can_follow": request.user.has_perm(FOLLOW_PERMISSION),
        "my_agent_id": me,
        "i_follow": bool(me) and any(f.get("id") == me for f in ticket.followers),
        "follower_form": form
        or FollowerForm(initial={"seen": seen}, agents=follower_candidates(ticket=ticket)),
    }


@login_required
@permission_required("core.view_tickets", raise_exception=True)
@require_GET
def followers_panel(request: AuthedHttpRequest, desk_id: str) -> HttpResponse:
    ticket = ticket_or_404(request, desk_id)
    return render(request, "tickets/_followers.html", followers_context(request, ticket))


def _follower_write(request: AuthedHttpRequest, desk_id: str, *, remove: bool) -> HttpResponse:
    def form(ticket: Ticket) -> FollowerForm:
        agents = [(f["id"], f.get("name", "")) for f in ticket.followers] if remove else None
        return FollowerForm(
            request.POST,
            agents=agents
            or follower_candidates(ticket=ticket)
            + [(a, a) for a in [my_agent_id(ticket=ticket, user=request.user)] if a],
        )

    def perform(ticket: Ticket, form: FollowerForm, seen: dict[str, Any] | None, confirmed: bool) -> Ticket:
        agent_id = form.cleaned_data["agent"]
        return follower_services.ticket_follower_change(
            actor=request.user,
            ticket=ticket,
            agent_id=agent_id,
            agent_name=agent_name(ticket=ticket, agent_id=agent_id),
            follow=not remove,
            seen=seen,
            confirmed=confirmed,
        )

    def success(form: FollowerForm) -> str:
        agent_id = form.cleaned_data["agent"]
        return (
            ("Unfollowed." if remove else "Following.")
            if agent_id == my_agent_id(ticket=ticket_or_404(request, desk_id), user=request.user)
            else ("Follower removed." if remove else "Follower added.")
        )

    return panel_write(
        request,
        desk_id,
        form=form,
        perform=perform,
        context=lambda ticket, bound: followers_context(
            request, ticket, None if bound is None or remove else bound
        ),
        template="tickets/_followers.html",
        success=success,
    )


@login_required
@permission_required(FOLLOW_PERMISSION, raise_exception=True)
@require_POST
def follower_add(request: AuthedHttpRequest, desk_id: str) -> HttpResponse:
    return _follower_write(request, desk_id, remove=False)


@login_required
@permission_required(FOLLOW_PERMISSION, raise_exception=True)
@require_POST
def follower_remove(request: AuthedHttpRequest, desk_id: str) -> HttpResponse:
    return _follower_write(request, desk_id, remove=True)
