"""Queue reads from the mirror (0 API calls): the filtered, sorted tickets, a page's rows, choices and "me"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Case, IntegerField, Model, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone

from apps.connections.models import DeskConnection
from apps.core.selectors import agent_desk_id_for
from apps.customers.models import Account, Contact
from apps.team.models import Agent, Department, Team
from apps.tickets.columns import (
    CHANNELS,
    CLASSIFICATIONS,
    COLUMNS,
    DEFAULT_STATUSES,
    PAGE_SIZES,
    PRIORITIES,
    Column,
)
from apps.tickets.filters import QueueFilters
from apps.tickets.models import Ticket
from apps.tickets.selectors.search import tickets_search
from apps.tickets.selectors.tags import tickets_with_tag

# Sort key -> (mirror model, the ticket's id field, the model's name field).
NAME_SORTS: dict[str, tuple[type[Model], str, str]] = {
    "assignee_name": (Agent, "assignee_desk_id", "name"),
    "team_name": (Team, "team_desk_id", "name"),
    "department_name": (Department, "department_desk_id", "name"),
    "contact_name": (Contact, "contact_desk_id", "last_name"),
}
# A queue row needs none of the big text columns; leaving them out keeps a page cheap.
QUEUE_DEFERRED = ("raw", "description", "search_text", "conversation_text", "cf", "resolution")
STATUSES_CACHE_SECONDS = 120


def agent_id_for_user(*, connection: DeskConnection, user: User) -> str:
    """The Desk agent a console user acts as ("me"): the agent linked to them in that org (docs/access.md),
    else (admins reach every org without a membership, hence without a link) the agent with their email."""
    linked = agent_desk_id_for(user, connection.org_id)
    if linked:
        return linked
    email = (user.email or "").strip()
    if not email:
        return ""
    return (
        Agent.objects.filter(connection=connection, email__iexact=email, is_deleted=False)
        .values_list("desk_id", flat=True)
        .first()
        or ""
    )


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _search(tickets: QuerySet[Ticket], *, connection: DeskConnection, query: str) -> QuerySet[Ticket]:
    """Full-text search through the mirror's index; a bare number also finds that ticket number."""
    matches = tickets_search(connection, query).order_by().values("id")
    condition = Q(id__in=matches)
    number = query.lstrip("#")
    if number.isdigit():
        condition |= Q(ticket_number=number)
    return tickets.filter(condition)


def tickets_for_queue(
    *, connection: DeskConnection, filters: QueueFilters, me_agent_id: str = "", now: datetime | None = None
) -> QuerySet[Ticket]:
    """The tickets of a queue, filtered and sorted, from the mirror only."""
    now = now or timezone.now()
    tickets = Ticket.objects.filter(connection=connection, is_deleted=False).defer(*QUEUE_DEFERRED)
    if filters.statuses:
        tickets = tickets.filter(status__in=filters.statuses)
    if filters.priorities:
        tickets = tickets.filter(priority__in=filters.priorities)
    if filters.department:
        tickets = tickets.filter(department_desk_id=filters.department)
    if filters.assignee == "unassigned":
        tickets = tickets.filter(assignee_desk_id="")
    elif filters.assignee == "me":
        # No agent behind this user: "me" matches nothing rather than everything.
        tickets = tickets.filter(assignee_desk_id=me_agent_id) if me_agent_id else tickets.none()
    elif filters.assignee:
        tickets = tickets.filter(assignee_desk_id=filters.assignee)
    if filters.team:
        tickets = tickets.filter(team_desk_id=filters.team)
    if filters.channel:
        tickets = tickets.filter(channel__iexact=filters.channel)
    if filters.classification:
        tickets = tickets.filter(classification__iexact=filters.classification)
    if filters.tag:
        tickets = tickets_with_tag(tickets, connection=connection, tag=filters.tag)
    if filters.overdue:
        tickets = tickets.filter(due_date__lt=now).exclude(status_type="Closed")
    if filters.due_within_hours:
        tickets = tickets.filter(
            due_date__gte=now, due_date__lte=now + timedelta(hours=filters.due_within_hours)
        ).exclude(status_type="Closed")
    if filters.created_from:
        tickets = tickets.filter(created_time__gte=_start_of(filters.created_from))
    if filters.created_to:
        tickets = tickets.filter(created_time__lt=_start_of(filters.created_to + timedelta(days=1)))
    if filters.modified_from:
        tickets = tickets.filter(modified_time__gte=_start_of(filters.modified_from))
    if filters.modified_to:
        tickets = tickets.filter(modified_time__lt=_start_of(filters.modified_to + timedelta(days=1)))
    if filters.query:
        tickets = _search(tickets, connection=connection, query=filters.query)

    descending = filters.sort.startswith("-")
    column = COLUMNS[filters.sort.lstrip("-")]
    order_field = column.order_field
    if order_field == "priority_rank":
        tickets = tickets.annotate(
            priority_rank=Case(
                *[When(priority=p, then=Value(i)) for i, p in enumerate(PRIORITIES, start=1)],
                default=Value(0),
                output_field=IntegerField(),
            )
        )
    elif order_field in NAME_SORTS:
        # Sort by the name people see, looked up in the mirror only when this column is the sort.
        model, id_field, name_field = NAME_SORTS[order_field]
        names = model._default_manager.filter(connection=connection, desk_id=OuterRef(id_field)).values(
            name_field
        )[:1]
        tickets = tickets.annotate(**{order_field: Subquery(names)})
    elif order_field == "ticket_number_int":
        tickets = tickets.annotate(ticket_number_int=Cast("ticket_number", IntegerField()))
    expression = f"-{order_field}" if descending else order_field
    tie_breaker = "-desk_id" if descending else "desk_id"
    return tickets.order_by(expression, tie_breaker)


