"""Desk API ticket operations: list, get, create, update, trash (seed and real forms), search, count, SLA."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse

from apps.sandbox import models as m
from apps.sandbox import sla, webhooks_out
from apps.sandbox.api import common as c
from apps.sandbox.api.serializers import ticket_json
from apps.sandbox.contract import (
    DeskAPIError,
    desk_endpoint,
    desk_json,
    desk_list,
    desk_no_content,
    desk_object_or_404,
    desk_time,
    field_error,
    read_json_body,
)

READ = ("Desk.tickets.READ",)
CREATE = ("Desk.tickets.CREATE",)
UPDATE = ("Desk.tickets.UPDATE",)
DELETE = ("Desk.tickets.DELETE",)

INCLUDES = {"contacts", "products", "assignee", "departments", "contract", "isRead", "team", "skills"}
FILTER_PARAMS = {
    "status",
    "assignee",
    "departmentId",
    "departmentIds",
    "channel",
    "priority",
    "viewId",
    "receivedInDays",
    "contactId",
    "accountId",
    "teamId",
}
LIST_PARAMS = FILTER_PARAMS | {"from", "limit", "sortBy", "include", "fields"}
SORT_FIELDS = {
    "createdTime": "created_time",
    "modifiedTime": "modified_time",
    "dueDate": "due_date",
    "responseDueDate": "response_due_date",
    "customerResponseTime": "customer_response_time",
    "ticketNumber": "ticket_number",
    "status": "status",
    "priority": "priority",
    "subject": "subject",
    "closedTime": "closed_time",
}
SEARCH_PARAMS = {
    "from",
    "limit",
    "sortBy",
    "searchStr",
    "_all",
    "email",
    "phone",
    "subject",
    "ticketNumber",
    "status",
    "priority",
    "channel",
    "departmentId",
    "assigneeId",
    "contactId",
    "accountId",
    "contactName",
    "accountName",
    "createdTimeRange",
    "modifiedTimeRange",
}
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
    "productId",
    "secondaryContacts",
    "isSpam",
}
CONTACT_OBJECT_FIELDS = {"firstName", "lastName", "email", "phone", "mobile", "accountId", "accountName"}


def _tickets(org: m.Org) -> QuerySet:
    return m.Ticket.objects.filter(org=org, is_trashed=False)


def _includes(request: HttpRequest) -> set[str]:
    include = set(c.csv_param(request, "include"))
    unknown = include - INCLUDES
    if unknown:
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


def _filter(queryset: QuerySet, request: HttpRequest, org: m.Org) -> QuerySet:
    """The list filters of real Desk (shared by /tickets and /ticketsCount)."""
    statuses = c.csv_param(request, "status")
    if statuses:
        known = {name.lower(): name for name in org.statuses()}
        names = [known.get(value.lower(), value) for value in statuses]
        queryset = queryset.filter(status__in=names)
    assignees = c.csv_param(request, "assignee")
    if assignees:
        condition = Q()
        ids: list[int] = []
        emails: list[str] = []
        for value in assignees:
            if value.lower() == "unassigned":
                condition |= Q(assignee__isnull=True)
            elif value.isdigit():
                ids.append(int(value))
            elif "@" in value:
                emails.append(value)  # the seed reference filters by assignee email
            else:
                raise c.invalid_param("assignee")
        if ids:
            condition |= Q(assignee_id__in=ids)
        if emails:
            condition |= Q(assignee__email__in=emails)
        queryset = queryset.filter(condition)
    departments = c.csv_ids(request, "departmentId") + c.csv_ids(request, "departmentIds")
    if departments:
        queryset = queryset.filter(department_id__in=departments)
    for param, column in (("contactId", "contact_id"), ("accountId", "account_id"), ("teamId", "team_id")):
        ids = c.csv_ids(request, param)
        if ids:
            queryset = queryset.filter(**{f"{column}__in": ids})
    channels = c.csv_param(request, "channel")
    if channels:
        queryset = queryset.filter(channel__iregex=r"^(" + "|".join(_escape(v) for v in channels) + r")$")
    priorities = c.csv_param(request, "priority")
    if priorities:
        queryset = queryset.filter(priority__iregex=r"^(" + "|".join(_escape(v) for v in priorities) + r")$")
    view_id = request.GET.get("viewId")
    if view_id is not None and not view_id.isdigit():
        raise c.invalid_param("viewId")
    received = request.GET.get("receivedInDays")
    if received is not None:
        if not received.isdigit() or int(received) < 1:
            raise c.invalid_param("receivedInDays")
        queryset = queryset.filter(created_time__gte=c.now() - dt.timedelta(days=int(received)))
    return queryset


def _escape(value: str) -> str:
    import re

    return re.escape(value)


@desk_endpoint(scopes=READ, params=LIST_PARAMS)
def tickets_list(request: HttpRequest) -> HttpResponse:
    org = request.sandbox_org  # type: ignore[attr-defined]
    include = _includes(request)
    queryset = _filter(_tickets(org), request, org)
    queryset = c.sort_queryset(queryset, request, fields=SORT_FIELDS, default="createdTime")
    rows = c.page(_with_related(queryset, include), request)
    return desk_list([c.pick_fields(ticket_json(t, include=include), request) for t in rows])


@desk_endpoint(scopes=READ, params=FILTER_PARAMS)
def tickets_count(request: HttpRequest) -> HttpResponse:
    org = request.sandbox_org  # type: ignore[attr-defined]
    return desk_json({"count": _filter(_tickets(org), request, org).count()})


@desk_endpoint(scopes=READ, params={"include"})
def ticket_get(request: HttpRequest, ticket_id: str) -> HttpResponse:
    include = _includes(request)
    ticket = desk_object_or_404(
        _with_related(_tickets(request.sandbox_org), include),  # type: ignore[attr-defined]
        ticket_id,
        what="ticket",
    )
    return desk_json(ticket_json(ticket, include=include))


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
    c.reject_unknown_fields(data, TICKET_FIELDS - {"contact"}, errors)
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


@desk_endpoint(scopes=UPDATE, params=set())
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
    """The seed's form: DELETE /tickets/{id} (moves the ticket to the trash)."""
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
        raise DeskAPIError(
            404,
            "RESOURCE_NOT_FOUND",
            f"The requested ticket does not exist: {missing[0]}.",
            errors=[field_error("ticketIds", "invalid", f"No ticket with id {missing[0]}.")],
        )
    _trash(tickets, org=org, source=c.source_id(request))
    return desk_no_content()


