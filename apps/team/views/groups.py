"""Departments and teams: members, open and overdue tickets, support addresses, business hours (0 API calls).

The two kinds of group share one list view and one page view (``GROUPS`` says what differs: the rows and
workload figures, the lookup, the templates, and what only a department's page shows)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.connections.models import DeskConnection
from apps.connections.selectors import connection_for_request
from apps.core.htmx import AuthedHttpRequest
from apps.core.shell import sections_for
from apps.team.models import Department, Team
from apps.team.selectors import (
    GroupRow,
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
from apps.team.workload import WorkloadTable, departments_workload, teams_workload


def _department_extras(
    request: AuthedHttpRequest, connection: DeskConnection, department: Department
) -> dict[str, Any]:
    return {
        "addresses": support_addresses_of_department(connection=connection, department=department),
        "business_hours": department_business_hours(department),
        "sections": sections_for("team:department", request, connection=connection, department=department),
    }


@dataclass(frozen=True)
class GroupKind:
    name: str  # the object's name in the page's context: "department" or "team"
    workload: Callable[[DeskConnection], WorkloadTable]
    rows: Callable[..., list[GroupRow]]  # (connection=, workload=)
    lookup: Callable[..., Department | Team | None]  # (connection=, desk_id=)
    detail: Callable[..., GroupRow]  # (connection=, <name>=, workload=)
    list_template: str
    page_template: str
    extras: Callable[..., dict[str, Any]] = lambda request, connection, found: {}


GROUPS = {
    "departments": GroupKind(
        "department",
        departments_workload,
        department_rows,
        department_for_connection,
        department_detail,
        "team/departments.html",
        "team/department.html",
        _department_extras,
    ),
    "teams": GroupKind(
        "team",
        teams_workload,
        team_rows,
        team_for_connection,
        team_detail,
        "team/teams.html",
        "team/team.html",
    ),
}


def _workload(
    request: AuthedHttpRequest, kind: GroupKind, connection: DeskConnection
) -> WorkloadTable | None:
    return kind.workload(connection) if request.user.has_perm(SEE_WORKLOAD) else None


@login_required
@permission_required(VIEW_TEAM, raise_exception=True)
@require_GET
def group_list(request: AuthedHttpRequest, kind: str) -> HttpResponse:
    """The departments or the teams, with their workload figures for those who may see them."""
    group = GROUPS[kind]
    connection = connection_for_request(request)
    if connection is None:
        return no_connection(request)
    workload = _workload(request, group, connection)
    context = {
        "connection": connection,
        "rows": group.rows(connection=connection, workload=workload),
        "columns": workload.columns if workload else [],
    }
    return render(request, group.list_template, context)


@login_required
@permission_required(VIEW_TEAM, raise_exception=True)
@require_GET
def group_page(request: AuthedHttpRequest, desk_id: str, kind: str) -> HttpResponse:
    """One department or team: its members and figures (a department also its addresses and hours)."""
    group = GROUPS[kind]
    connection = connection_for_request(request)
    found = group.lookup(connection=connection, desk_id=desk_id) if connection else None
    if connection is None or found is None:
        raise Http404(f"No such {group.name}")
    workload = _workload(request, group, connection)
    context = {
        "connection": connection,
        "row": group.detail(connection=connection, workload=workload, **{group.name: found}),
        group.name: found,
        **group.extras(request, connection, found),
    }
    return render(request, group.page_template, context)
