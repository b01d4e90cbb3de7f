"""Desk API org structure as Organization.json, Agent.json, Department.json and Team.json define it.

Organizations, myinfo, agents (list with the documented filters, byIds, add, update, deactivate, activate,
delete confirmed, delete unconfirmed), departments, teams and SLA policies. The reference document's
agent forms (`POST /agents/{id}/activate`, `POST /agents/{id}/delete`, `PATCH {"status": "INACTIVE"}`)
answer only when SANDBOX_REFERENCE_FORMS is on.
"""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse

from apps.sandbox import models as m
from apps.sandbox import webhooks_out
from apps.sandbox.api import common as c
from apps.sandbox.api import query as q
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
    field_error,
    paging,
    read_json_body,
)

BASIC_READ = ("Desk.basic.READ", "Desk.settings.READ")
BASIC_CREATE = ("Desk.basic.CREATE", "Desk.settings.CREATE")
BASIC_UPDATE = ("Desk.basic.UPDATE", "Desk.settings.UPDATE")
BASIC_DELETE = ("Desk.basic.DELETE", "Desk.settings.DELETE")
ORG_READ = ("Desk.basic.READ", "Desk.organization.READ", "Desk.settings.READ")
# Agent.json: Desk.agents.*, Desk.basic.* or Desk.settings.* (any one).
AGENT_READ = ("Desk.agents.READ",) + BASIC_READ
AGENT_CREATE = ("Desk.agents.CREATE",) + BASIC_CREATE
AGENT_UPDATE = ("Desk.agents.UPDATE",) + BASIC_UPDATE
AGENT_DELETE = ("Desk.agents.DELETE",) + BASIC_DELETE
DEPARTMENT_READ = ("Desk.departments.READ",) + BASIC_READ
TEAM_READ = ("Desk.teams.READ",) + BASIC_READ

# getAgents
AGENT_LIST_PARAMS = {
    "include",
    "roleIds",
    "searchStr",
    "cfSearchStr",
    "cfFieldName",
    "fieldName",
    "isLightAgent",
    "sortOrder",
    "limit",
    "rolePermissionType",
    "profileIds",
    "from",
    "isConfirmed",
    "departmentIds",
    "status",
}
AGENT_STATUSES = ("ACTIVE", "DISABLED", "DELETED", "IMPORTED")
AGENT_FIELD_NAMES = {
    "firstName": ("first_name",),
    "lastName": ("last_name",),
    "name": ("first_name", "last_name"),
    "emailId": ("email",),
}
ROLE_PERMISSION_TYPES = ("AgentPublic", "AgentPersonal", "AgentTeamPersonal", "Admin", "Custom", "Light")
AGENT_LIST_INCLUDE = ("profile", "role")
AGENT_GET_INCLUDE = (
    "profile",
    "role",
    "associatedDepartments",
    "associatedChatDepartments",
    "verifiedEmails",
)
MYINFO_INCLUDE = ("profile", "role", "associatedDepartments", "associatedChatDepartments")
AGENTS_BY_IDS_MAX = 50
# addAgent / updateAgent bodies (Agent.json): text fields and their lengths.
AGENT_TEXT = {
    "firstName": ("first_name", 50),
    "lastName": ("last_name", 50),
    "phone": ("phone", 100),
    "mobile": ("mobile", 100),
    "extn": ("extn", 100),
    "countryCode": ("country_code", 8),
    "langCode": ("language_code", 16),
    "timeZone": ("time_zone", 64),
    "aboutInfo": ("about_info", 255),
}
AGENT_FIELDS = set(AGENT_TEXT) | {
    "emailId",
    "roleId",
    "profileId",
    "associatedDepartmentIds",
    "associatedChatDepartmentIds",
    "rolePermissionType",
    "status",
    "channelExpert",
    "cf",
}
AGENT_REQUIRED_ON_ADD = ("emailId", "lastName", "associatedDepartmentIds", "rolePermissionType")


def _reference_forms() -> bool:
    return bool(settings.SANDBOX_REFERENCE_FORMS)


# -- organizations and me ---------------------------------------------------------------------------


@desk_endpoint(scopes=ORG_READ, params=set(), org_required=False, methods=("GET",))
def organizations_list(request: HttpRequest) -> HttpResponse:
    """getOrganizations: the orgs of the token's user; the only call that needs no orgId header."""
    token = request.sandbox_token  # type: ignore[attr-defined]
    orgs = list(m.Org.objects.filter(pk__in=token.org_ids()).order_by("id"))
    return desk_list([org_json(org, is_default=index == 0) for index, org in enumerate(orgs)])


