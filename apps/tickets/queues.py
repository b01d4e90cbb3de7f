"""Queue reads from the mirror (0 API calls): filters, search, sort, columns, choices and "me"."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.cache import cache
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from apps.connections.models import DeskConnection
from apps.core.models import OrgMembership
from apps.customers.models import Account, Contact
from apps.team.models import Agent, Department, Team
from apps.tickets.models import SavedView, Ticket
from apps.tickets.selectors import tickets_search

# Desk's built-in statuses; an org's custom ones are found in the mirror itself.
DEFAULT_STATUSES = ("Open", "On Hold", "Escalated", "Closed")
PRIORITIES = ("Low", "Medium", "High", "Urgent")
CHANNELS = ("Email", "Phone", "Web", "Chat", "Forums", "Twitter", "Facebook")
CLASSIFICATIONS = ("Question", "Problem", "Request", "Others")
PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = 25
MAX_SEARCH_LENGTH = 200
MAX_DUE_HOURS = 24 * 365


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    # The ORM field the column sorts by ("" = not sortable).
    order_field: str


COLUMNS: dict[str, Column] = {
    c.key: c
    for c in (
        Column("number", "#", "ticket_number_int"),
        Column("subject", "Subject", "subject"),
        Column("status", "Status", "status"),
        Column("priority", "Priority", "priority_rank"),
        Column("assignee", "Assignee", "assignee_name"),
        Column("team", "Team", "team_name"),
        Column("department", "Department", "department_name"),
        Column("contact", "Contact", "contact_name"),
        Column("channel", "Channel", "channel"),
        Column("classification", "Classification", "classification"),
        Column("due", "Due", "due_date"),
        Column("created", "Created", "created_time"),
        Column("modified", "Modified", "modified_time"),
    )
}
# Sort key -> (mirror model, the ticket's id field, the model's name field).
NAME_SORTS: dict[str, tuple[Any, str, str]] = {
    "assignee_name": (Agent, "assignee_desk_id", "name"),
    "team_name": (Team, "team_desk_id", "name"),
    "department_name": (Department, "department_desk_id", "name"),
    "contact_name": (Contact, "contact_desk_id", "last_name"),
}
DEFAULT_COLUMNS = ("number", "subject", "status", "priority", "assignee", "contact", "due", "modified")
DEFAULT_SORT = "-modified"
# A queue row needs none of the big text columns; leaving them out keeps a page cheap.
QUEUE_DEFERRED = ("raw", "description", "search_text", "conversation_text", "cf", "resolution")


def _clean_choice_list(values: list[str], *, max_items: int = 20, max_length: int = 100) -> list[str]:
    seen: list[str] = []
    for value in values:
        value = value.strip()[:max_length]
        if value and value not in seen:
            seen.append(value)
    return seen[:max_items]


def _desk_id(value: str) -> str:
    value = value.strip()
    return value if value.isdigit() and len(value) <= 32 else ""


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip()) if value.strip() else None
    except ValueError:
        return None


def _parse_positive_int(value: str, *, maximum: int) -> int | None:
    value = value.strip()
    if not value.isdigit():
        return None
    number = int(value)
    return number if 0 < number <= maximum else None


@dataclass
class QueueFilters:
    """Everything a queue URL says: filters, search, sort, page, page size and columns."""

    statuses: list[str] = field(default_factory=list)
    priorities: list[str] = field(default_factory=list)
    department: str = ""
    # "", "me", "unassigned" or an agent's Desk id.
    assignee: str = ""
    team: str = ""
    channel: str = ""
    classification: str = ""
    overdue: bool = False
    due_within_hours: int | None = None
    created_from: date | None = None
    created_to: date | None = None
    modified_from: date | None = None
    modified_to: date | None = None
    query: str = ""
    sort: str = DEFAULT_SORT
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    columns: list[str] = field(default_factory=lambda: list(DEFAULT_COLUMNS))
    # Human-readable notes about parts of the URL that were not understood (shown, never a 500).
    problems: list[str] = field(default_factory=list)

    @classmethod
    def from_query(cls, params: QueryDict) -> QueueFilters:
        """Parse a queue URL's query string; bad values are dropped and reported in ``problems``."""
        filters = cls()
        problems = filters.problems
        filters.statuses = _clean_choice_list(params.getlist("status"))
        filters.priorities = [p for p in _clean_choice_list(params.getlist("priority")) if p in PRIORITIES]
        filters.department = _desk_id(params.get("department", ""))
        assignee = params.get("assignee", "").strip()
        if assignee in ("me", "unassigned") or _desk_id(assignee):
            filters.assignee = assignee
        elif assignee:
            problems.append("The assignee filter was not understood and is ignored.")
        filters.team = _desk_id(params.get("team", ""))
        filters.channel = params.get("channel", "").strip()[:32]
        filters.classification = params.get("classification", "").strip()[:64]
        filters.overdue = params.get("overdue", "") in ("1", "on", "true")
        due = params.get("due_within", "")
        filters.due_within_hours = _parse_positive_int(due, maximum=MAX_DUE_HOURS)
        if due.strip() and filters.due_within_hours is None:
            problems.append(f"“Due within” must be a number of hours between 1 and {MAX_DUE_HOURS}.")
        for name in ("created_from", "created_to", "modified_from", "modified_to"):
            raw = params.get(name, "")
            parsed = _parse_date(raw)
            if raw.strip() and parsed is None:
                problems.append(f"{name.replace('_', ' ').capitalize()} must be a date (YYYY-MM-DD).")
            setattr(filters, name, parsed)
        filters.query = " ".join(params.get("q", "").split())[:MAX_SEARCH_LENGTH]
        sort = params.get("sort", "").strip()
        if sort and sort.lstrip("-") in COLUMNS:
            filters.sort = sort
        page_size = _parse_positive_int(params.get("per_page", ""), maximum=max(PAGE_SIZES))
        filters.page_size = page_size if page_size in PAGE_SIZES else DEFAULT_PAGE_SIZE
        page = _parse_positive_int(params.get("page", ""), maximum=10**7)
        filters.page = page or 1
        # Columns always show in the table's own order, whatever order the URL names them in.
        wanted = set(params.getlist("col"))
        columns = [key for key in COLUMNS if key in wanted]
        if columns:
            filters.columns = columns
        return filters

    def to_query(self, **overrides: Any) -> str:
        """The query string of these filters (defaults left out), with some values replaced."""
        values = {
            "q": self.query,
            "status": self.statuses,
            "priority": self.priorities,
            "department": self.department,
            "assignee": self.assignee,
            "team": self.team,
            "channel": self.channel,
            "classification": self.classification,
            "overdue": "1" if self.overdue else "",
            "due_within": str(self.due_within_hours or ""),
            "created_from": self.created_from.isoformat() if self.created_from else "",
            "created_to": self.created_to.isoformat() if self.created_to else "",
            "modified_from": self.modified_from.isoformat() if self.modified_from else "",
            "modified_to": self.modified_to.isoformat() if self.modified_to else "",
            "sort": "" if self.sort == DEFAULT_SORT else self.sort,
            "per_page": "" if self.page_size == DEFAULT_PAGE_SIZE else str(self.page_size),
            "col": [] if list(self.columns) == list(DEFAULT_COLUMNS) else self.columns,
            "page": "" if self.page == 1 else str(self.page),
        }
        values.update(overrides)
        query = QueryDict(mutable=True)
        for key, value in values.items():
            if isinstance(value, list | tuple):
                if value:
                    query.setlist(key, [str(v) for v in value])
            elif value not in ("", None):
                query[key] = str(value)
        return query.urlencode()

    @property
    def is_filtered(self) -> bool:
        return bool(
            self.statuses
            or self.priorities
            or self.department
            or self.assignee
            or self.team
            or self.channel
            or self.classification
            or self.overdue
            or self.due_within_hours
            or self.created_from
            or self.created_to
            or self.modified_from
            or self.modified_to
            or self.query
        )

    def sort_query(self, column: str) -> str:
        """The URL that sorts by ``column``: ascending first, descending on a second click."""
        new = f"-{column}" if self.sort == column else column
        return self.to_query(sort=new, page="")


