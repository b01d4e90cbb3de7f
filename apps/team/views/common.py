"""What every team view shares: the org's connection, objects looked up in it (404 otherwise), Desk errors."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render

from apps.connections.models import DeskConnection
from apps.connections.selectors import connection_for_request, connections_for_request
from apps.core.htmx import AuthedHttpRequest
from apps.desk.errors import DeskError, DeskNetworkError, DeskNotFound, DeskServerError, RateLimited
from apps.team.models import Agent
from apps.team.selectors import agent_for_connection

VIEW_TEAM = "core.view_team"
MANAGE_AGENTS = "core.manage_agents"
# Managers and admins see who carries what; agents see the team pages without the workload.
SEE_WORKLOAD = "core.view_insights"


def no_connection(request: AuthedHttpRequest) -> HttpResponse:
    return render(request, "team/no_connection.html")


def agent_or_404(
    request: AuthedHttpRequest, desk_id: str, *, org_id: str = ""
) -> tuple[DeskConnection, Agent]:
    """The agent in the request's org, or in ``org_id`` when the user may see that org; 404 otherwise."""
    connection = connection_for_request(request)
    if org_id:
        connection = next((c for c in connections_for_request(request) if c.org_id == org_id), None)
    agent = agent_for_connection(connection=connection, desk_id=desk_id) if connection else None
    if connection is None or agent is None:
        raise Http404("No such agent")
    return connection, agent


def desk_error_message(error: DeskError) -> str:
    """A Desk failure in one sentence for the admin (Desk's own words for a refusal)."""
    if isinstance(error, RateLimited):
        return "Desk is rate-limiting this org right now; nothing was changed. Try again in a few minutes."
    if isinstance(error, DeskNetworkError | DeskServerError):
        return "Desk is not answering right now; nothing was changed. Try again in a moment."
    if isinstance(error, DeskNotFound):
        return "Desk no longer has this agent (it may have been deleted); the next sync updates the list."
    return f"Desk refused it: {error.message}"
