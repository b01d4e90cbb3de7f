"""Desk API ticket operations as Ticket.json and Search.json describe them: list, get, create, update,
moveToTrash, search, ticketsByIds. The reference document's forms (DELETE /tickets/{id},
/tickets/{id}/sla, /ticketsCount) answer only with SANDBOX_REFERENCE_FORMS."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from apps.sandbox import models as m
from apps.sandbox import sla, webhooks_out
from apps.sandbox.api import common as c
from apps.sandbox.api.serializers import search_ticket_json, ticket_json
from apps.sandbox.contract import (
    DeskAPIError,
    desk_endpoint,
    desk_json,
    desk_list,
    desk_no_content,
    desk_object_or_404,
    desk_time,
    field_error,
    paging,
    read_json_body,
    url_not_found,
)

READ = ("Desk.tickets.READ",)
CREATE = ("Desk.tickets.CREATE",)
UPDATE = ("Desk.tickets.UPDATE",)
DELETE = ("Desk.tickets.DELETE",)

# getTickets: include, sortBy and the filters exactly as Ticket.json lists them.
LIST_INCLUDES = frozenset({"contacts", "products", "departments", "team", "assignee"})
# getTicket adds contract, isRead and skills.
ONE_INCLUDES = LIST_INCLUDES | {"contract", "isRead", "skills"}
LIST_PARAMS = {
    "include",
    "departmentIds",
    "priority",
    "departmentId",
    "limit",
    "channel",
    "from",
    "sortBy",
    "assignee",
    "teamIds",
    "receivedInDays",
    "status",
    "viewId",
    "fields",
    "filters",
}
# recentThread: the time of the latest thread; the sandbox keeps the latest customer thread's time
# (customerResponseTime) on the ticket, which is what a queue sorted by recent activity wants.
LIST_SORTS = {"dueDate": "due_date", "createdTime": "created_time", "recentThread": "customer_response_time"}
LIST_DEFAULT_LIMIT = 25
RECEIVED_IN_DAYS = {"15", "30", "90", "-1"}

# searchTickets (Search.json).
SEARCH_PARAMS = {
    "email",
    "phone",
    "ticketNumber",
    "accountName",
    "subject",
    "departmentId",
    "productName",
    "_all",
    "limit",
    "from",
    "dueDateRange",
    "id",
    "productId",
    "contactId",
    "createdTimeRange",
    "priority",
    "assigneeId",
    "accountId",
    "modifiedTimeRange",
    "status",
    "channel",
    "customerResponseTimeRange",
    "description",
    "sortBy",
    "tag",
    "contactName",
    "category",
} | {f"customField{n}" for n in range(1, 11)}
# relevance has no score in the sandbox: the most recently modified match comes first.
SEARCH_SORTS = {
    "relevance": "modified_time",
    "modifiedTime": "modified_time",
    "createdTime": "created_time",
    "customerResponseTime": "customer_response_time",
}
SEARCH_DEFAULT_LIMIT = 10
SEARCH_MAX_FROM = 999  # Search.json: from has "maximum": 999
# Search.json: yyyy-MM-ddThh:mm:ss.SSSZ,yyyy-MM-ddThh:mm:ss.SSSZ (milliseconds optional, always UTC "Z").
TIME_RANGE_RE = re.compile(
    r"^(\d{4}-\d{1,2}-\d{1,2}T\d{1,2}:\d{1,2}:\d{1,2}(?:\.\d{0,3})?Z),(\d{4}-\d{1,2}-\d{1,2}T\d{1,2}:\d{1,2}:\d{1,2}(?:\.\d{0,3})?Z)$"
)
BY_IDS_MAX = 50

TICKET_FIELDS = {
    "subject",
    "description",
    "departmentId",
    "contactId",
    "contact",
    "accountId",
    "email",
    "phone",
    "priority",
    "status",
    "classification",
    "channel",
    "category",
    "subCategory",
    "language",
    "dueDate",
    "responseDueDate",
    "assigneeId",
    "teamId",
    "resolution",
    "cf",
    "customFields",
    "productId",
    "secondaryContacts",
    "isSpam",
    # Accepted as Ticket.json lists them; the sandbox has no layouts, skills, products or sharing.
    "uploads",
    "webUrl",
    "sharedDepartments",
    "entitySkills",
    "ticketCreationType",
    "clonedTicketId",
    "layoutId",
    "parentTicket",
    "sourceTicket",
}
CONTACT_OBJECT_FIELDS = {"firstName", "lastName", "email", "phone", "mobile", "accountId", "accountName"}


def reference_forms() -> bool:
    """The reference document's non-Desk forms are an opt-in (settings.SANDBOX_REFERENCE_FORMS)."""
    return bool(settings.SANDBOX_REFERENCE_FORMS)


