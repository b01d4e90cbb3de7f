"""Queue reads from the mirror (0 API calls): the filtered tickets, one keyset page of cheap rows, a capped
count, and the filter choices (cached per connection until the mirror changes). docs/tickets.md, "Speed"."""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connections
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from apps.connections.models import DeskConnection
from apps.core.paging import (
    CappedCount,
    Cursor,
    KeysetPage,
    SortKey,
    capped_count,
    decode_cursor,
    first_page_query,
    keyset_page,
)
from apps.core.selectors import agent_desk_id_for
from apps.mirror import freshness
from apps.team.models import Agent, Department, Team
from apps.tickets.columns import (
    CHANNELS,
    CLASSIFICATIONS,
    COLUMNS,
    COUNT_CAP,
    DEFAULT_STATUSES,
    PAGE_SIZES,
    PRIORITIES,
    Column,
)
from apps.tickets.filters import QueueFilters
from apps.tickets.models import Ticket
from apps.tickets.selectors.search import search_terms, tickets_search
from apps.tickets.selectors.tags import tickets_with_tag

# A queue row needs none of the big text columns; leaving them out keeps a page cheap.
QUEUE_DEFERRED = ("raw", "description", "search_text", "conversation_text", "cf", "resolution")
# What a queue row reads (``values()``: no model instances for a page of rows).
ROW_FIELDS = (
    "id",
    "desk_id",
    "ticket_number",
    "subject",
    "status",
    "status_type",
    "priority",
    "assignee_desk_id",
    "team_desk_id",
    "department_desk_id",
    "contact_desk_id",
    "email",
    "channel",
    "classification",
    "due_date",
    "is_over_due",
    "created_time",
    "modified_time",
    # The names shown, as the mirror stores them for the name sorts (apps/tickets/mirror.py NAME_KEYS).
    "assignee_name",
    "team_name",
    "department_name",
    "contact_name",
)
STATUSES_CACHE_SECONDS = 120
# The filter lists (departments, agents, teams) per connection: until the mirror changes (its version stamp
# moves on every apply, sync or webhook), at most this long.
LOOKUPS_CACHE_SECONDS = 600
# Counts per filter, until the mirror changes; at most this long (an overdue filter moves with the clock).
COUNT_CACHE_SECONDS = 120
# On SQLite a search whose words match fewer tickets than this is read from the full-text index and sorted;
# a broader one walks the sort's index and keeps the rows that match (a page fills within a few rows).
FTS_DRIVE_LIMIT = 2000
FTS_PROBE_CACHE_SECONDS = 300


def agent_id_for_user(*, connection: DeskConnection, user: User, agents: QueueChoices | None = None) -> str:
    """The Desk agent a console user acts as ("me"): the agent linked to them in that org (docs/access.md),
    else (admins reach every org without a membership, hence without a link) the agent with their email
    (looked up in ``agents``, the cached filter lists, when the caller has them)."""
    linked = agent_desk_id_for(user, connection.org_id)
    if linked:
        return linked
    email = (user.email or "").strip()
    if not email:
        return ""
    if agents is not None:
        return agents.agent_by_email(email)
    return (
        Agent.objects.filter(connection=connection, email__iexact=email, is_deleted=False)
        .values_list("desk_id", flat=True)
        .first()
        or ""
    )


def _start_of(day: date, tz: tzinfo | None = None) -> datetime:
    """Midnight at the start of ``day`` in ``tz`` (the org's time zone, ``DeskConnection.zone``)."""
    return timezone.make_aware(datetime.combine(day, time.min), tz)


# -- Insights' drill-down filters: the same conditions the metrics count (apps/insights/metrics.py) --------------
CLOSED = "Closed"
AT_RISK_HOURS = 1
STATES = {
    "open": Q(status_type="Open"),
    "on_hold": Q(status_type="On Hold"),
    "closed": Q(status_type=CLOSED),
    "unclosed": ~Q(status_type=CLOSED),
}
SLA_FILTERS = tuple(
    f"{kind}-{state}"
    for kind in ("response", "resolution")
    for state in ("met", "breached", "at_risk", "pending", "none")
)


