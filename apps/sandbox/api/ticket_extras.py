"""Desk API ticket extras: tags (TicketTag.json), followers (TicketFollowers.json), metrics and agents'
ticket counts (Ticket.json), and the From addresses a reply may use (MailReplyAddress.json)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse

from apps.sandbox import models as m
from apps.sandbox.api import common as c
from apps.sandbox.api.serializers import follower_json, mail_reply_address_json, tag_json, ticket_json
from apps.sandbox.api.tickets import (
    CREATE,
    READ,
    UPDATE,
    _includes,
    _list_filter,
    _tickets,
    _with_related,
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

TAG_RE = re.compile(r"^(?!null$)[\w.\-+% ]{3,50}$", re.UNICODE)
TAG_SORTS = {"createdTime": "created_time", "count": "ticket_count"}
TAG_TICKET_INCLUDES = frozenset({"contacts", "isRead", "products", "assignee", "departments", "team"})
TAG_TICKET_SORTS = {
    "createdTime": "created_time",
    "modifiedTime": "modified_time",
    "dueDate": "due_date",
    "recentThread": "customer_response_time",
    "ticketNumber": "ticket_number",
}
SETTINGS_READ = ("Desk.settings.READ", "Desk.basic.READ")
AGENT_IDS_MAX = 50


def _ticket(request: HttpRequest, ticket_id: str) -> m.Ticket:
    return desk_object_or_404(_tickets(request.sandbox_org), ticket_id, what="ticket")  # type: ignore[attr-defined]


def _required_department(request: HttpRequest) -> m.Department:
    """`departmentId` that these operations require, as a department of the org."""
    raw = request.GET.get("departmentId")
    if not raw:
        message = "The parameter 'departmentId' is required."
        raise DeskAPIError(
            422, "UNPROCESSABLE_ENTITY", message, errors=[field_error("departmentId", "missing", message)]
        )
    departments = m.Department.objects.filter(org=request.sandbox_org)  # type: ignore[attr-defined]
    try:
        return departments.get(pk=int(raw))
    except (ValueError, m.Department.DoesNotExist):
        raise c.invalid_param("departmentId") from None


# -- tags -------------------------------------------------------------------------------------------


def _tag_names(data: dict[str, Any]) -> list[str]:
    """The body's `tags`: 1..51 names of 3..50 characters (TicketTag.json tagArray)."""
    errors = c.FieldErrors()
    c.reject_unknown_fields(data, {"tags"}, errors)
    tags = data.get("tags")
    if "tags" not in data:
        errors.missing("tags")
    elif not isinstance(tags, list) or not 1 <= len(tags) <= 51:
        errors.add("tags", "The field 'tags' must be a list of 1 to 51 tag names.")
    elif not all(isinstance(t, str) and TAG_RE.match(t.strip()) for t in tags):
        errors.add("tags", "A tag name must be 3 to 50 letters, digits, spaces or _ . - + %.")
    errors.raise_if_any()
    assert isinstance(tags, list)  # raise_if_any() raised for anything else
    return list(dict.fromkeys(t.strip() for t in tags))


@desk_endpoint(scopes=READ, params=set())
def ticket_tags(request: HttpRequest, ticket_id: str) -> HttpResponse:
    """GET /tickets/{id}/tags (getTagsByTicket): {"tags": [...]}, an empty list when there are none."""
    ticket = _ticket(request, ticket_id)
    return desk_json({"tags": [tag_json(t) for t in ticket.tags.order_by("name", "pk")]})


@desk_endpoint(scopes=CREATE, params=set())
def ticket_associate_tags(request: HttpRequest, ticket_id: str) -> HttpResponse:
    """POST /tickets/{id}/associateTag {"tags": [...]}: creates missing tags in the ticket's department;
    answers the ticket's tags (commonTagResponse)."""
    ticket = _ticket(request, ticket_id)
    names = _tag_names(read_json_body(request))
    org = ticket.org
    with transaction.atomic(using=m.SANDBOX_DB):
        existing = {t.name.lower(): t for t in m.TicketTag.objects.filter(department_id=ticket.department_id)}
        for name in names:
            tag = existing.get(name.lower())
            if tag is None:
                tag = m.TicketTag.objects.create(
                    id=m.next_id(org), org=org, department_id=ticket.department_id, name=name
                )
                existing[name.lower()] = tag
            tag.tickets.add(ticket)
        m.Ticket.objects.filter(pk=ticket.pk).update(modified_time=c.now())
    return desk_json({"data": [tag_json(t) for t in ticket.tags.order_by("name", "pk")]})