@desk_endpoint(scopes=ORG_READ, params={"includeCustomDomain"}, org_required=False, methods=("GET",))
def organization_get(request: HttpRequest, org_id: str) -> HttpResponse:
    """getOrganization; includeCustomDomain=true adds `customDomain` (none in the sandbox)."""
    token = request.sandbox_token  # type: ignore[attr-defined]
    custom_domain = q.bool_value(request, "includeCustomDomain")
    org = desk_object_or_404(m.Org.objects.filter(pk__in=token.org_ids()), org_id, what="organization")
    first = m.Org.objects.filter(pk__in=token.org_ids()).order_by("id").values_list("pk", flat=True).first()
    data = org_json(org, is_default=org.pk == first)
    if custom_domain:
        data["customDomain"] = None
    return desk_json(data)


@desk_endpoint(scopes=BASIC_READ, params={"include"}, methods=("GET",))
def myinfo(request: HttpRequest) -> HttpResponse:
    include = q.include_values(request, MYINFO_INCLUDE)
    agent = request.sandbox_agent  # type: ignore[attr-defined]
    if agent is None:
        raise DeskAPIError(404, "URL_NOT_FOUND", "The token's user is not an agent of this organization.")
    return desk_json(agent_json(agent, include=include))


# -- agents -----------------------------------------------------------------------------------------


def _agents(org: m.Org) -> QuerySet:
    """Agents that exist (not deleted)."""
    return m.Agent.objects.filter(org=org, is_deleted=False)


def _search_str_q(raw: str, field_name: str | None) -> Q:
    """searchStr: `x*` starts with, `*x*` contains, `x` exact (Department.json's note), on fieldName's
    columns or on first name, last name and email."""
    columns = AGENT_FIELD_NAMES[field_name] if field_name else ("first_name", "last_name", "email")
    condition = q.search_q(raw, *columns, multiple=False)
    return condition if condition is not None else Q()


def _filter_agents(queryset: QuerySet, request: HttpRequest) -> QuerySet:
    status = q.enum_value(request, "status", AGENT_STATUSES)
    if status == "DELETED":
        queryset = m.Agent.objects.filter(org=request.sandbox_org, is_deleted=True)  # type: ignore[attr-defined]
    elif status:
        queryset = queryset.filter(status=status)
    confirmed = q.bool_value(request, "isConfirmed")
    if confirmed is not None:
        queryset = queryset.filter(is_confirmed=confirmed)
    light = q.bool_value(request, "isLightAgent")
    if light is not None:
        light_q = Q(role_permission_type="Light")
        queryset = queryset.filter(light_q) if light else queryset.exclude(light_q)
    permission = request.GET.get("rolePermissionType")
    if permission:
        if permission == "${NON_LIGHT}":
            queryset = queryset.exclude(role_permission_type="Light")
        elif permission in ROLE_PERMISSION_TYPES:
            queryset = queryset.filter(role_permission_type=permission)
        else:
            raise c.invalid_param("rolePermissionType")
    for param, column in (("roleIds", "role_id__in"), ("profileIds", "profile_id__in")):
        ids = q.id_values(request, param, maximum=50)
        if ids:
            queryset = queryset.filter(**{column: ids})
    field_name = q.enum_value(request, "fieldName", AGENT_FIELD_NAMES)
    word = request.GET.get("searchStr")
    if word is not None:
        if not word.strip("*"):
            raise c.invalid_param("searchStr")
        queryset = queryset.filter(_search_str_q(word, field_name))
    cf_name, cf_word = request.GET.get("cfFieldName"), request.GET.get("cfSearchStr")
    if cf_word is not None:
        if not cf_name or not cf_name.startswith("cf_"):
            raise c.invalid_param("cfFieldName")
        condition = q.search_q(cf_word, f"cf__{cf_name}", multiple=False)
        if condition is not None:
            queryset = queryset.filter(condition)
    return queryset