def open_at_q(end: datetime) -> Q:
    """Open at ``end``: created before it and not closed by then (a closed ticket without a closing time
    counts as closed throughout; the mirror keeps only the last closing time)."""
    closed_by = Q(status_type=CLOSED) & (Q(closed_time__isnull=True) | Q(closed_time__lt=end))
    return Q(created_time__lt=end) & ~closed_by


def sla_q(kind: str, state: str, now: datetime) -> Q:
    """One SLA state, as Insights counts it (docs/insights.md, "SLA"). ``kind`` "response": the target is
    ``response_due_date``, done at ``first_response_at``; "resolution": ``due_date``, done at ``closed_time``
    of a closed ticket. The five states of a kind partition the tickets."""
    soon = now + timedelta(hours=AT_RISK_HOURS)
    closed = Q(status_type=CLOSED)
    if kind == "response":
        due, done = "response_due_date", Q(first_response_at__isnull=False)
        done_late = Q(first_response_at__gt=F("response_due_date"))
        done_on_time = Q(first_response_at__lte=F("response_due_date"))
        none = Q(response_due_date__isnull=True)
        still_open = ~done  # no reply yet
        at_risk_extra = ~closed
    else:
        due, done = "due_date", closed & Q(closed_time__isnull=False)
        done_late = Q(closed_time__gt=F("due_date"))
        done_on_time = Q(closed_time__lte=F("due_date"))
        none = Q(due_date__isnull=True) | (closed & Q(closed_time__isnull=True))
        still_open = ~closed
        at_risk_extra = Q()
    has_target = Q(**{f"{due}__isnull": False}) & ~none
    states = {
        "none": none,
        "met": has_target & done & done_on_time,
        "breached": has_target & ((done & done_late) | (still_open & Q(**{f"{due}__lt": now}))),
        "at_risk": has_target & still_open & at_risk_extra & Q(**{f"{due}__gte": now, f"{due}__lt": soon}),
    }
    if state == "pending":
        return has_target & still_open & Q(**{f"{due}__gte": now}) & ~states["at_risk"]
    return states[state]


def _fts_match(terms: list[str]) -> str:
    # Each term quoted (so FTS5 syntax in input is inert) and prefix-matched; terms are ANDed.
    return " ".join('"' + term.replace('"', "") + '"*' for term in terms)


def _is_narrow(what: str, matches: str, params: list[Any]) -> bool:
    """Whether ``matches`` (a SELECT of the search's matching rows) has fewer than ``FTS_DRIVE_LIMIT`` rows.
    How broad some words are changes slowly: the probe's answer is kept a few minutes."""
    key = f"tickets:fts-narrow:{hashlib.sha256(what.encode()).hexdigest()[:32]}"
    narrow = cache.get(key)
    if narrow is None:
        with connections[Ticket.objects.db].cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM ({matches} LIMIT {FTS_DRIVE_LIMIT}) m", params)  # noqa: S608
            narrow = cursor.fetchone()[0] < FTS_DRIVE_LIMIT
        cache.set(key, narrow, FTS_PROBE_CACHE_SECONDS)
    return bool(narrow)