@desk_endpoint(scopes=CREATE, params=set())
def ticket_dissociate_tags(request: HttpRequest, ticket_id: str) -> HttpResponse:
    """POST /tickets/{id}/dissociateTag {"tags": [...]}: 200 with an empty body (emptyResponse)."""
    ticket = _ticket(request, ticket_id)
    names = {n.lower() for n in _tag_names(read_json_body(request))}
    with transaction.atomic(using=m.SANDBOX_DB):
        for tag in ticket.tags.all():
            if tag.name.lower() in names:
                tag.tickets.remove(ticket)
        m.Ticket.objects.filter(pk=ticket.pk).update(modified_time=c.now())
    return _empty_200()


def _empty_200() -> HttpResponse:
    response = HttpResponse(status=200)
    del response["Content-Type"]
    return response


def _department_tags(department: m.Department) -> QuerySet:
    return m.TicketTag.objects.filter(department=department).annotate(
        ticket_count=Count("tickets", filter=Q(tickets__is_trashed=False))
    )


@desk_endpoint(scopes=READ, params={"departmentId", "from", "limit", "sortBy"})
def ticket_tags_list(request: HttpRequest) -> HttpResponse:
    """GET /ticketTags?departmentId= (listTicketTags): {"data": [{id, name, tagType, ticketCount}]};
    sortBy createdTime or count, descending by default (Ticket tags' OAS note)."""
    department = _required_department(request)
    raw = request.GET.get("sortBy") or "-createdTime"  # no sortBy: newest first, as the OAS notes
    key = raw.lstrip("-")
    if key not in TAG_SORTS:
        raise c.invalid_param("sortBy")
    order = f"-{TAG_SORTS[key]}" if raw.startswith("-") else TAG_SORTS[key]
    queryset = _department_tags(department).order_by(order, "-pk" if raw.startswith("-") else "pk")
    rows = c.page(queryset, request, default_limit=100)
    return desk_json({"data": [tag_json(t, ticket_count=t.ticket_count) for t in rows]})


@desk_endpoint(scopes=READ, params={"searchVal", "departmentId", "from", "limit"})
def tags_search(request: HttpRequest) -> HttpResponse:
    """GET /tags/search?departmentId=&searchVal= (searchTags): {"data": [{id, name, tagType}]}."""
    department = _required_department(request)
    queryset = m.TicketTag.objects.filter(department=department)
    value = (request.GET.get("searchVal") or "").strip().strip("*")
    if value:
        queryset = queryset.filter(name__icontains=value)
    rows = c.page(queryset.order_by("name", "pk"), request, default_limit=100)
    return desk_json({"data": [tag_json(t) for t in rows]})


@desk_endpoint(
    scopes=READ,
    params={
        "include",
        "assignee",
        "channel",
        "status",
        "receivedInDays",
        "priority",
        "from",
        "limit",
        "sortBy",
    },
)
def tag_tickets(request: HttpRequest, tag_id: str) -> HttpResponse:
    """GET /tags/{tagId}/tickets (getTicketsByTag): the list view of the tag's tickets, 204 if none."""
    org = request.sandbox_org  # type: ignore[attr-defined]
    tag = desk_object_or_404(m.TicketTag.objects.filter(org=org), tag_id, what="tag")
    include = _includes(request, TAG_TICKET_INCLUDES)
    queryset = _list_filter(_tickets(org).filter(tags=tag), request, org)
    queryset = c.sort_queryset(queryset, request, fields=TAG_TICKET_SORTS, default="createdTime")
    rows = c.page(_with_related(queryset, include), request, default_limit=25)
    return desk_list([ticket_json(t, include=include) for t in rows])


# -- followers --------------------------------------------------------------------------------------


def _follower_agents(request: HttpRequest) -> list[m.Agent]:
    """The body's `followerIds`, each an active agent of the org (TicketFollowers.json)."""
    data = read_json_body(request)
    errors = c.FieldErrors()
    c.reject_unknown_fields(data, {"followerIds"}, errors)
    ids = c.id_list(data, "followerIds", errors)
    errors.raise_if_any()
    agents = list(m.Agent.objects.filter(org=request.sandbox_org, pk__in=ids, is_deleted=False))  # type: ignore[attr-defined]
    missing = sorted(set(ids) - {a.pk for a in agents})
    if missing:
        message = f"No agent with id {missing[0]} in this organization."
        raise DeskAPIError(
            422, "INVALID_DATA", message, errors=[field_error("followerIds", "invalid", message)]
        )
    return agents


@desk_endpoint(scopes=READ, params=set())
def ticket_followers(request: HttpRequest, ticket_id: str) -> HttpResponse:
    """GET /tickets/{id}/followers (getTicketFollowers): {"data": [...]}; the OAS lists only 200, so
    no followers is an empty list (best reading)."""
    ticket = _ticket(request, ticket_id)
    links = m.TicketFollower.objects.filter(ticket=ticket).select_related("agent").order_by("pk")
    return desk_json({"data": [follower_json(link.agent) for link in links]})