def _sort_agents(queryset: QuerySet, request: HttpRequest) -> QuerySet:
    """sortOrder asc/desc on fieldName (default: the name); without either, creation order."""
    order = q.enum_value(request, "sortOrder", ("asc", "desc"))
    field_name = request.GET.get("fieldName")
    if order is None and field_name is None:
        return queryset.order_by("created_time", "pk")
    columns = AGENT_FIELD_NAMES.get(field_name or "name", ("first_name", "last_name"))
    prefix = "-" if order == "desc" else ""
    return queryset.order_by(*(prefix + column for column in columns), prefix + "pk")


@desk_endpoint(scopes=AGENT_READ, params=AGENT_LIST_PARAMS, max_limit=200)
def agents_list(request: HttpRequest) -> HttpResponse:
    """getAgents: status ACTIVE, DISABLED, DELETED or IMPORTED (no status: every agent not deleted);
    limit 1-200, default 10; 204 when none match."""
    org = request.sandbox_org  # type: ignore[attr-defined]
    include = q.include_values(request, AGENT_LIST_INCLUDE)
    queryset = _sort_agents(_filter_agents(_agents(org), request), request)
    departments = {str(d) for d in q.id_values(request, "departmentIds", maximum=50)}
    offset, limit = paging(request, default_limit=10)
    if departments:
        # department_ids is a JSON list; agents are few, so the filter runs in Python.
        rows = [a for a in queryset if departments & {str(d) for d in a.department_ids or []}]
        page = rows[offset : offset + limit]
    else:
        page = list(queryset[offset : offset + limit])
    return desk_list([agent_json(a, include=include) for a in page])


@desk_endpoint(scopes=AGENT_READ, params={"include"})
def agent_get(request: HttpRequest, agent_id: str) -> HttpResponse:
    include = q.include_values(request, AGENT_GET_INCLUDE)
    agent = desk_object_or_404(_agents(request.sandbox_org), agent_id, what="agent")  # type: ignore[attr-defined]
    return desk_json(agent_json(agent, include=include))


@desk_endpoint(scopes=AGENT_READ, params={"agentIds"}, methods=("GET",), list_call=True)
def agents_by_ids(request: HttpRequest) -> HttpResponse:
    """getAgentsByIds: `agentIds` (at most 50); ids that match nothing are left out."""
    ids = q.id_values(request, "agentIds", maximum=AGENTS_BY_IDS_MAX, required=True)
    rows = _agents(request.sandbox_org).filter(pk__in=ids).order_by("pk")  # type: ignore[attr-defined]
    return desk_json({"data": [agent_json(a) for a in rows]})


def _apply_agent(
    agent: m.Agent, data: dict[str, Any], org: m.Org, errors: c.FieldErrors, *, creating: bool
) -> None:
    c.reject_unknown_fields(data, AGENT_FIELDS, errors)
    for field, (column, length) in AGENT_TEXT.items():
        if field in data:
            value = c.text(data, field, errors, required=field == "lastName", max_length=length)
            if value is not None:
                setattr(agent, column, value)
    if "emailId" in data or creating:
        email = c.email_field(data, "emailId", errors, required=creating)
        if email:
            clash = m.Agent.objects.filter(org=org, email__iexact=email, is_deleted=False)
            if clash.exclude(pk=agent.pk or 0).exists():
                errors.add(
                    "emailId", "An agent with this email address already exists.", error_type="duplicate"
                )
            agent.email = email
    for field, column in (("roleId", "role_id"), ("profileId", "profile_id")):
        if field in data:
            number = c.integer(data, field, errors, minimum=1)
            if number is not None:
                setattr(agent, column, number)
    if "rolePermissionType" in data:
        permission = c.choice(data, "rolePermissionType", ROLE_PERMISSION_TYPES, errors)
        if permission:
            agent.role_permission_type = permission
    if "associatedDepartmentIds" in data:
        _apply_departments(agent, data, org, errors)
    if "associatedChatDepartmentIds" in data and not isinstance(data["associatedChatDepartmentIds"], list):
        errors.add(
            "associatedChatDepartmentIds", "The field 'associatedChatDepartmentIds' must be a list of ids."
        )
    if "channelExpert" in data:
        if isinstance(data["channelExpert"], list):
            agent.channel_expert = [str(v) for v in data["channelExpert"]]
        else:
            errors.add("channelExpert", "The field 'channelExpert' must be a list.")
    if "cf" in data:
        if isinstance(data["cf"], dict):
            agent.cf = {**(agent.cf or {}), **data["cf"]}
        else:
            errors.add("cf", "The field 'cf' must be an object.")
    if "status" in data:
        status = c.choice(data, "status", ("ACTIVE", "DISABLED"), errors)
        if status:
            agent.status = status