def _search(tickets: QuerySet[Ticket], *, connection: DeskConnection, query: str) -> QuerySet[Ticket]:
    """Full-text search as a condition on the queue's own rows (no second pass over the ticket table);
    a bare number also finds that ticket number.

    PostgreSQL: ``search_vector @@ tsquery`` on the same rows; a broad search (a probe counts up to
    ``FTS_DRIVE_LIMIT`` matches, cached) walks the sort's index, a narrow one leaves the planner the GIN index.
    SQLite: a broad search walks the sort's index and keeps the rows whose id is in the FTS5 match (the ``+`` keeps the planner from driving by the match and sorting them all);
    a narrow one (fewer than ``FTS_DRIVE_LIMIT`` matches) is read from the FTS5 index and sorted.
    """
    terms = search_terms(query)
    number = query.lstrip("#")
    number_sql, number_params = ("", [])
    if number.isdigit():
        number_sql, number_params = (' OR "tickets_ticket"."ticket_number" = %s', [number])
    vendor = connections[Ticket.objects.db].vendor
    if not terms:
        return tickets.filter(ticket_number=number) if number_sql else tickets.none()
    if vendor == "sqlite":
        match = _fts_match(terms)
        matches = "SELECT rowid FROM tickets_ticket_fts WHERE tickets_ticket_fts MATCH %s"
        narrow = _is_narrow(f"fts:{match}", matches, [match])
        column = '"tickets_ticket"."id"' if narrow else '+"tickets_ticket"."id"'
        where = f"({column} IN ({matches}){number_sql})"  # fixed SQL; the words are parameters
        return tickets.extra(where=[where], params=[match, *number_params])  # noqa: S610
    if vendor == "postgresql":
        tsquery = " & ".join(f"{term}:*" for term in (t.replace("'", "") for t in terms) if term)
        match_sql = "search_vector @@ to_tsquery('simple', %s)"
        matches = f"SELECT 1 FROM tickets_ticket WHERE connection_id = %s AND {match_sql}"  # noqa: S608
        # The planner's estimate for a tsquery is far off (ANDed prefix words: a few dozen rows for 2,000),
        # so the plan is chosen here from the probe. Broad: walk the sort's index and keep the matching rows
        # (~1 ms a page; in a CASE the planner takes the condition as true for half the rows). Narrow: the
        # condition twice, so the estimate is small and the few matches are read through the GIN index and
        # sorted (a word that matches nothing would otherwise walk the whole sort index: ~100 ms at 100,000).
        if _is_narrow(f"pg:{connection.pk}:{tsquery}", matches, [connection.pk, tsquery]):
            match_sql, match_params = f"{match_sql} AND {match_sql}", [tsquery, tsquery]
        else:
            match_sql, match_params = f"CASE WHEN {match_sql} THEN true ELSE false END", [tsquery]
        where = f"({match_sql}{number_sql})"  # fixed SQL; the words are parameters
        return tickets.extra(where=[where], params=[*match_params, *number_params])  # noqa: S610
    matches_ids = tickets_search(connection, query).order_by().values("id")
    condition = Q(id__in=matches_ids)
    if number_sql:
        condition |= Q(ticket_number=number)
    return tickets.filter(condition)


def _filtered(
    *, connection: DeskConnection, filters: QueueFilters, me_agent_id: str, now: datetime | None = None
) -> QuerySet[Ticket]:
    """The queue's tickets, filtered, unordered (the sort key is ``sort_key_for``)."""
    now = now or timezone.now()
    tz = connection.zone  # the queue's days are the org's days (docs/insights.md)
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
        tickets = tickets.filter(created_time__gte=_start_of(filters.created_from, tz))
    if filters.created_to:
        tickets = tickets.filter(created_time__lt=_start_of(filters.created_to + timedelta(days=1), tz))
    if filters.modified_from:
        tickets = tickets.filter(modified_time__gte=_start_of(filters.modified_from, tz))
    if filters.modified_to:
        tickets = tickets.filter(modified_time__lt=_start_of(filters.modified_to + timedelta(days=1), tz))
    tickets = _insights_filtered(tickets, filters, now=now, tz=tz)
    if filters.query:
        tickets = _search(tickets, connection=connection, query=filters.query)
    return tickets


def _insights_filtered(
    tickets: QuerySet[Ticket], filters: QueueFilters, *, now: datetime, tz: tzinfo | None = None
) -> QuerySet[Ticket]:
    """The drill-down filters Insights links with (QueueFilters): closed days, hour, state, open at a day's
    end, a first reply known, an SLA state."""
    hour = timedelta(hours=filters.hour) if filters.hour is not None else None
    if filters.created_from and hour is not None:
        start = _start_of(filters.created_from, tz) + hour
        tickets = tickets.filter(created_time__gte=start, created_time__lt=start + timedelta(hours=1))
    if filters.closed_from or filters.closed_to:
        tickets = tickets.filter(status_type=CLOSED)
    if filters.closed_from:
        start = _start_of(filters.closed_from, tz)
        tickets = tickets.filter(closed_time__gte=start + (hour or timedelta(0)))
        if hour is not None:
            tickets = tickets.filter(closed_time__lt=start + hour + timedelta(hours=1))
    if filters.closed_to:
        tickets = tickets.filter(closed_time__lt=_start_of(filters.closed_to + timedelta(days=1), tz))
    if filters.state:
        tickets = tickets.filter(STATES[filters.state])
    if filters.open_on:
        tickets = tickets.filter(open_at_q(_start_of(filters.open_on + timedelta(days=1), tz)))
    if filters.responded:
        tickets = tickets.filter(first_response_at__isnull=filters.responded == "no")
    if filters.sla:
        kind, state = filters.sla.split("-", 1)
        tickets = tickets.filter(sla_q(kind, state, now))
    return tickets