def ticket_ids_for_queue(
    *, connection: DeskConnection, filters: QueueFilters, me_agent_id: str, limit: int
) -> list[str]:
    """The Desk ids of a queue's tickets, in its order, at most ``limit`` (a bulk action on "all matching")."""
    matching = tickets_for_queue(connection=connection, filters=filters, me_agent_id=me_agent_id)
    return list(matching.values_list("desk_id", flat=True)[:limit])


def tickets_of_page(page_tickets: QuerySet[Ticket]) -> list[Ticket]:
    """A page's tickets in two steps: the sorted ids first, then those rows.

    Sorting only ids keeps the database's sorter small: on 100,000 tickets a sort no index serves
    (priority, subject) takes about half the time this way.
    """
    ids = list(page_tickets.values_list("id", flat=True))
    rows = {t.id: t for t in Ticket.objects.filter(id__in=ids).defer(*QUEUE_DEFERRED)}
    return [rows[i] for i in ids if i in rows]


@dataclass
class QueueChoices:
    """What the filter form offers, all read from the mirror."""

    statuses: list[str]
    departments: list[Department]
    agents: list[Agent]
    teams: list[Team]
    priorities: tuple[str, ...] = PRIORITIES
    channels: tuple[str, ...] = CHANNELS
    classifications: tuple[str, ...] = CLASSIFICATIONS
    page_sizes: tuple[int, ...] = PAGE_SIZES
    columns: tuple[Column, ...] = tuple(COLUMNS.values())


def statuses_for(*, connection: DeskConnection) -> list[str]:
    """Desk's default statuses, then the org's custom ones as they appear on mirrored tickets.

    Finding them reads every mirrored ticket's status, so the answer is cached for a short while:
    an org gains a custom status rarely, and a new one shows within two minutes.
    """
    key = f"tickets:statuses:{connection.pk}"
    cached = cache.get(key)
    if cached is not None:
        return list(cached)
    seen = list(
        Ticket.objects.filter(connection=connection)
        .exclude(status="")
        .order_by()
        .values_list("status", flat=True)
        .distinct()
    )
    custom = sorted(s for s in seen if s not in DEFAULT_STATUSES)
    statuses = [*DEFAULT_STATUSES, *custom]
    cache.set(key, statuses, STATUSES_CACHE_SECONDS)
    return statuses


def queue_choices(*, connection: DeskConnection) -> QueueChoices:
    return QueueChoices(
        statuses=statuses_for(connection=connection),
        departments=list(Department.objects.filter(connection=connection, is_deleted=False).defer("raw")),
        agents=list(
            Agent.objects.filter(connection=connection, is_deleted=False).only(
                "desk_id", "name", "first_name", "last_name", "email", "connection_id"
            )
        ),
        teams=list(Team.objects.filter(connection=connection, is_deleted=False).defer("raw", "member_ids")),
    )


@dataclass
class TicketRow:
    """One queue row with names resolved (agents, teams, departments, contacts) for display."""

    ticket: Ticket
    url: str
    assignee: Agent | None
    team: Team | None
    department: Department | None
    contact: Contact | None
    account: Account | None = None


def rows_for(*, connection: DeskConnection, tickets: list[Ticket], choices: QueueChoices) -> list[TicketRow]:
    """Resolve a page's Desk ids to names with one query for its contacts (the rest are small)."""
    agents = {a.desk_id: a for a in choices.agents}
    teams = {t.desk_id: t for t in choices.teams}
    departments = {d.desk_id: d for d in choices.departments}
    contact_ids = {t.contact_desk_id for t in tickets if t.contact_desk_id}
    contacts = {
        c.desk_id: c
        for c in Contact.objects.filter(connection=connection, desk_id__in=contact_ids).only(
            "desk_id", "first_name", "last_name", "email", "connection_id"
        )
    }
    # One reverse() for the page, not one per row: the queue renders up to 100 rows.
    url_pattern = reverse("tickets:detail", kwargs={"desk_id": "0"})[:-2]
    return [
        TicketRow(
            ticket=t,
            url=f"{url_pattern}{t.desk_id}/",
            assignee=agents.get(t.assignee_desk_id),
            team=teams.get(t.team_desk_id),
            department=departments.get(t.department_desk_id),
            contact=contacts.get(t.contact_desk_id),
        )
        for t in tickets
    ]


@dataclass
class QueuePage:
    """One page of a queue: the paginator's page (count, numbers) and its rows with names resolved."""

    page: Page[Ticket]
    rows: list[TicketRow]


def queue_page(
    *, connection: DeskConnection, filters: QueueFilters, me_agent_id: str, choices: QueueChoices
) -> QueuePage:
    """The page of the queue the filters ask for: a ``COUNT(*)``, the sorted ids, then those rows."""
    tickets = tickets_for_queue(connection=connection, filters=filters, me_agent_id=me_agent_id)
    page = Paginator(tickets, filters.page_size).get_page(filters.page)
    page_tickets: QuerySet[Ticket] = page.object_list  # type: ignore[assignment]
    rows = rows_for(connection=connection, tickets=tickets_of_page(page_tickets), choices=choices)
    return QueuePage(page=page, rows=rows)