def _apply_departments(agent: m.Agent, data: dict[str, Any], org: m.Org, errors: c.FieldErrors) -> None:
    ids = data["associatedDepartmentIds"]
    if not isinstance(ids, list) or not ids:
        errors.add(
            "associatedDepartmentIds", "The field 'associatedDepartmentIds' must be a non-empty list of ids."
        )
        return
    known = {str(pk) for pk in m.Department.objects.filter(org=org).values_list("pk", flat=True)}
    unknown = [str(i) for i in ids if str(i) not in known]
    if unknown:
        errors.add("associatedDepartmentIds", f"No department with id {unknown[0]}.")
    else:
        agent.department_ids = [int(i) for i in ids]


def _save_agent(
    agent: m.Agent, *, org: m.Org, event_type: str, previous: dict | None, source: str | None
) -> None:
    with transaction.atomic(using=m.SANDBOX_DB):
        agent.save()
        webhooks_out.emit(
            org=org, event_type=event_type, payload=agent_json(agent), prev_state=previous, source_id=source
        )


@desk_endpoint(scopes=AGENT_CREATE, params=set())
def agent_create(request: HttpRequest) -> HttpResponse:
    """addAgent: emailId, lastName, associatedDepartmentIds and rolePermissionType are required; a
    Custom rolePermissionType also needs roleId and profileId. The agent stays unconfirmed until they
    accept the invitation, as in Desk."""
    org: m.Org = request.sandbox_org  # type: ignore[attr-defined]
    data = read_json_body(request)
    errors = c.FieldErrors()
    for field in AGENT_REQUIRED_ON_ADD:
        if field not in data and field != "emailId":
            errors.missing(field)
    if data.get("rolePermissionType") == "Custom":
        for field in ("roleId", "profileId"):
            if field not in data:
                errors.missing(field)
    now = c.now()
    agent = m.Agent(org=org, created_time=now, modified_time=now, is_confirmed=False)
    _apply_agent(agent, data, org, errors, creating=True)
    errors.raise_if_any()
    agent.id = m.next_id(org)
    _save_agent(agent, org=org, event_type="Agent_Add", previous=None, source=c.source_id(request))
    return desk_json(agent_json(agent))


@desk_endpoint(scopes=AGENT_UPDATE, params=set())
def agent_update(request: HttpRequest, agent_id: str) -> HttpResponse:
    """updateAgent; `status` takes ACTIVE or DISABLED (the reference's INACTIVE only with reference forms)."""
    org: m.Org = request.sandbox_org  # type: ignore[attr-defined]
    agent = desk_object_or_404(_agents(org), agent_id, what="agent")
    data = read_json_body(request)
    if not data:
        raise DeskAPIError(422, "EMPTY_PAYLOAD", "The request body is empty.")
    if _reference_forms() and str(data.get("status", "")).upper() == "INACTIVE":
        data = {**data, "status": "DISABLED"}
    previous = agent_json(agent)
    errors = c.FieldErrors()
    _apply_agent(agent, data, org, errors, creating=False)
    errors.raise_if_any()
    agent.modified_time = c.now()
    _save_agent(agent, org=org, event_type="Agent_Update", previous=previous, source=c.source_id(request))
    return desk_json(agent_json(agent))


def _set_status(request: HttpRequest, agents: list[m.Agent], status: str) -> None:
    org: m.Org = request.sandbox_org  # type: ignore[attr-defined]
    for agent in agents:
        if agent.status == status:
            continue
        previous = agent_json(agent)
        agent.status = status
        agent.modified_time = c.now()
        _save_agent(agent, org=org, event_type="Agent_Update", previous=previous, source=c.source_id(request))


def _agents_in_body(request: HttpRequest) -> list[m.Agent]:
    """The agents a bulk call's ``{"agentIds": [...]}`` body names; any id not in this org fails the whole call."""
    org: m.Org = request.sandbox_org  # type: ignore[attr-defined]
    data = read_json_body(request)
    errors = c.FieldErrors()
    c.reject_unknown_fields(data, {"agentIds"}, errors)
    errors.raise_if_any()
    ids = q.ids_body(data, "agentIds")
    agents = list(_agents(org).filter(pk__in=ids))
    missing = sorted(set(ids) - {a.pk for a in agents})
    if missing:
        raise q.unknown_ids("agentIds", missing, "agent")
    return agents