def sort_key_for(filters: QueueFilters) -> SortKey:
    """The queue's order: the sorted column's field (stored keys for priority, number and the names), then the
    id."""
    column = COLUMNS[filters.sort.lstrip("-")]
    return SortKey(column.order_field, descending=filters.sort.startswith("-"), nullable=column.nullable)


def tickets_for_queue(
    *, connection: DeskConnection, filters: QueueFilters, me_agent_id: str = "", now: datetime | None = None
) -> QuerySet[Ticket]:
    """The tickets of a queue, filtered and sorted as the queue shows them, from the mirror only."""
    tickets = _filtered(connection=connection, filters=filters, me_agent_id=me_agent_id, now=now)
    key = sort_key_for(filters)
    field_order = f"-{key.field}" if key.descending else key.field
    return tickets.defer(*QUEUE_DEFERRED).order_by(field_order, "-id" if key.descending else "id")


def ticket_ids_for_queue(
    *, connection: DeskConnection, filters: QueueFilters, me_agent_id: str, limit: int
) -> list[str]:
    """The Desk ids of a queue's tickets, in its order, at most ``limit`` (a bulk action on "all matching")."""
    matching = tickets_for_queue(connection=connection, filters=filters, me_agent_id=me_agent_id)
    return list(matching.values_list("desk_id", flat=True)[:limit])


@dataclass
class QueueChoices:
    """What the filter form offers, all read from the mirror (cached per connection: ``queue_choices``)."""

    statuses: list[str]
    departments: list[Department]
    agents: list[Agent]
    teams: list[Team]
    priorities: tuple[str, ...] = PRIORITIES
    channels: tuple[str, ...] = CHANNELS
    classifications: tuple[str, ...] = CLASSIFICATIONS
    page_sizes: tuple[int, ...] = PAGE_SIZES
    columns: tuple[Column, ...] = tuple(COLUMNS.values())
    _agent_options: str = field(default="", repr=False)

    def agent_options(self) -> str:
        """The agents as ``<option>`` elements, escaped, written once per page: the filter bar and the
        bulk bar both list every agent (``QueueSelect.shared_options``)."""
        if not self._agent_options:
            self._agent_options = "".join(
                f'<option value="{html.escape(a.desk_id)}">{html.escape(str(a))}</option>'
                for a in self.agents
            )
        return self._agent_options

    def agent_by_email(self, email: str) -> str:
        email = email.strip().lower()
        return next((a.desk_id for a in self.agents if email and (a.email or "").lower() == email), "")


def _statuses_key(connection: DeskConnection) -> str:
    return f"tickets:statuses:{connection.pk}"


def _read_statuses(connection: DeskConnection) -> list[str]:
    seen = list(
        Ticket.objects.filter(connection=connection)
        .exclude(status="")
        .order_by()
        .values_list("status", flat=True)
        .distinct()
    )
    custom = sorted(s for s in seen if s not in DEFAULT_STATUSES)
    return [*DEFAULT_STATUSES, *custom]


def statuses_for(*, connection: DeskConnection) -> list[str]:
    """Desk's default statuses, then the org's custom ones as they appear on mirrored tickets.

    Finding them reads every mirrored ticket's status, so the answer is cached for a short while:
    an org gains a custom status rarely, and a new one shows within two minutes.
    """
    cached = cache.get(_statuses_key(connection))
    if cached is not None:
        return list(cached)
    statuses = _read_statuses(connection)
    cache.set(_statuses_key(connection), statuses, STATUSES_CACHE_SECONDS)
    return statuses


def _lookups_key(connection: DeskConnection, version: int) -> str:
    return f"tickets:lookups:{connection.pk}:{version}"