def reference_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A path real Desk doesn't have: URL_NOT_FOUND unless the reference forms are switched on."""

    @csrf_exempt
    def dispatch(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if reference_forms():
            return view(request, *args, **kwargs)
        return url_not_found(request, *args, **kwargs)

    return dispatch


def _tickets(org: m.Org) -> QuerySet:
    return m.Ticket.objects.filter(org=org, is_trashed=False)


def _includes(request: HttpRequest, allowed: frozenset[str] | set[str]) -> set[str]:
    include = set(c.csv_param(request, "include"))
    if include - set(allowed):
        raise c.invalid_param("include")
    return include


def _with_related(queryset: QuerySet, include: set[str]) -> QuerySet:
    related = []
    if "contacts" in include:
        related += ["contact", "account"]
    if "assignee" in include:
        related.append("assignee")
    if "departments" in include:
        related.append("department")
    if "team" in include:
        related.append("team")
    return queryset.select_related(*related) if related else queryset


def _status_names(org: m.Org, values: list[str]) -> Q:
    """Status names as the org spells them; ${open}/${onhold}/${closed} mean every status of that type."""
    known = {name.lower(): name for name in org.statuses()}
    types = {"${open}": "Open", "${onhold}": "On Hold", "${closed}": "Closed"}
    condition = Q()
    for value in values:
        if value.lower() in types:
            condition |= Q(status_type=types[value.lower()])
        else:
            condition |= Q(status=known.get(value.lower(), value))
    return condition


def _list_filter(queryset: QuerySet, request: HttpRequest, org: m.Org) -> QuerySet:
    """getTickets' filters: status, assignee (ids or Unassigned), departmentId(s), teamIds, channel,
    priority, receivedInDays (on customerResponseTime), viewId, filters."""
    statuses = c.csv_param(request, "status")
    if statuses:
        queryset = queryset.filter(_status_names(org, statuses))
    assignees = c.csv_param(request, "assignee")
    if assignees:
        condition = Q()
        ids: list[int] = []
        for value in assignees:
            if value.lower() == "unassigned":
                condition |= Q(assignee__isnull=True)
            elif c.ascii_id(value) is not None:
                ids.append(int(value))
            else:
                raise c.invalid_param("assignee")
        if ids:
            condition |= Q(assignee_id__in=ids)
        queryset = queryset.filter(condition)
    departments = c.csv_ids(request, "departmentId") + c.csv_ids(request, "departmentIds")
    if len(c.csv_param(request, "departmentIds")) > 20:
        raise c.invalid_param("departmentIds")
    if departments:
        queryset = queryset.filter(department_id__in=departments)
    teams = c.csv_ids(request, "teamIds")
    if teams:
        queryset = queryset.filter(team_id__in=teams)
    for param, column in (("channel", "channel"), ("priority", "priority")):
        values = c.csv_param(request, param)
        if values:
            pattern = r"^(" + "|".join(re.escape(v) for v in values) + r")$"
            queryset = queryset.filter(**{f"{column}__iregex": pattern})
    view_id = request.GET.get("viewId")
    if view_id is not None and c.ascii_id(view_id) is None:
        raise c.invalid_param("viewId")
    received = request.GET.get("receivedInDays")
    if received is not None:
        if received not in RECEIVED_IN_DAYS:
            raise c.invalid_param("receivedInDays")
        if received != "-1":
            since = c.now() - dt.timedelta(days=int(received))
            queryset = queryset.filter(customer_response_time__gte=since)
    raw_filters = request.GET.get("filters")
    if raw_filters is not None:
        # Parsed so a malformed value is refused; the sandbox has no custom views to apply it to.
        try:
            if not isinstance(json.loads(raw_filters), dict):
                raise ValueError
        except ValueError:
            raise c.invalid_param("filters") from None
    return queryset


@desk_endpoint(scopes=READ, params=LIST_PARAMS)
def tickets_list(request: HttpRequest) -> HttpResponse:
    """GET /tickets (getTickets): 204 when nothing matches."""
    org = request.sandbox_org  # type: ignore[attr-defined]
    include = _includes(request, LIST_INCLUDES)
    queryset = _list_filter(_tickets(org), request, org)
    queryset = c.sort_queryset(queryset, request, fields=LIST_SORTS, default="createdTime")
    rows = c.page(_with_related(queryset, include), request, default_limit=LIST_DEFAULT_LIMIT)
    return desk_list([c.pick_fields(ticket_json(t, include=include), request) for t in rows])


@desk_endpoint(scopes=READ, params=LIST_PARAMS - {"from", "limit", "sortBy", "include", "fields"})
def tickets_count(request: HttpRequest) -> HttpResponse:
    """The reference document's GET /ticketsCount (not in Ticket.json): {"count": n}."""
    org = request.sandbox_org  # type: ignore[attr-defined]
    return desk_json({"count": _list_filter(_tickets(org), request, org).count()})


def _detail(ticket: m.Ticket, request: HttpRequest) -> dict[str, Any]:
    """ticket_detail_response's extra keys for one ticket."""
    agent = request.sandbox_agent  # type: ignore[attr-defined]
    followers = m.TicketFollower.objects.filter(ticket=ticket)
    return {
        "isFollowing": agent is not None and followers.filter(agent=agent).exists(),
        "followerCount": str(followers.count()),
        "tagCount": str(ticket.tags.count()),
        "createdBy": None if ticket.created_by is None else str(ticket.created_by),
    }


@desk_endpoint(scopes=READ, params={"include"})
def ticket_get(request: HttpRequest, ticket_id: str) -> HttpResponse:
    """GET /tickets/{id} (getTicket)."""
    include = _includes(request, ONE_INCLUDES)
    ticket = desk_object_or_404(
        _with_related(_tickets(request.sandbox_org), include),  # type: ignore[attr-defined]
        ticket_id,
        what="ticket",
    )
    return desk_json(ticket_json(ticket, include=include, detail=_detail(ticket, request)))


def _status(org: m.Org, value: str | None, errors: c.FieldErrors) -> tuple[str, str] | None:
    if value is None:
        return None
    known = org.statuses()
    for name, status_type in known.items():
        if name.lower() == value.lower():
            return name, status_type
    errors.add(
        "status", "The value of 'status' is not a status of this organization.", expectedValues=list(known)
    )
    return None


def _contact_from_object(org: m.Org, value: Any, errors: c.FieldErrors) -> m.Contact | None:
    """`contact: {...}` on create: an existing contact with that email, or a new one."""
    if not isinstance(value, dict):
        errors.add("contact", "The field 'contact' must be an object.")
        return None
    for name in value:
        if name not in CONTACT_OBJECT_FIELDS:
            errors.add(f"contact/{name}", f"An extra field '{name}' is found.", error_type="unknown")
    email = c.email_field(value, "email", errors)
    last_name = c.text(value, "lastName", errors, max_length=100)
    if email:
        existing = m.Contact.objects.filter(org=org, email__iexact=email, is_trashed=False).first()
        if existing is not None:
            return existing
    if not last_name and not email:
        errors.add("contact/lastName", "The contact needs a lastName or an email.", error_type="missing")
        return None
    first_name = c.text(value, "firstName", errors, max_length=100) or ""
    phone = c.text(value, "phone", errors, max_length=50) or ""
    mobile = c.text(value, "mobile", errors, max_length=50) or ""
    if errors.errors:
        return None
    account = None
    account_name = c.text(value, "accountName", errors, max_length=200)
    if account_name:
        account = m.Account.objects.filter(
            org=org, account_name__iexact=account_name, is_trashed=False
        ).first()
    contact = m.Contact.objects.create(
        id=m.next_id(org),
        org=org,
        first_name=first_name,
        last_name=last_name or (email or "").split("@")[0],
        email=email or "",
        phone=phone,
        mobile=mobile,
        account=account,
    )
    contact._created_now = True  # type: ignore[attr-defined]
    return contact


def _apply_common(ticket: m.Ticket, data: dict[str, Any], org: m.Org, errors: c.FieldErrors) -> None:
    """Fields shared by create and update; only keys present in `data` change."""
    simple = {
        "subject": ("subject", 255),
        "description": ("description", 65535),
        "category": ("category", 100),
        "subCategory": ("sub_category", 100),
        "language": ("language", 32),
        "phone": ("phone", 50),
        "resolution": ("resolution", 65535),
    }
    for field, (column, length) in simple.items():
        if field in data:
            value = c.text(data, field, errors, required=field == "subject", max_length=length)
            if value is not None:
                setattr(ticket, column, value)
    if "email" in data:
        value = c.email_field(data, "email", errors)
        if value is not None:
            ticket.email = value
    if "priority" in data:
        if data["priority"] in (None, ""):
            ticket.priority = ""
        else:
            value = c.choice(data, "priority", m.PRIORITIES, errors)
            if value:
                ticket.priority = value
    if "channel" in data:
        value = c.choice(data, "channel", m.CHANNELS, errors)
        if value:
            ticket.channel = value
    if "classification" in data:
        if data["classification"] in (None, ""):
            ticket.classification = ""
        else:
            value = c.choice(data, "classification", m.CLASSIFICATIONS, errors)
            if value:
                ticket.classification = value
    if "status" in data:
        status = _status(org, c.text(data, "status", errors, required=True), errors)
        if status:
            ticket.status, ticket.status_type = status
    if "departmentId" in data:
        if data["departmentId"] in (None, ""):
            errors.missing("departmentId")
        else:
            department = c.record_id(data, "departmentId", m.Department.objects.filter(org=org), errors)
            if department is not None:
                ticket.department = department
    if "assigneeId" in data:
        if data["assigneeId"] in (None, ""):
            ticket.assignee = None
        else:
            agents = m.Agent.objects.filter(org=org, is_deleted=False, status=m.Agent.Status.ACTIVE)
            ticket.assignee = c.record_id(data, "assigneeId", agents, errors)
    if "teamId" in data:
        if data["teamId"] in (None, ""):
            ticket.team = None
        else:
            ticket.team = c.record_id(data, "teamId", m.Team.objects.filter(org=org), errors)
    if "accountId" in data:
        if data["accountId"] in (None, ""):
            ticket.account = None
        else:
            accounts = m.Account.objects.filter(org=org, is_trashed=False)
            ticket.account = c.record_id(data, "accountId", accounts, errors)
    for field, column in (("dueDate", "due_date"), ("responseDueDate", "response_due_date")):
        if field in data:
            setattr(ticket, column, c.timestamp(data, field, errors))
    if "cf" in data:
        if isinstance(data["cf"], dict):
            ticket.cf = {**(ticket.cf or {}), **data["cf"]}
        else:
            errors.add("cf", "The field 'cf' must be an object.")
    if "isSpam" in data:
        spam = c.boolean(data, "isSpam", errors)
        if spam is not None:
            ticket.is_spam = spam


@desk_endpoint(scopes=CREATE, params=set())
def ticket_create(request: HttpRequest) -> HttpResponse:
    org: m.Org = request.sandbox_org  # type: ignore[attr-defined]
    data = read_json_body(request)
    errors = c.FieldErrors()
    c.reject_unknown_fields(data, TICKET_FIELDS, errors)
    if "subject" not in data:
        errors.missing("subject")
    if "departmentId" not in data:
        errors.missing("departmentId")
    contact: m.Contact | None = None
    with transaction.atomic(using=m.SANDBOX_DB):
        if data.get("contactId") not in (None, ""):
            contact = c.record_id(
                data, "contactId", m.Contact.objects.filter(org=org, is_trashed=False), errors
            )
        elif data.get("contact") is not None:
            contact = _contact_from_object(org, data["contact"], errors)
        else:
            errors.missing("contactId")
        now = c.now()
        ticket = m.Ticket(org=org, created_time=now, modified_time=now, created_by=c.actor_id(request))
        _apply_common(ticket, data, org, errors)
        errors.raise_if_any()
        if "status" not in data:
            ticket.status, ticket.status_type = "Open", "Open"
        if ticket.status_type == "Closed":
            ticket.closed_time = now
        ticket.contact = contact
        if contact is not None:
            ticket.account = ticket.account or contact.account
            ticket.email = ticket.email or contact.email
            ticket.phone = ticket.phone or contact.phone
        ticket.modified_by = ticket.created_by
        ticket.id = m.next_id(org)
        ticket.ticket_number = m.next_ticket_numbers(org)[0]
        policy = sla.policy_for(org=org, department=ticket.department)
        response_due, resolution_due = sla.ticket_due_dates(
            policy=policy, department=ticket.department, priority=ticket.priority, created=now
        )
        ticket.sla = policy
        ticket.due_date = ticket.due_date or resolution_due
        ticket.response_due_date = ticket.response_due_date or response_due
        if ticket.description:
            ticket.thread_count = 1
        ticket.save()
        if ticket.description:
            # The customer's first message, as Desk shows it in the conversation.
            m.Thread.objects.create(
                id=m.next_id(org),
                org=org,
                ticket=ticket,
                direction=m.Thread.Direction.IN,
                channel=ticket.channel.upper(),
                from_email=ticket.email,
                subject=ticket.subject,
                summary=_summary(ticket.description),
                content=ticket.description,
                content_type="plainText",
                author_id=contact.pk if contact else None,
                author_type="END_USER",
                author_name=contact.name if contact else "",
                author_email=ticket.email,
                created_time=now,
            )
        source = c.source_id(request)
        if contact is not None and getattr(contact, "_created_now", False):
            from apps.sandbox.api.serializers import contact_json

            webhooks_out.emit(
                org=org, event_type="Contact_Add", payload=contact_json(contact), source_id=source
            )
        webhooks_out.emit(org=org, event_type="Ticket_Add", payload=ticket_json(ticket), source_id=source)
    return desk_json(ticket_json(ticket))


def _summary(content: str) -> str:
    import re

    plain = re.sub(r"<[^>]+>", " ", content or "")
    plain = " ".join(plain.split())
    return plain[:200]


def update_ticket(
    ticket: m.Ticket,
    *,
    data: dict[str, Any],
    org: m.Org,
    actor: int | None,
    source: str | None,
) -> m.Ticket:
    """Validate and apply a PATCH body; emits Ticket_Update with the previous state."""
    errors = c.FieldErrors()
    c.reject_unknown_fields(data, TICKET_FIELDS, errors)
    previous = ticket_json(ticket)
    if "contactId" in data:
        if data["contactId"] in (None, ""):
            errors.missing("contactId")
        else:
            contact = c.record_id(
                data, "contactId", m.Contact.objects.filter(org=org, is_trashed=False), errors
            )
            if contact is not None:
                ticket.contact = contact
    was_closed = ticket.status_type == "Closed"
    before = (ticket.priority, ticket.department_id)
    _apply_common(ticket, data, org, errors)
    errors.raise_if_any()
    now = c.now()
    if (ticket.priority, ticket.department_id) != before:
        _recompute_due_dates(ticket, org=org, data=data)
    if ticket.status_type == "Closed" and not was_closed:
        ticket.closed_time = now
    elif ticket.status_type != "Closed" and was_closed:
        ticket.closed_time = None
    ticket.modified_time = now
    ticket.modified_by = actor
    with transaction.atomic(using=m.SANDBOX_DB):
        ticket.save()
        webhooks_out.emit(
            org=org,
            event_type="Ticket_Update",
            payload=ticket_json(ticket),
            prev_state=previous,
            source_id=source,
        )
    return ticket


def _recompute_due_dates(ticket: m.Ticket, *, org: m.Org, data: dict[str, Any]) -> None:
    """A new priority or department means new SLA targets, as in Desk; explicit due dates win."""
    policy = sla.policy_for(org=org, department=ticket.department)
    response_due, resolution_due = sla.ticket_due_dates(
        policy=policy, department=ticket.department, priority=ticket.priority, created=ticket.created_time
    )
    ticket.sla = policy
    if "dueDate" not in data:
        ticket.due_date = resolution_due
    if "responseDueDate" not in data and ticket.first_response_time is None:
        ticket.response_due_date = response_due


@desk_endpoint(scopes=UPDATE, params={"disableClosureNotification"})
def ticket_update(request: HttpRequest, ticket_id: str) -> HttpResponse:
    org = request.sandbox_org  # type: ignore[attr-defined]
    ticket = desk_object_or_404(_tickets(org), ticket_id, what="ticket")
    data = read_json_body(request)
    if not data:
        raise DeskAPIError(422, "INVALID_DATA", "No field to update was given.")
    update_ticket(ticket, data=data, org=org, actor=c.actor_id(request), source=c.source_id(request))
    return desk_json(ticket_json(ticket))


def _trash(tickets: list[m.Ticket], *, org: m.Org, source: str | None) -> None:
    now = c.now()
    with transaction.atomic(using=m.SANDBOX_DB):
        for ticket in tickets:
            ticket.is_trashed = True
            ticket.modified_time = now
            ticket.save(update_fields=["is_trashed", "modified_time"])
            webhooks_out.emit(
                org=org, event_type="Ticket_Delete", payload=ticket_json(ticket), source_id=source
            )


@desk_endpoint(scopes=DELETE, params=set())
def ticket_delete(request: HttpRequest, ticket_id: str) -> HttpResponse:
    """The reference document's DELETE /tickets/{id} (moves the ticket to the trash); real Desk has
    only POST /tickets/moveToTrash."""
    org = request.sandbox_org  # type: ignore[attr-defined]
    ticket = desk_object_or_404(_tickets(org), ticket_id, what="ticket")
    _trash([ticket], org=org, source=c.source_id(request))
    return desk_no_content()


@desk_endpoint(scopes=DELETE, params=set())
def tickets_move_to_trash(request: HttpRequest) -> HttpResponse:
    """The real form: POST /tickets/moveToTrash {"ticketIds": [...]}, all or nothing."""
    org = request.sandbox_org  # type: ignore[attr-defined]
    data = read_json_body(request)
    errors = c.FieldErrors()
    c.reject_unknown_fields(data, {"ticketIds"}, errors)
    ids = c.id_list(data, "ticketIds", errors)
    errors.raise_if_any()
    if len(ids) > 100:
        raise DeskAPIError(
            422,
            "INVALID_DATA",
            "At most 100 tickets can be trashed at once.",
            errors=[field_error("ticketIds", "invalid", "At most 100 ids are allowed.")],
        )
    tickets = list(_tickets(org).filter(pk__in=ids))
    missing = sorted(set(ids) - {t.pk for t in tickets})
    if missing:
        # deleteTicket answers 422 multipleUnprocessEntityResponse (Ticket.json).
        raise DeskAPIError(
            422,
            "INVALID_DATA",
            f"The requested ticket does not exist: {missing[0]}.",
            errors=[field_error("ticketIds", "invalid", f"No ticket with id {missing[0]}.")],
        )
    _trash(tickets, org=org, source=c.source_id(request))
    return desk_no_content()


@desk_endpoint(scopes=UPDATE, params=set())
def tickets_close(request: HttpRequest) -> HttpResponse:
    """POST /closeTickets {"ids": [...]} (closeTickets): every ticket to the Closed status; 200 with an
    empty body. All or nothing: an id that is not a ticket of the org is refused (best reading)."""
    org: m.Org = request.sandbox_org  # type: ignore[attr-defined]
    data = read_json_body(request)
    errors = c.FieldErrors()
    c.reject_unknown_fields(data, {"ids"}, errors)
    ids = c.id_list(data, "ids", errors)
    errors.raise_if_any()
    tickets = list(_tickets(org).filter(pk__in=ids))
    missing = sorted(set(ids) - {t.pk for t in tickets})
    if missing:
        message = f"No ticket with id {missing[0]}."
        raise DeskAPIError(422, "INVALID_DATA", message, errors=[field_error("ids", "invalid", message)])
    actor, source = c.actor_id(request), c.source_id(request)
    for ticket in tickets:
        if ticket.status_type != "Closed":
            update_ticket(ticket, data={"status": "Closed"}, org=org, actor=actor, source=source)
    response = HttpResponse(status=200)
    del response["Content-Type"]
    return response


def _time_range(request: HttpRequest, name: str) -> tuple[dt.datetime, dt.datetime] | None:
    """`createdTimeRange=2017-11-05T00:00:00.000Z,2018-09-05T23:59:00.000Z` (Search.json's pattern);
    both ends inclusive (best reading)."""
    raw = request.GET.get(name)
    if raw is None or raw in ("", "null"):
        return None
    match = TIME_RANGE_RE.match(raw.strip())
    if match is None:
        raise c.invalid_param(name)
    try:
        start, end = (dt.datetime.fromisoformat(part.replace("Z", "+00:00")) for part in match.groups())
    except ValueError:
        raise c.invalid_param(name) from None
    if end < start:
        raise c.invalid_param(name)
    return start, end


def _words(request: HttpRequest, name: str) -> list[str]:
    return c.csv_param(request, name)


def _text_match(column: str, value: str) -> Q:
    """Desk's wildcard search: `jack*` matches what starts with jack; a bare word must match exactly;
    ${empty} / ${notempty} check for a value. Case does not matter."""
    lowered = value.lower()
    if lowered == "${empty}":
        return Q(**{column: ""}) | Q(**{f"{column}__isnull": True})
    if lowered == "${notempty}":
        return ~Q(**{column: ""}) & Q(**{f"{column}__isnull": False})
    stripped = value.strip("*")
    if value.startswith("*") and value.endswith("*"):
        return Q(**{f"{column}__icontains": stripped})
    if value.endswith("*"):
        return Q(**{f"{column}__istartswith": stripped})
    if value.startswith("*"):
        return Q(**{f"{column}__iendswith": stripped})
    return Q(**{f"{column}__iexact": value})


def _any_of(request: HttpRequest, name: str, column: str) -> Q | None:
    values = _words(request, name)
    if not values:
        return None
    condition = Q()
    for value in values:
        condition |= _text_match(column, value)
    return condition


def _ids(request: HttpRequest, name: str, *, limit: int | None = None) -> list[int]:
    ids = c.csv_ids(request, name)
    if limit is not None and len(ids) > limit:
        raise c.invalid_param(name)
    return ids


def _search_filter(queryset: QuerySet, request: HttpRequest, org: m.Org) -> QuerySet:
    """searchTickets' field filters. Contacts and accounts are looked up first: an OR across the join
    would scan every ticket."""
    get = request.GET
    word = get.get("_all")
    if word is not None:
        term = word.strip("*")
        is_number = c.ascii_id(term) is not None  # "²" is str.isdigit() but no ticket number
        if len(term) < 3 and not is_number:
            raise c.invalid_param("_all")
        matches = (
            Q(subject__icontains=term)
            | Q(description__icontains=term)
            | Q(email__icontains=term)
            | Q(phone__icontains=term)
        )
        if is_number:
            matches |= Q(ticket_number=int(term))
        queryset = queryset.filter(matches)
    for name, column in (("subject", "subject"), ("description", "description"), ("category", "category")):
        value = get.get(name)
        if value:
            if name == "subject" and len(value.strip("*")) < 3:
                raise c.invalid_param(name)
            stripped = value.strip("*")
            queryset = queryset.filter(**{f"{column}__icontains": stripped})
    for name, column in (("email", "email"), ("phone", "phone")):
        condition = _any_of(request, name, column)
        if condition is not None:
            contact_ids = list(m.Contact.objects.filter(Q(org=org) & condition).values_list("pk", flat=True))
            queryset = queryset.filter(condition | Q(contact_id__in=contact_ids))
    numbers = _words(request, "ticketNumber")
    if numbers:
        wanted = [c.ascii_id(n) for n in numbers]
        if any(n is None for n in wanted):
            raise c.invalid_param("ticketNumber")
        queryset = queryset.filter(ticket_number__in=wanted)
    for name, column in (
        ("id", "pk"),
        ("contactId", "contact_id"),
        ("accountId", "account_id"),
        ("assigneeId", "assignee_id"),
        ("departmentId", "department_id"),
    ):
        ids = _ids(request, name)
        if ids:
            queryset = queryset.filter(**{f"{column}__in": ids})
    if get.get("productId") or get.get("productName"):
        queryset = queryset.none()  # the sandbox has no products
    statuses = _words(request, "status")
    if statuses:
        queryset = queryset.filter(_status_names(org, statuses))
    for name, column in (("priority", "priority"), ("channel", "channel")):
        condition = _any_of(request, name, column)
        if condition is not None:
            queryset = queryset.filter(condition)
    if get.get("contactName"):
        name = get["contactName"].strip("*")
        contact_ids = list(
            m.Contact.objects.filter(org=org)
            .filter(Q(first_name__icontains=name) | Q(last_name__icontains=name))
            .values_list("pk", flat=True)
        )
        queryset = queryset.filter(contact_id__in=contact_ids)
    if get.get("accountName"):
        accounts = m.Account.objects.filter(org=org).filter(_text_match("account_name", get["accountName"]))
        queryset = queryset.filter(account_id__in=list(accounts.values_list("pk", flat=True)))
    if get.get("tag"):
        tags = m.TicketTag.objects.filter(org=org).filter(_text_match("name", get["tag"]))
        queryset = queryset.filter(tags__in=list(tags.values_list("pk", flat=True))).distinct()
    for n in range(1, 11):
        raw = get.get(f"customField{n}")
        if raw:
            field, sep, value = raw.partition(":")
            if not sep or not field:
                raise c.invalid_param(f"customField{n}")
            queryset = queryset.filter(**{f"cf__{field}__icontains": value.strip("*")})
    for name, column in (
        ("createdTimeRange", "created_time"),
        ("modifiedTimeRange", "modified_time"),
        ("customerResponseTimeRange", "customer_response_time"),
        ("dueDateRange", "due_date"),
    ):
        bounds = _time_range(request, name)
        if bounds:
            # Desk keeps milliseconds: the end takes in its whole millisecond (we store microseconds).
            end = bounds[1] + dt.timedelta(milliseconds=1)
            queryset = queryset.filter(**{f"{column}__gte": bounds[0], f"{column}__lt": end})
    return queryset


@desk_endpoint(scopes=("Desk.search.READ",), params=SEARCH_PARAMS)
def tickets_search(request: HttpRequest) -> HttpResponse:
    """GET /tickets/search (searchTickets): {"data": [...], "count": <all matches>}, 204 when none.
    `from` counts from 0 and may not pass 999; `limit` 1..100, default 10."""
    org = request.sandbox_org  # type: ignore[attr-defined]
    offset, limit = paging(request, default_limit=SEARCH_DEFAULT_LIMIT)
    if offset > SEARCH_MAX_FROM:
        message = f"The value of 'from' must be an integer between 0 and {SEARCH_MAX_FROM}."
        raise DeskAPIError(
            422, "UNPROCESSABLE_ENTITY", message, errors=[field_error("from", "invalid", message)]
        )
    queryset = _search_filter(_tickets(org), request, org)
    queryset = c.sort_queryset(queryset, request, fields=SEARCH_SORTS, default="relevance")
    total = queryset.count()
    if total == 0 or offset >= total:
        return desk_no_content()
    rows = list(
        queryset.select_related("contact", "account", "assignee", "department", "team")[
            offset : offset + limit
        ]
    )
    return desk_list([search_ticket_json(t) for t in rows], count=total)


@desk_endpoint(scopes=READ, params={"ids", "include"}, list_call=True)
def tickets_by_ids(request: HttpRequest) -> HttpResponse:
    """GET /ticketsByIds?ids=1,2,3 (best reading: up to 50 ids, the list's includes); the tickets
    found, in the order asked; 204 when none is found."""
    org = request.sandbox_org  # type: ignore[attr-defined]
    if not request.GET.get("ids"):
        message = "The parameter 'ids' is required."
        raise DeskAPIError(
            422, "UNPROCESSABLE_ENTITY", message, errors=[field_error("ids", "missing", message)]
        )
    ids = _ids(request, "ids", limit=BY_IDS_MAX)
    include = _includes(request, LIST_INCLUDES)
    found = {t.pk: t for t in _with_related(_tickets(org).filter(pk__in=ids), include)}
    return desk_list([ticket_json(found[i], include=include) for i in dict.fromkeys(ids) if i in found])


@desk_endpoint(scopes=READ, params=set())
def ticket_sla(request: HttpRequest, ticket_id: str) -> HttpResponse:
    """The reference document's GET /tickets/{id}/sla (real Desk puts the due times on the ticket)."""
    org = request.sandbox_org  # type: ignore[attr-defined]
    ticket = desk_object_or_404(_tickets(org).select_related("sla", "department"), ticket_id, what="ticket")
    policy, response, resolution = sla.ticket_sla_status(ticket, now=c.now())
    return desk_json(
        {
            "ticketId": str(ticket.pk),
            "slaId": None if policy is None else str(policy.pk),
            "slaName": None if policy is None else policy.name,
            "responseTime": _target_json(response),
            "resolutionTime": _target_json(resolution),
        }
    )


def _target_json(target: sla.SlaTarget) -> dict[str, Any]:
    return {
        "dueTime": desk_time(target.due_time),
        "isOverdue": target.is_overdue,
        "remainingTime": target.remaining_ms,
        "metTime": desk_time(target.met_time),
    }


tickets_collection = c.by_method(GET=tickets_list, POST=ticket_create)
_ticket_item_real = c.by_method(GET=ticket_get, PATCH=ticket_update)
_ticket_item_reference = c.by_method(GET=ticket_get, PATCH=ticket_update, DELETE=ticket_delete)


@csrf_exempt
def ticket_item(request: HttpRequest, ticket_id: str) -> HttpResponse:
    """/tickets/{id}: GET and PATCH; DELETE (405 in real Desk) only with the reference forms."""
    view = _ticket_item_reference if reference_forms() else _ticket_item_real
    return view(request, ticket_id=ticket_id)


tickets_count_view = reference_only(tickets_count)
ticket_sla_view = reference_only(ticket_sla)