@desk_endpoint(scopes=AGENT_UPDATE, params=set(), methods=("POST",))
def agents_activate(request: HttpRequest) -> HttpResponse:
    """activateAgents: POST /agents/activate {"agentIds": [...]} -> 204."""
    agents = _agents_in_body(request)
    _set_status(request, agents, m.Agent.Status.ACTIVE)
    return desk_no_content()


@desk_endpoint(scopes=AGENT_UPDATE, params=set(), methods=("POST",))
def agent_deactivate(request: HttpRequest, agent_id: str) -> HttpResponse:
    """deactivateAgents: POST /agents/{id}/deactivate -> 204."""
    agent = desk_object_or_404(_agents(request.sandbox_org), agent_id, what="agent")  # type: ignore[attr-defined]
    _set_status(request, [agent], m.Agent.Status.DISABLED)
    return desk_no_content()


@desk_endpoint(scopes=AGENT_UPDATE, params=set(), methods=("POST",))
def agent_activate_reference(request: HttpRequest, agent_id: str) -> HttpResponse:
    """The reference document's POST /agents/{id}/activate (SANDBOX_REFERENCE_FORMS only)."""
    if not _reference_forms():
        raise DeskAPIError(404, "URL_NOT_FOUND", "The URL you have requested is not found.")
    agent = desk_object_or_404(_agents(request.sandbox_org), agent_id, what="agent")  # type: ignore[attr-defined]
    _set_status(request, [agent], m.Agent.Status.ACTIVE)
    return desk_no_content()


def _delete_agents(request: HttpRequest, agents: list[m.Agent], *, hard: bool) -> None:
    """Deleted agents keep their row (status DELETED) so `status=DELETED` lists them; unconfirmed
    agents never joined and disappear. Their tickets become unassigned."""
    org: m.Org = request.sandbox_org  # type: ignore[attr-defined]
    now = c.now()
    with transaction.atomic(using=m.SANDBOX_DB):
        for agent in agents:
            m.Ticket.objects.filter(org=org, assignee=agent).update(assignee=None, modified_time=now)
            agent.is_deleted = True
            agent.status = m.Agent.Status.DELETED
            agent.modified_time = now
            payload = agent_json(agent)
            if hard:
                agent.delete()
            else:
                agent.save()
            webhooks_out.emit(
                org=org, event_type="Agent_Delete", payload=payload, source_id=c.source_id(request)
            )


def _refuse_delete(agent: m.Agent, request: HttpRequest) -> None:
    """deleteAgent deletes confirmed agents only, and never the caller (our best reading: 422)."""
    if not agent.is_confirmed:
        raise DeskAPIError(
            422,
            "UNPROCESSABLE_ENTITY",
            "This agent has not confirmed the invitation: use POST /agents/deleteUnconfirmed.",
        )
    caller = request.sandbox_agent  # type: ignore[attr-defined]
    if caller is not None and caller.pk == agent.pk:
        raise DeskAPIError(422, "UNPROCESSABLE_ENTITY", "You cannot delete yourself.")


@desk_endpoint(scopes=AGENT_DELETE, params=set())
def agent_delete(request: HttpRequest, agent_id: str) -> HttpResponse:
    """deleteAgent: DELETE /agents/{id} (confirmed agents) -> 204."""
    agent = desk_object_or_404(_agents(request.sandbox_org), agent_id, what="agent")  # type: ignore[attr-defined]
    _refuse_delete(agent, request)
    _delete_agents(request, [agent], hard=False)
    return desk_no_content()


@desk_endpoint(scopes=AGENT_DELETE, params=set(), methods=("POST",))
def agent_delete_reference(request: HttpRequest, agent_id: str) -> HttpResponse:
    """The reference document's POST /agents/{id}/delete (SANDBOX_REFERENCE_FORMS only)."""
    if not _reference_forms():
        raise DeskAPIError(404, "URL_NOT_FOUND", "The URL you have requested is not found.")
    agent = desk_object_or_404(_agents(request.sandbox_org), agent_id, what="agent")  # type: ignore[attr-defined]
    _delete_agents(request, [agent], hard=not agent.is_confirmed)
    return desk_no_content()