def queue_choices(*, connection: DeskConnection, version: int | None = None) -> QueueChoices:
    """The filter lists, read from the cache: departments, agents and teams until the mirror changes (its
    version stamp moves on any apply: a sync, a webhook, a write), statuses for two minutes."""
    version = freshness.version(connection.pk) if version is None else version
    lookups_key, statuses_key = _lookups_key(connection, version), _statuses_key(connection)
    cached = cache.get_many([lookups_key, statuses_key])
    lookups = cached.get(lookups_key)
    if lookups is None:
        lookups = (
            list(Department.objects.filter(connection=connection, is_deleted=False).defer("raw")),
            list(
                Agent.objects.filter(connection=connection, is_deleted=False).only(
                    "desk_id", "name", "first_name", "last_name", "email", "connection_id"
                )
            ),
            list(Team.objects.filter(connection=connection, is_deleted=False).defer("raw", "member_ids")),
        )
        cache.set(lookups_key, lookups, LOOKUPS_CACHE_SECONDS)
    statuses = cached.get(statuses_key)
    if statuses is None:
        statuses = _read_statuses(connection)
        cache.set(statuses_key, statuses, STATUSES_CACHE_SECONDS)
    departments, agents, teams = lookups
    return QueueChoices(statuses=list(statuses), departments=departments, agents=agents, teams=teams)


class QueueRow:
    """One queue row, built from ``values()`` with names resolved (no model instances): what
    ``display.queue_rows_html`` writes out."""

    __slots__ = (
        "assignee",
        "assignee_desk_id",
        "channel",
        "classification",
        "closed",
        "contact",
        "created_time",
        "department",
        "desk_id",
        "due_date",
        "email",
        "id",
        "modified_time",
        "overdue",
        "priority",
        "priority_class",
        "status",
        "status_class",
        "status_type",
        "subject",
        "team",
        "ticket_number",
        "url",
    )

    def __init__(self, values: dict[str, Any], **names: Any) -> None:
        for name in _ROW_COPIED:
            setattr(self, name, values[name])
        for name, value in names.items():
            setattr(self, name, value)

    @property
    def ticket(self) -> QueueRow:
        """The row itself (it carries the ticket's fields), for code that read ``row.ticket.desk_id``."""
        return self


_ROW_COPIED = (
    "id",
    "desk_id",
    "ticket_number",
    "subject",
    "status",
    "status_type",
    "priority",
    "email",
    "assignee_desk_id",
    "channel",
    "classification",
    "due_date",
    "created_time",
    "modified_time",
)


def _slug(value: str) -> str:
    return "-".join(value.lower().split())


def rows_for(
    *, connection: DeskConnection, tickets: list[dict[str, Any]], choices: QueueChoices
) -> list[QueueRow]:
    """A page's rows: the names come with the rows (the mirror's stored name keys), so no lookup per page."""
    # One reverse() for the page, not one per row: the queue renders up to 100 rows.
    url_pattern = reverse("tickets:detail", kwargs={"desk_id": "0"})[:-2]
    rows = []
    for t in tickets:
        closed = t["status_type"] == "Closed"
        rows.append(
            QueueRow(
                t,
                url=f"{url_pattern}{t['desk_id']}/",
                closed=closed,
                overdue=bool(t["is_over_due"] and t["due_date"] and not closed),
                status_class=_slug(t["status_type"]),
                priority_class=t["priority"].lower(),
                assignee=t["assignee_name"] or "",
                team=t["team_name"] or "",
                department=t["department_name"] or "",
                contact=t["contact_name"] or "",
            )
        )
    return rows


@dataclass
class QueuePage:
    """One page of a queue: its rows, the tokens of the pages around it, and how many match (capped)."""

    page: KeysetPage[dict[str, Any]]
    rows: list[QueueRow]
    count: CappedCount
    exact: bool = False

    @property
    def has_previous(self) -> bool:
        return self.page.has_previous

    @property
    def has_next(self) -> bool:
        return self.page.has_next


