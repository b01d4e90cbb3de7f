"""Departments and teams: members, open and overdue tickets, support addresses, business hours (0 API calls)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.connections.selectors import connection_for_request
from apps.core.htmx import AuthedHttpRequest
from apps.core.shell import sections_for
from apps.team.selectors import (
    department_business_hours,
    department_detail,
    department_for_connection,
    department_rows,
    support_addresses_of_department,
    team_detail,
    team_for_connection,
    team_rows,
)
from apps.team.views.common import SEE_WORKLOAD, VIEW_TEAM, no_connection
from apps.team.workload import departments_workload, teams_workload


@login_required
@permission_required(VIEW_TEAM, raise_exception=True)
@require_GET
def departments(request: AuthedHttpRequest) -> HttpResponse:
    connection = connection_for_request(request)
    if connection is None:
        return no_connection(request)
    workload = departments_workload(connection) if request.user.has_perm(SEE_WORKLOAD) else None
    context = {
        "connection": connection,
        "rows": department_rows(connection=connection, workload=workload),
        "columns": workload.columns if workload else [],
    }
    return render(request, "team/departments.html", context)


@login_required
@permission_required(VIEW_TEAM, raise_exception=True)
@require_GET
def department(request: AuthedHttpRequest, desk_id: str) -> HttpResponse:
    connection = connection_for_request(request)
    found = department_for_connection(connection=connection, desk_id=desk_id) if connection else None
    if connection is None or found is None:
        raise Http404("No such department")
    workload = departments_workload(connection) if request.user.has_perm(SEE_WORKLOAD) else None
    context = {
        "connection": connection,
        "row": department_detail(connection=connection, department=found, workload=workload),
        "department": found,
        "addresses": support_addresses_of_department(connection=connection, department=found),
        "business_hours": department_business_hours(found),
        "sections": sections_for("team:department", request, connection=connection, department=found),
    }
    return render(request, "team/department.html", context)


@login_required
@permission_required(VIEW_TEAM, raise_exception=True)
@require_GET
def teams(request: AuthedHttpRequest) -> HttpResponse:
    connection = connection_for_request(request)
    if connection is None:
        return no_connection(request)
    workload = teams_workload(connection) if request.user.has_perm(SEE_WORKLOAD) else None
    context = {
        "connection": connection,
        "rows": team_rows(connection=connection, workload=workload),
        "columns": workload.columns if workload else [],
    }
    return render(request, "team/teams.html", context)


@login_required
@permission_required(VIEW_TEAM, raise_exception=True)
@require_GET
def team(request: AuthedHttpRequest, desk_id: str) -> HttpResponse:
    connection = connection_for_request(request)
    found = team_for_connection(connection=connection, desk_id=desk_id) if connection else None
    if connection is None or found is None:
        raise Http404("No such team")
    workload = teams_workload(connection) if request.user.has_perm(SEE_WORKLOAD) else None
    context = {
        "connection": connection,
        "row": team_detail(connection=connection, team=found, workload=workload),
        "team": found,
    }
    return render(request, "team/team.html", context)