@desk_endpoint(scopes=UPDATE, params=set())
def ticket_add_followers(request: HttpRequest, ticket_id: str) -> HttpResponse:
    """POST /tickets/{id}/addFollowers {"followerIds": [...]}: 204; following twice is harmless."""
    ticket = _ticket(request, ticket_id)
    for agent in _follower_agents(request):
        try:
            with transaction.atomic(using=m.SANDBOX_DB):
                m.TicketFollower.objects.get_or_create(ticket=ticket, agent=agent)
        except IntegrityError:
            pass  # a concurrent add of the same follower
    return desk_no_content()


@desk_endpoint(scopes=UPDATE, params=set())
def ticket_remove_followers(request: HttpRequest, ticket_id: str) -> HttpResponse:
    """POST /tickets/{id}/removeFollowers {"followerIds": [...]}: 204."""
    ticket = _ticket(request, ticket_id)
    agents = _follower_agents(request)
    m.TicketFollower.objects.filter(ticket=ticket, agent__in=agents).delete()
    return desk_no_content()


# -- metrics ----------------------------------------------------------------------------------------


def hours_text(delta: dt.timedelta | None) -> str:
    """Desk's duration text, "01:50 hrs"; "" when there is nothing to measure (best reading)."""
    if delta is None:
        return ""
    minutes = max(int(delta.total_seconds() // 60), 0)
    return f"{minutes // 60:02d}:{minutes % 60:02d} hrs"


def ticket_metrics_json(ticket: m.Ticket, *, now: dt.datetime) -> dict[str, Any]:
    """getTicketMetrics computed from the conversation: the first response is the first outgoing thread;
    each response answers the customer messages before it; resolution is created→closed."""
    threads = list(m.Thread.objects.filter(ticket=ticket).order_by("created_time", "pk"))
    outgoing = [t for t in threads if t.direction == m.Thread.Direction.OUT]
    first_out = ticket.first_response_time or (outgoing[0].created_time if outgoing else None)
    first_response = None if first_out is None else first_out - ticket.created_time
    waiting_since: dt.datetime | None = ticket.created_time
    total = dt.timedelta()
    responses = 0
    handled: dict[int, dt.timedelta] = {}
    for thread in threads:
        if thread.direction == m.Thread.Direction.IN:
            waiting_since = waiting_since or thread.created_time
            continue
        if waiting_since is not None:
            gap = thread.created_time - waiting_since
            total += gap
            responses += 1
            if thread.author_id is not None:
                handled[thread.author_id] = handled.get(thread.author_id, dt.timedelta()) + gap
            waiting_since = None
    end = ticket.closed_time or now
    if ticket.assignee_id is not None and ticket.assignee_id not in handled:
        handled[ticket.assignee_id] = end - ticket.created_time
    agents = {a.pk: a for a in m.Agent.objects.filter(pk__in=list(handled))}
    return {
        "firstResponseTime": hours_text(first_response),
        "totalResponseTime": hours_text(total if responses else None),
        "responseCount": str(responses),
        "outgoingCount": str(len(outgoing)),
        "threadCount": str(len(threads)),
        # The sandbox keeps no assignment or status history: counts it cannot know are 0 (best reading).
        "reassignCount": "0",
        "reopenCount": "0",
        "resolutionTime": hours_text(
            None if ticket.closed_time is None else ticket.closed_time - ticket.created_time
        ),
        "agentsHandled": [
            {
                "agentId": str(agent_id),
                "agentName": agents[agent_id].name if agent_id in agents else "",
                "handlingTime": hours_text(delta),
            }
            for agent_id, delta in handled.items()
        ],
        "stagingData": [{"status": ticket.status, "handledTime": hours_text(end - ticket.created_time)}],
    }


@desk_endpoint(scopes=READ, params=set())
def ticket_metrics(request: HttpRequest, ticket_id: str) -> HttpResponse:
    """GET /tickets/{id}/metrics (getTicketsMetrics)."""
    return desk_json(ticket_metrics_json(_ticket(request, ticket_id), now=c.now()))


@desk_endpoint(scopes=READ, params={"agentIds", "departmentId"}, list_call=False)
def agents_tickets_count(request: HttpRequest) -> HttpResponse:
    """GET /agentsTicketsCount?agentIds=…[&departmentId=id|allDepartment] (getAgentsTicketsCount):
    per agent, open/on-hold/overdue/due-within-an-hour counts of the tickets assigned to them."""
    org = request.sandbox_org  # type: ignore[attr-defined]
    raw = request.GET.get("agentIds")
    if not raw:
        message = "The parameter 'agentIds' is required."
        raise DeskAPIError(
            422, "UNPROCESSABLE_ENTITY", message, errors=[field_error("agentIds", "missing", message)]
        )
    ids = list(dict.fromkeys(c.csv_ids(request, "agentIds")))
    if len(ids) > AGENT_IDS_MAX:
        raise c.invalid_param("agentIds")
    agents = {a.pk: a for a in m.Agent.objects.filter(org=org, pk__in=ids)}
    if len(agents) != len(ids):
        message = "An agent id does not belong to this organization."
        raise DeskAPIError(422, "INVALID_DATA", message, errors=[field_error("agentIds", "invalid", message)])
    queryset = _tickets(org).filter(assignee_id__in=ids)
    department = request.GET.get("departmentId")
    if department and department != "allDepartment":
        if c.ascii_id(department) is None:
            raise c.invalid_param("departmentId")
        queryset = queryset.filter(department_id=int(department))
    now = c.now()
    not_closed = ~Q(status_type="Closed")
    rows = queryset.values("assignee_id").annotate(
        open=Count("pk", filter=Q(status_type="Open")),
        onhold=Count("pk", filter=Q(status_type="On Hold")),
        overdue=Count("pk", filter=not_closed & Q(due_date__lt=now)),
        due_soon=Count(
            "pk", filter=not_closed & Q(due_date__gte=now, due_date__lt=now + dt.timedelta(hours=1))
        ),
    )
    counts = {row["assignee_id"]: row for row in rows}
    data = []
    for agent_id in ids:
        row = counts.get(agent_id, {})
        data.append(
            {
                "agentId": str(agent_id),
                "openCount": row.get("open", 0),
                "onholdCount": row.get("onhold", 0),
                "overDueCount": row.get("overdue", 0),
                "dueIn1HrCount": row.get("due_soon", 0),
                # best reading: the sandbox has no presence; an active agent counts as online.
                "isOnline": agents[agent_id].status == m.Agent.Status.ACTIVE,
            }
        )
    return desk_json({"data": data})


# -- From addresses ---------------------------------------------------------------------------------


def reply_addresses(org: m.Org) -> QuerySet:
    """The org's From addresses. Departments' configured `email_addresses` (what the seed and the test
    fixtures set) become MailReplyAddress rows the first time they are asked for."""
    known = set(m.MailReplyAddress.objects.filter(org=org).values_list("department_id", "address"))
    for department in m.Department.objects.filter(org=org).only("pk", "name", "email_addresses"):
        for index, address in enumerate(department.email_addresses or []):
            if (department.pk, address) in known:
                continue
            try:
                with transaction.atomic(using=m.SANDBOX_DB):
                    m.MailReplyAddress.objects.create(
                        id=m.next_id(org),
                        org=org,
                        department=department,
                        address=address,
                        display_name=department.name,
                        is_department_default=index == 0,
                    )
            except IntegrityError:
                pass  # created by a concurrent request
    return m.MailReplyAddress.objects.filter(org=org)


@desk_endpoint(scopes=SETTINGS_READ, params={"departmentId", "isActive", "from", "limit"})
def mail_reply_addresses(request: HttpRequest) -> HttpResponse:
    """GET /mailReplyAddress?departmentId=id|allDepartment (getReplyMailAddresses): `from` starts at 1
    (its OAS default and minimum), `limit` 1..100 (default 50); 204 when there are none."""
    org = request.sandbox_org  # type: ignore[attr-defined]
    department = request.GET.get("departmentId")
    if not department:
        message = "The parameter 'departmentId' is required."
        raise DeskAPIError(
            422, "UNPROCESSABLE_ENTITY", message, errors=[field_error("departmentId", "missing", message)]
        )
    queryset = reply_addresses(org)
    if department != "allDepartment":
        if c.ascii_id(department) is None:
            raise c.invalid_param("departmentId")
        queryset = queryset.filter(department_id=int(department))
    active = c.bool_param(request, "isActive")
    if active is not None:
        queryset = queryset.filter(is_active=active)
    start, limit = paging(request, default_limit=50)
    if "from" in request.GET and start < 1:
        raise c.invalid_param("from")
    start = max(start, 1)
    rows = list(queryset.order_by("pk")[start - 1 : start - 1 + limit])
    return desk_list([mail_reply_address_json(a) for a in rows])


@desk_endpoint(scopes=SETTINGS_READ, params=set())
def mail_reply_address(request: HttpRequest, address_id: str) -> HttpResponse:
    """GET /mailReplyAddress/{id} (getFromAddress): {"data": {...}}."""
    org = request.sandbox_org  # type: ignore[attr-defined]
    address = desk_object_or_404(reply_addresses(org), address_id, what="From address")
    return desk_json({"data": mail_reply_address_json(address)})
