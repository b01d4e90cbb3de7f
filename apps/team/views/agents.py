"""The agents page (the mirror and the ticket mirror's workload, 0 API calls) and an agent's page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.connections.selectors import connection_for_request, mirror_freshness
from apps.core.htmx import AuthedHttpRequest
from apps.core.shell import sections_for
from apps.team.forms.agents import agent_filters_from
from apps.team.selectors import (
    STATUS_LABELS,
    agent_detail,
    agent_rows,
    departments_of,
    teams_of,
)
from apps.team.views.common import MANAGE_AGENTS, SEE_WORKLOAD, VIEW_TEAM, agent_or_404, no_connection
from apps.team.workload import agents_workload

COLUMN_LABELS = {"name": "Agent", "role": "Role / profile", "status": "Status"}


@login_required
@permission_required(VIEW_TEAM, raise_exception=True)
@require_GET
def agents(request: AuthedHttpRequest) -> HttpResponse:
    connection = connection_for_request(request)
    if connection is None:
        return no_connection(request)
    workload = agents_workload(connection) if request.user.has_perm(SEE_WORKLOAD) else None
    figure_keys = {c.key for c in workload.columns} if workload else set()
    filters = agent_filters_from(request.GET, figure_keys=figure_keys)
    rows = agent_rows(connection=connection, filters=filters, workload=workload)
    text_headers = [
        {"key": key, "label": COLUMN_LABELS[key], "query": filters.sort_query(key)}
        for key in ("name", "role", "status")
    ]
    figure_headers = [
        {
            "key": column.key,
            "label": column.label,
            "help": column.help,
            "query": filters.sort_query(column.key, descending_first=True),
        }
        for column in (workload.columns if workload else [])
    ]
    for header in text_headers + figure_headers:
        header["state"] = (
            "ascending"
            if filters.sort == header["key"]
            else ("descending" if filters.sort == f"-{header['key']}" else "")
        )
    freshness = mirror_freshness(connection)
    context = {
        "connection": connection,
        "filters": filters,
        "rows": rows,
        "text_headers": text_headers,
        "figure_headers": figure_headers,
        "column_count": len(text_headers) + len(figure_headers) + 1,
        "departments": sorted(departments_of(connection).values(), key=lambda d: d.name.lower()),
        "teams": teams_of(connection),
        "statuses": STATUS_LABELS,
        "show_workload": workload is not None,
        "can_manage": request.user.has_perm(MANAGE_AGENTS),
        "sync_words": freshness.label,
        "query_string": filters.to_query(),
    }
    partial = request.htmx and not request.htmx.history_restore_request
    return render(request, "team/agents.html#results" if partial else "team/agents.html", context)


@login_required
@permission_required(VIEW_TEAM, raise_exception=True)
@require_GET
def agent(request: AuthedHttpRequest, desk_id: str) -> HttpResponse:
    connection, found = agent_or_404(request, desk_id)
    context = {
        "connection": connection,
        "row": agent_detail(connection=connection, agent=found),
        "agent": found,
        "sections": sections_for("team:agent", request, connection=connection, agent=found),
        "can_manage": request.user.has_perm(MANAGE_AGENTS),
        "can_invite_user": request.user.has_perm("core.manage_users"),
    }
    return render(request, "team/agent.html", context)