def _time_range(request: HttpRequest, name: str) -> tuple[dt.datetime, dt.datetime] | None:
    """Desk's `createdTimeRange=start,end` (ISO times)."""
    raw = request.GET.get(name)
    if not raw:
        return None
    parts = raw.split(",")
    if len(parts) != 2:
        raise c.invalid_param(name)
    try:
        start, end = (dt.datetime.fromisoformat(p.strip().replace("Z", "+00:00")) for p in parts)
    except ValueError:
        raise c.invalid_param(name) from None
    return (
        start if start.tzinfo else start.replace(tzinfo=dt.UTC),
        end if end.tzinfo else end.replace(tzinfo=dt.UTC),
    )


@desk_endpoint(scopes=("Desk.search.READ", "Desk.tickets.READ"), params=SEARCH_PARAMS)
def tickets_search(request: HttpRequest) -> HttpResponse:
    org = request.sandbox_org  # type: ignore[attr-defined]
    queryset = _tickets(org)
    get = request.GET
    word = get.get("searchStr") or get.get("_all")
    if word:
        word = word.strip("*")
        matches = Q(subject__icontains=word) | Q(description__icontains=word) | Q(email__icontains=word)
        if word.isdigit():
            matches |= Q(ticket_number=int(word))
        queryset = queryset.filter(matches)
    # Contacts are looked up first: an OR across the join would scan every ticket with it.
    if get.get("email"):
        contacts = list(
            m.Contact.objects.filter(org=org, email__iexact=get["email"]).values_list("pk", flat=True)
        )
        queryset = queryset.filter(Q(email__iexact=get["email"]) | Q(contact_id__in=contacts))
    if get.get("phone"):
        contacts = list(m.Contact.objects.filter(org=org, phone=get["phone"]).values_list("pk", flat=True))
        queryset = queryset.filter(Q(phone=get["phone"]) | Q(contact_id__in=contacts))
    if get.get("subject"):
        queryset = queryset.filter(subject__icontains=get["subject"].strip("*"))
    if get.get("ticketNumber"):
        if not get["ticketNumber"].isdigit():
            raise c.invalid_param("ticketNumber")
        queryset = queryset.filter(ticket_number=int(get["ticketNumber"]))
    if get.get("status"):
        known = {name.lower(): name for name in org.statuses()}
        statuses = [known.get(value.lower(), value) for value in c.csv_param(request, "status")]
        queryset = queryset.filter(status__in=statuses)
    if get.get("priority"):
        queryset = queryset.filter(priority__in=c.csv_param(request, "priority"))
    if get.get("channel"):
        queryset = queryset.filter(channel__in=c.csv_param(request, "channel"))
    for param, column in (
        ("departmentId", "department_id"),
        ("assigneeId", "assignee_id"),
        ("contactId", "contact_id"),
        ("accountId", "account_id"),
    ):
        ids = c.csv_ids(request, param)
        if ids:
            queryset = queryset.filter(**{f"{column}__in": ids})
    if get.get("contactName"):
        name = get["contactName"].strip("*")
        queryset = queryset.filter(
            Q(contact__first_name__icontains=name) | Q(contact__last_name__icontains=name)
        )
    if get.get("accountName"):
        queryset = queryset.filter(account__account_name__icontains=get["accountName"].strip("*"))
    for param, column in (("createdTimeRange", "created_time"), ("modifiedTimeRange", "modified_time")):
        bounds = _time_range(request, param)
        if bounds:
            queryset = queryset.filter(**{f"{column}__gte": bounds[0], f"{column}__lte": bounds[1]})
    queryset = c.sort_queryset(queryset, request, fields=SORT_FIELDS, default="-modifiedTime")
    total = queryset.count()
    rows = c.page(queryset, request)
    return desk_list([ticket_json(t) for t in rows], count=total)


@desk_endpoint(scopes=READ, params=set())
def ticket_sla(request: HttpRequest, ticket_id: str) -> HttpResponse:
    """The seed's GET /tickets/{id}/sla: targets computed from the policy and the department's hours."""
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
ticket_item = c.by_method(GET=ticket_get, PATCH=ticket_update, DELETE=ticket_delete)