def _count_key(connection: DeskConnection, filters: QueueFilters, me_agent_id: str, version: int) -> str:
    # The filters only: the sort, page and columns don't change how many match.
    what = filters.to_query(sort="", page="", per_page="", col=[], count="")
    digest = hashlib.sha256(f"{what}|{me_agent_id}".encode()).hexdigest()[:32]
    return f"tickets:count:{connection.pk}:{version}:{digest}"


def queue_count(
    *,
    connection: DeskConnection,
    filters: QueueFilters,
    me_agent_id: str,
    tickets: QuerySet[Ticket],
    version: int | None = None,
) -> tuple[CappedCount, bool]:
    """How many tickets match: capped at ``COUNT_CAP`` (bounded work), or, when the URL asks
    (``count=exact``), every match. Either is cached per filter until the mirror changes (its version stamp
    moves with every apply), so paging through a queue or reloading it counts once. Returns (count, exact).
    """
    exact = filters.count == "exact"
    version = freshness.version(connection.pk) if version is None else version
    key = _count_key(connection, filters, me_agent_id, version) + (":exact" if exact else "")
    counted = cache.get(key)
    if counted is None:
        counted = tickets.order_by().count() if exact else capped_count(tickets, cap=COUNT_CAP).value
        cache.set(key, counted, COUNT_CACHE_SECONDS)
    if exact:
        return CappedCount(int(counted), cap=max(int(counted), COUNT_CAP)), True
    return CappedCount(int(counted), cap=COUNT_CAP), False


def _cursor(token: str) -> Cursor | None:
    return decode_cursor(token) if token else None


def queue_page(
    *,
    connection: DeskConnection,
    filters: QueueFilters,
    me_agent_id: str,
    choices: QueueChoices,
    version: int | None = None,
) -> QueuePage:
    """The page of the queue the URL asks for: a keyset walk of the sort's index (``values()`` rows), the
    page's contact names, and a capped count."""
    tickets = _filtered(connection=connection, filters=filters, me_agent_id=me_agent_id)
    key = sort_key_for(filters)
    fields = ROW_FIELDS if key.field in ROW_FIELDS else (*ROW_FIELDS, key.field)
    rows = tickets.values(*fields)
    if filters.page > 1 and not (filters.after or filters.before or filters.last):
        # An old numbered link (before keyset paging): that page by OFFSET, then keyset from there on.
        page = _offset_page(rows, key=key, size=filters.page_size, number=filters.page)
    else:
        page = keyset_page(
            rows,
            key=key,
            size=filters.page_size,
            after=_cursor(filters.after),
            before=_cursor(filters.before),
            last=filters.last,
        )
    count, exact = queue_count(
        connection=connection, filters=filters, me_agent_id=me_agent_id, tickets=tickets, version=version
    )
    return QueuePage(
        page=page,
        rows=rows_for(connection=connection, tickets=page.rows, choices=choices),
        count=count,
        exact=exact,
    )


def _offset_page(rows: QuerySet[Any], *, key: SortKey, size: int, number: int) -> KeysetPage[Any]:
    from apps.core.paging import encode_cursor

    order = [f"-{key.field}" if key.descending else key.field, "-id" if key.descending else "id"]
    start = (number - 1) * size
    found = list(rows.order_by(*order)[start : start + size + 1])
    if not found:
        return keyset_page(rows, key=key, size=size, last=True)
    page = KeysetPage(found[:size], key, has_previous=True, has_next=len(found) > size)
    first, final = page.rows[0], page.rows[-1]
    page.previous_cursor = encode_cursor(first[key.field], first["id"])
    if page.has_next:
        page.next_cursor = encode_cursor(final[key.field], final["id"])
    return page


def queue_page_query(
    *, connection: DeskConnection, filters: QueueFilters, me_agent_id: str = ""
) -> QuerySet[Ticket, dict[str, Any]]:
    """The SQL of the queue's first page for these filters (for ``EXPLAIN``: each sort walks its index)."""
    tickets = _filtered(connection=connection, filters=filters, me_agent_id=me_agent_id)
    key = sort_key_for(filters)
    fields = ROW_FIELDS if key.field in ROW_FIELDS else (*ROW_FIELDS, key.field)
    return first_page_query(tickets.values(*fields), key=key, size=filters.page_size)