def agent_id_for_user(*, connection: DeskConnection, user: Any) -> str:
    """The Desk agent a console user acts as ("me"): the membership's agent id, else by email."""
    membership_agent = (
        OrgMembership.objects.filter(user=user, org_id=connection.org_id)
        .exclude(desk_agent_id="")
        .values_list("desk_agent_id", flat=True)
        .first()
    )
    if membership_agent:
        return membership_agent
    email = (getattr(user, "email", "") or "").strip()
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
    from django.db.models import Case, IntegerField, Value, When
    from django.db.models.functions import Cast

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
        names = model.objects.filter(connection=connection, desk_id=OuterRef(id_field)).values(name_field)[:1]
        tickets = tickets.annotate(**{order_field: Subquery(names)})
    elif order_field == "ticket_number_int":
        tickets = tickets.annotate(ticket_number_int=Cast("ticket_number", IntegerField()))
    expression = f"-{order_field}" if descending else order_field
    tie_breaker = "-desk_id" if descending else "desk_id"
    return tickets.order_by(expression, tie_breaker)


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


STATUSES_CACHE_SECONDS = 120


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


def saved_views_for(*, connection: DeskConnection, user: Any) -> QuerySet[SavedView]:
    """The user's own saved views in this org, and those others shared."""
    return SavedView.objects.filter(connection=connection).filter(Q(owner=user) | Q(is_shared=True))
