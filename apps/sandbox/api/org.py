"""Desk API org structure: organizations, myinfo, agents (incl. activate/deactivate), departments, teams, SLAs."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse

from apps.sandbox import models as m
from apps.sandbox import webhooks_out
from apps.sandbox.api import common as c
from apps.sandbox.api.serializers import (
    agent_json,
    department_json,
    org_json,
    sla_policy_json,
    team_json,
)
from apps.sandbox.contract import (
    DeskAPIError,
    desk_endpoint,
    desk_json,
    desk_list,
    desk_no_content,
    desk_object_or_404,
    read_json_body,
)

BASIC_READ = ("Desk.basic.READ", "Desk.settings.READ")
BASIC_CREATE = ("Desk.basic.CREATE", "Desk.settings.CREATE")
BASIC_UPDATE = ("Desk.basic.UPDATE", "Desk.settings.UPDATE")
BASIC_DELETE = ("Desk.basic.DELETE", "Desk.settings.DELETE")
AGENT_STATUSES = {
    "ACTIVE": m.Agent.Status.ACTIVE,
    "DISABLED": m.Agent.Status.DISABLED,
    "INACTIVE": m.Agent.Status.DISABLED,
}
AGENT_FIELDS = {
    "firstName",
    "lastName",
    "email",
    "emailId",
    "phone",
    "roleId",
    "profileId",
    "countryCode",
    "timeZone",
    "langCode",
    "associatedDepartmentIds",
    "status",
    "rolePermissionType",
}


# -- organizations and me ---------------------------------------------------------------------------


@desk_endpoint(scopes=BASIC_READ, params=set(), org_required=False)
def organizations_list(request: HttpRequest) -> HttpResponse:
    """The orgs this token may act in; the only call that needs no orgId header."""
    token = request.sandbox_token  # type: ignore[attr-defined]
    orgs = list(m.Org.objects.filter(pk__in=token.org_ids()).order_by("id"))
    return desk_list([org_json(org, is_default=index == 0) for index, org in enumerate(orgs)])


@desk_endpoint(scopes=BASIC_READ, params=set(), org_required=False)
def organization_get(request: HttpRequest, org_id: str) -> HttpResponse:
    token = request.sandbox_token  # type: ignore[attr-defined]
    org = desk_object_or_404(m.Org.objects.filter(pk__in=token.org_ids()), org_id, what="organization")
    return desk_json(org_json(org))


@desk_endpoint(scopes=BASIC_READ, params=set())
def myinfo(request: HttpRequest) -> HttpResponse:
    agent = request.sandbox_agent  # type: ignore[attr-defined]
    if agent is None:
        raise DeskAPIError(
            404, "RESOURCE_NOT_FOUND", "The token's user is not an agent of this organization."
        )
    return desk_json(agent_json(agent))


# -- agents -----------------------------------------------------------------------------------------


def _agents(org: m.Org) -> QuerySet:
    return m.Agent.objects.filter(org=org, is_deleted=False)


@desk_endpoint(
    scopes=BASIC_READ,
    params={
        "from",
        "limit",
        "status",
        "isConfirmed",
        "searchStr",
        "departmentIds",
        "sortBy",
        "fieldName",
        "include",
    },
    max_limit=200,
)
def agents_list(request: HttpRequest) -> HttpResponse:
    org = request.sandbox_org  # type: ignore[attr-defined]
    queryset = _agents(org)
    status = request.GET.get("status")
    if status:
        if status.upper() not in AGENT_STATUSES:
            raise c.invalid_param("status")
        queryset = queryset.filter(status=AGENT_STATUSES[status.upper()])
    confirmed = c.bool_param(request, "isConfirmed")
    if confirmed is not None:
        queryset = queryset.filter(is_confirmed=confirmed)
    word = (request.GET.get("searchStr") or "").strip("*")
    if word:
        queryset = queryset.filter(
            Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
        )
    departments = {str(d) for d in c.csv_ids(request, "departmentIds")}
    queryset = c.sort_queryset(
        queryset,
        request,
        fields={
            "createdTime": "created_time",
            "firstName": "first_name",
            "lastName": "last_name",
            "name": "first_name",
            "email": "email",
        },
        default="createdTime",
    )
    if departments:
        # department_ids is a JSON list; filtered in Python (agents are few).
        rows = [a for a in queryset if departments & {str(d) for d in a.department_ids or []}]
        offset, limit = _paging(request)
        return desk_list([agent_json(a) for a in rows[offset : offset + limit]])
    return desk_list([agent_json(a) for a in c.page(queryset, request)])


def _paging(request: HttpRequest) -> tuple[int, int]:
    from apps.sandbox.contract import paging

    return paging(request)


@desk_endpoint(scopes=BASIC_READ, params={"include"})
def agent_get(request: HttpRequest, agent_id: str) -> HttpResponse:
    agent = desk_object_or_404(_agents(request.sandbox_org), agent_id, what="agent")  # type: ignore[attr-defined]
    return desk_json(agent_json(agent))


def _apply_agent(
    agent: m.Agent, data: dict[str, Any], org: m.Org, errors: c.FieldErrors, *, creating: bool
) -> None:
    c.reject_unknown_fields(data, AGENT_FIELDS, errors)
    for field, column, length in (
        ("firstName", "first_name", 100),
        ("lastName", "last_name", 100),
        ("phone", "phone", 50),
        ("countryCode", "country_code", 8),
        ("timeZone", "time_zone", 64),
        ("langCode", "language_code", 16),
    ):
        if field in data:
            value = c.text(data, field, errors, required=field == "lastName", max_length=length)
            if value is not None:
                setattr(agent, column, value)
    email_key = "emailId" if "emailId" in data else "email"
    if email_key in data or creating:
        email = c.email_field(data, email_key, errors, required=creating)
        if email:
            clash = _agents(org).filter(email__iexact=email).exclude(pk=agent.pk or 0).exists()
            if clash:
                errors.add(
                    email_key, "An agent with this email address already exists.", error_type="duplicate"
                )
            agent.email = email
    for field, column in (("roleId", "role_id"), ("profileId", "profile_id")):
        if field in data:
            number = c.integer(data, field, errors, minimum=1)
            if number is not None:
                setattr(agent, column, number)
    if "associatedDepartmentIds" in data:
        ids = data["associatedDepartmentIds"]
        if not isinstance(ids, list):
            errors.add(
                "associatedDepartmentIds", "The field 'associatedDepartmentIds' must be a list of ids."
            )
        else:
            known = {str(pk) for pk in m.Department.objects.filter(org=org).values_list("pk", flat=True)}
            unknown = [str(i) for i in ids if str(i) not in known]
            if unknown:
                errors.add("associatedDepartmentIds", f"No department with id {unknown[0]}.")
            else:
                agent.department_ids = [int(i) for i in ids]
    if "status" in data:
        raw = str(data["status"] or "").upper()
        if raw not in AGENT_STATUSES:
            errors.add("status", "The value of 'status' is invalid.", expectedValues=["ACTIVE", "DISABLED"])
        else:
            agent.status = AGENT_STATUSES[raw]


def _save_agent(
    agent: m.Agent, *, org: m.Org, event_type: str, previous: dict | None, source: str | None
) -> None:
    with transaction.atomic(using=m.SANDBOX_DB):
        agent.save()
        webhooks_out.emit(
            org=org, event_type=event_type, payload=agent_json(agent), prev_state=previous, source_id=source
        )


@desk_endpoint(scopes=BASIC_CREATE, params=set())
def agent_create(request: HttpRequest) -> HttpResponse:
    """Add (invite) an agent: unconfirmed until they accept, as in Desk."""
    org: m.Org = request.sandbox_org  # type: ignore[attr-defined]
    data = read_json_body(request)
    errors = c.FieldErrors()
    if "lastName" not in data:
        errors.missing("lastName")
    now = c.now()
    agent = m.Agent(org=org, created_time=now, modified_time=now, is_confirmed=False)
    _apply_agent(agent, data, org, errors, creating=True)
    errors.raise_if_any()
    agent.id = m.next_id(org)
    _save_agent(agent, org=org, event_type="Agent_Add", previous=None, source=c.source_id(request))
    return desk_json(agent_json(agent))


@desk_endpoint(scopes=BASIC_UPDATE, params=set())
def agent_update(request: HttpRequest, agent_id: str) -> HttpResponse:
    """PATCH /agents/{id}; the seed deactivates with {"status": "INACTIVE"} here."""
    org: m.Org = request.sandbox_org  # type: ignore[attr-defined]
    agent = desk_object_or_404(_agents(org), agent_id, what="agent")
    data = read_json_body(request)
    if not data:
        raise DeskAPIError(422, "INVALID_DATA", "No field to update was given.")
    previous = agent_json(agent)
    errors = c.FieldErrors()
    _apply_agent(agent, data, org, errors, creating=False)
    errors.raise_if_any()
    agent.modified_time = c.now()
    _save_agent(agent, org=org, event_type="Agent_Update", previous=previous, source=c.source_id(request))
    return desk_json(agent_json(agent))


def _set_status(request: HttpRequest, agent_id: str, status: str) -> HttpResponse:
    org: m.Org = request.sandbox_org  # type: ignore[attr-defined]
    agent = desk_object_or_404(_agents(org), agent_id, what="agent")
    if agent.status != status:
        previous = agent_json(agent)
        agent.status = status
        agent.modified_time = c.now()
        _save_agent(agent, org=org, event_type="Agent_Update", previous=previous, source=c.source_id(request))
    return desk_no_content()


@desk_endpoint(scopes=BASIC_UPDATE, params=set())
def agent_activate(request: HttpRequest, agent_id: str) -> HttpResponse:
    return _set_status(request, agent_id, m.Agent.Status.ACTIVE)


@desk_endpoint(scopes=BASIC_UPDATE, params=set())
def agent_deactivate(request: HttpRequest, agent_id: str) -> HttpResponse:
    return _set_status(request, agent_id, m.Agent.Status.DISABLED)


@desk_endpoint(scopes=BASIC_DELETE, params=set())
def agent_delete(request: HttpRequest, agent_id: str) -> HttpResponse:
    """Seed DELETE /agents/{id} and the action form POST /agents/{id}/delete: the agent's tickets
    become unassigned."""
    org: m.Org = request.sandbox_org  # type: ignore[attr-defined]
    agent = desk_object_or_404(_agents(org), agent_id, what="agent")
    now = c.now()
    with transaction.atomic(using=m.SANDBOX_DB):
        agent.is_deleted = True
        agent.status = m.Agent.Status.DISABLED
        agent.modified_time = now
        agent.save()
        m.Ticket.objects.filter(org=org, assignee=agent).update(assignee=None, modified_time=now)
        webhooks_out.emit(
            org=org, event_type="Agent_Delete", payload=agent_json(agent), source_id=c.source_id(request)
        )
    return desk_no_content()


# -- departments and teams --------------------------------------------------------------------------


@desk_endpoint(
    scopes=BASIC_READ, params={"from", "limit", "isEnabled", "searchStr", "chatStatus"}, max_limit=200
)
def departments_list(request: HttpRequest) -> HttpResponse:
    org = request.sandbox_org  # type: ignore[attr-defined]
    queryset = m.Department.objects.filter(org=org).order_by("id")
    enabled = c.bool_param(request, "isEnabled")
    if enabled is not None:
        queryset = queryset.filter(is_enabled=enabled)
    word = (request.GET.get("searchStr") or "").strip("*")
    if word:
        queryset = queryset.filter(name__icontains=word)
    return desk_list([department_json(d) for d in c.page(queryset, request, default_limit=100)])


@desk_endpoint(scopes=BASIC_READ, params=set())
def department_get(request: HttpRequest, department_id: str) -> HttpResponse:
    org = request.sandbox_org  # type: ignore[attr-defined]
    return desk_json(
        department_json(
            desk_object_or_404(m.Department.objects.filter(org=org), department_id, what="department")
        )
    )


@desk_endpoint(scopes=BASIC_READ, params={"from", "limit", "departmentId"})
def teams_list(request: HttpRequest) -> HttpResponse:
    org = request.sandbox_org  # type: ignore[attr-defined]
    queryset = m.Team.objects.filter(org=org).order_by("id")
    departments = c.csv_ids(request, "departmentId")
    if departments:
        queryset = queryset.filter(department_id__in=departments)
    return desk_list([team_json(t) for t in c.page(queryset, request, default_limit=100)])


@desk_endpoint(scopes=BASIC_READ, params={"from", "limit"})
def department_teams(request: HttpRequest, department_id: str) -> HttpResponse:
    org = request.sandbox_org  # type: ignore[attr-defined]
    department = desk_object_or_404(m.Department.objects.filter(org=org), department_id, what="department")
    queryset = m.Team.objects.filter(org=org, department=department).order_by("id")
    return desk_list([team_json(t) for t in c.page(queryset, request, default_limit=100)])


@desk_endpoint(scopes=BASIC_READ, params=set())
def team_get(request: HttpRequest, team_id: str) -> HttpResponse:
    org = request.sandbox_org  # type: ignore[attr-defined]
    return desk_json(team_json(desk_object_or_404(m.Team.objects.filter(org=org), team_id, what="team")))


# -- SLA policies -----------------------------------------------------------------------------------


@desk_endpoint(
    scopes=BASIC_READ + ("Desk.tickets.READ",), params={"from", "limit", "departmentId", "isActive"}
)
def sla_list(request: HttpRequest) -> HttpResponse:
    """GET /sla (seed) and GET /slas (settings-style, filterable by department)."""
    org = request.sandbox_org  # type: ignore[attr-defined]
    queryset = m.SlaPolicy.objects.filter(org=org).order_by("id")
    departments = c.csv_ids(request, "departmentId")
    if departments:
        queryset = queryset.filter(Q(department_id__in=departments) | Q(department__isnull=True))
    active = c.bool_param(request, "isActive")
    if active is not None:
        queryset = queryset.filter(is_active=active)
    return desk_list([sla_policy_json(p) for p in c.page(queryset, request, default_limit=100)])


@desk_endpoint(scopes=BASIC_READ + ("Desk.tickets.READ",), params=set())
def sla_get(request: HttpRequest, sla_id: str) -> HttpResponse:
    org = request.sandbox_org  # type: ignore[attr-defined]
    return desk_json(
        sla_policy_json(desk_object_or_404(m.SlaPolicy.objects.filter(org=org), sla_id, what="SLA"))
    )


agents_collection = c.by_method(GET=agents_list, POST=agent_create)
agent_item = c.by_method(GET=agent_get, PATCH=agent_update, DELETE=agent_delete)