@desk_endpoint(scopes=AGENT_DELETE, params=set(), methods=("POST",))
def agents_delete_unconfirmed(request: HttpRequest) -> HttpResponse:
    """deleteUnconfirmedAgent: POST /agents/deleteUnconfirmed {"agentIds": [...]} -> 204; a confirmed
    agent in the list is INVALID_DATA."""
    agents = _agents_in_body(request)
    confirmed = [a.pk for a in agents if a.is_confirmed]
    if confirmed:
        message = f"The agent {confirmed[0]} has confirmed the invitation: use DELETE /agents/{{agentId}}."
        raise DeskAPIError(422, "INVALID_DATA", message, errors=[field_error("agentIds", "invalid", message)])
    _delete_agents(request, agents, hard=True)
    return desk_no_content()


# -- departments and teams --------------------------------------------------------------------------


@desk_endpoint(
    scopes=DEPARTMENT_READ,
    params={"from", "limit", "isEnabled", "searchStr", "chatStatus"},
    max_limit=200,
    methods=("GET",),
)
def departments_list(request: HttpRequest) -> HttpResponse:
    """getDepartments: searchStr with `*` wildcards; chatStatus accepted (the sandbox has no chat)."""
    org = request.sandbox_org  # type: ignore[attr-defined]
    q.enum_value(request, "chatStatus", ("AVAILABLE", "DISABLED", "NOT_CREATED", "${UNAVAILABLE}"))
    queryset = m.Department.objects.filter(org=org).order_by("id")
    enabled = q.bool_value(request, "isEnabled")
    if enabled is not None:
        queryset = queryset.filter(is_enabled=enabled)
    word = request.GET.get("searchStr")
    if word:
        condition = q.search_q(word, "name", multiple=False)
        if condition is not None:
            queryset = queryset.filter(condition)
    return desk_list([department_json(d) for d in c.page(queryset, request, default_limit=10)])


@desk_endpoint(scopes=DEPARTMENT_READ, params=set(), methods=("GET",))
def department_get(request: HttpRequest, department_id: str) -> HttpResponse:
    org = request.sandbox_org  # type: ignore[attr-defined]
    department = desk_object_or_404(m.Department.objects.filter(org=org), department_id, what="department")
    data = department_json(department)
    # getDepartment adds associatedAgentIds; department_ids is a JSON list, agents are few.
    data["associatedAgentIds"] = [
        str(agent.pk) for agent in _agents(org) if department.pk in (agent.department_ids or [])
    ]
    return desk_json(data)


def _teams_page(queryset: QuerySet, request: HttpRequest) -> HttpResponse:
    """Team.json teamListResponse: `{"teams": [...]}` (200, also when empty); `limit` absent or 0 means
    every team (Team.json: "If limit is omitted or set to 0, the API returns all teams")."""
    offset = int(request.GET.get("from") or 0)
    limit = int(request.GET.get("limit") or 0)
    rows = list(queryset[offset : offset + limit] if limit else queryset[offset:])
    return desk_json({"teams": [team_json(t) for t in rows]})


def _zero_limit_means_all(view: Any) -> Any:
    """Team.json allows limit=0 ("all teams"); the contract's limit check starts at 1, so a 0 is taken
    off the query before the check (the request log still shows it)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.GET.get("limit") == "0":
            query = request.GET.copy()
            del query["limit"]
            request.GET = query  # type: ignore[assignment]
        return view(request, *args, **kwargs)

    return wrapper


@_zero_limit_means_all
@desk_endpoint(scopes=TEAM_READ, params={"from", "limit"}, max_limit=200, methods=("GET",))
def teams_list(request: HttpRequest) -> HttpResponse:
    """getTeams: the teams of every department."""
    org = request.sandbox_org  # type: ignore[attr-defined]
    return _teams_page(m.Team.objects.filter(org=org).order_by("id"), request)


@_zero_limit_means_all
@desk_endpoint(scopes=TEAM_READ, params={"from", "limit", "searchStr"}, max_limit=200, methods=("GET",))
def department_teams(request: HttpRequest, department_id: str) -> HttpResponse:
    """getTeamsInDepartment."""
    org = request.sandbox_org  # type: ignore[attr-defined]
    department = desk_object_or_404(m.Department.objects.filter(org=org), department_id, what="department")
    queryset = m.Team.objects.filter(org=org, department=department).order_by("id")
    word = request.GET.get("searchStr")
    if word:
        queryset = queryset.filter(name__icontains=word.strip("*"))
    return _teams_page(queryset, request)


@desk_endpoint(scopes=TEAM_READ, params=set(), methods=("GET",))
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
