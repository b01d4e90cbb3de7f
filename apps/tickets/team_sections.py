"""What the tickets app adds to the team pages (registered in TicketsConfig.ready()): the workload figures
from the ticket mirror, an agent's queue and 30-day activity, the offer to reassign an agent's open tickets
as a bulk job before they are deleted, and a department's SLA policies (all reads, 0 API calls); and the
handoff the team app's one-step "reassign and deactivate" runs (``apps.team.handoff``): a bulk job.

Every figure comes from one grouped query over the org's tickets (never one query per agent), and each
count links to the ticket queue with the same filter, built by ``QueueFilters`` so the two always agree.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.cache import cache
from django.db.models import CharField, Count, Max, Q, Value
from django.db.models.functions import Concat, TruncDate
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from apps.connections.models import DeskConnection
from apps.core.shell import PageSection, register_section
from apps.team.handoff import Handoff, OpenTickets, register_handoff_provider
from apps.team.models import Agent, Department
from apps.team.workload import WorkloadColumn, WorkloadTable, figures_for, register_workload_provider
from apps.tickets import credits
from apps.tickets.filters import QueueFilters
from apps.tickets.models import SlaPolicy, Ticket, TicketThread
from apps.tickets.selectors.queue import ticket_ids_for_queue, tickets_for_queue
from apps.tickets.services import bulk as bulk_services

CLOSED = "Closed"
DUE_SOON_HOURS = 1
FIRST_RESPONSE_DAYS = 7
ACTIVITY_DAYS = 30
QUEUE_PREVIEW = 10
# Figures are cached under a key that changes with the minute and with any ticket change (``_mirror_stamp``);
# this only bounds how long an unused entry stays.
WORKLOAD_CACHE_SECONDS = 120

OPEN = WorkloadColumn("open", "Open", help="Tickets assigned and not closed")
OVERDUE = WorkloadColumn("overdue", "Overdue", help="Open tickets past their due time")
DUE_SOON = WorkloadColumn("due_soon", "Due in 1 h", help="Open tickets due in the next hour")
TOUCHED = WorkloadColumn("touched_today", "Touched today", help="Tickets modified since midnight")
FIRST_RESPONSE = WorkloadColumn(
    "first_response",
    "1st reply, median 7 d",
    kind="duration",
    help="Median time to the first reply, tickets created in the last 7 days (from the mirrored conversations)",
)


def _today_start(now: datetime) -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate(now), time.min))


@dataclass
class _Grouped:
    """Per owner: open, overdue, due-soon and touched-today counts, and the status names of open tickets."""

    values: dict[str, dict[str, float | int | None]]
    open_statuses: list[str]


def _mirror_stamp(connection: DeskConnection, now: datetime) -> str:
    """What the figures depend on, cheaply: the minute (overdue and due-soon move with the clock) and the
    newest ticket change (an index lookup). A write, webhook or sync that changes a ticket changes it, so the
    figures follow the mirror at once and are never more than a minute old."""
    newest = Ticket.objects.filter(connection=connection, is_deleted=False).aggregate(
        newest=Max("modified_time")
    )
    return f"{now:%Y%m%d%H%M}:{newest['newest'].isoformat() if newest['newest'] else '-'}"


def _cached[T](connection: DeskConnection, name: str, stamp: str, compute: Callable[[], T]) -> T:
    key = f"team-workload:{connection.pk}:{name}:{stamp}"
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, WORKLOAD_CACHE_SECONDS)
    return found


def _grouped(
    connection: DeskConnection, column: str, *, now: datetime
) -> dict[str, dict[str, float | int | None]]:
    """One grouped query: the org's tickets by owner column, with a conditional count per figure."""
    not_closed = ~Q(status_type=CLOSED)
    rows = (
        Ticket.objects.filter(connection=connection, is_deleted=False)
        .exclude(**{column: ""})
        .order_by()
        # Grouped by an expression, not the bare column: SQLite then reads the table in order (one scan)
        # instead of walking an owner index with a row lookup per ticket (2-3 times slower at 100k).
        .annotate(owner=Concat(column, Value(""), output_field=CharField()))
        .values("owner")
        .annotate(
            open=Count("id", filter=not_closed),
            overdue=Count("id", filter=not_closed & Q(due_date__lt=now)),
            due_soon=Count(
                "id",
                filter=not_closed & Q(due_date__gte=now, due_date__lte=now + timedelta(hours=DUE_SOON_HOURS)),
            ),
            touched_today=Count("id", filter=Q(modified_time__gte=_today_start(now))),
        )
    )
    return {
        str(row["owner"]): {
            "open": row["open"],
            "overdue": row["overdue"],
            "due_soon": row["due_soon"],
            "touched_today": row["touched_today"],
        }
        for row in rows
    }


def _open_statuses_of(connection: DeskConnection) -> list[str]:
    """The status names of the org's open tickets (the "open" figure's queue link lists them)."""
    return sorted(
        Ticket.objects.filter(connection=connection, is_deleted=False)
        .exclude(status_type=CLOSED)
        .order_by()
        .values_list("status", flat=True)
        .distinct()
    )


def _workload(connection: DeskConnection, column: str) -> _Grouped:
    now = timezone.now()
    stamp = _mirror_stamp(connection, now)
    values = _cached(connection, column, stamp, lambda: _grouped(connection, column, now=now))
    # Statuses change rarely: a new one shows within the cache's time whatever the stamp.
    statuses = _cached(connection, "open-statuses", "", lambda: _open_statuses_of(connection))
    return _Grouped(values={k: dict(v) for k, v in values.items()}, open_statuses=statuses)


def _first_response_medians(connection: DeskConnection, *, now: datetime) -> dict[str, float]:
    """Per agent: the median seconds from creation to the first reply (``Ticket.first_response_at``, kept by
    the mirror from outgoing threads and Desk's ``responseTime``), tickets created in the last 7 days."""
    since = now - timedelta(days=FIRST_RESPONSE_DAYS)
    waits: dict[str, list[float]] = {}
    for assignee, created, first in (
        Ticket.objects.filter(
            connection=connection, is_deleted=False, created_time__gte=since, first_response_at__isnull=False
        )
        .exclude(assignee_desk_id="")
        .order_by()
        .values_list("assignee_desk_id", "created_time", "first_response_at")
    ):
        if created is not None and first is not None:
            waits.setdefault(assignee, []).append(max(0.0, (first - created).total_seconds()))
    return {agent: float(statistics.median(seconds)) for agent, seconds in waits.items()}


def queue_url(**filters: Any) -> str:
    return reverse("tickets:queue") + "?" + QueueFilters(**filters).to_query()


OWNER = "0000000000"  # stands for the owner's Desk id (digits, as every id) in a link built once per figure


def _link_for(owner_filter: str, open_statuses: list[str]) -> Callable[[str, str], str]:
    """The queue URL behind each count: the owner (assignee, department or team) and the figure's filter.
    Each figure's URL is built once and the owner's id put in, not built again for each of 200 agents."""
    today = timezone.localdate()
    shapes = {
        "open": queue_url(**{owner_filter: OWNER}, statuses=list(open_statuses) or ["Open"]),
        "overdue": queue_url(**{owner_filter: OWNER}, overdue=True),
        "due_soon": queue_url(**{owner_filter: OWNER}, due_within_hours=DUE_SOON_HOURS),
        "touched_today": queue_url(**{owner_filter: OWNER}, modified_from=today),
    }

    def link(key: str, owner: str) -> str:
        shape = shapes.get(key)
        return shape.replace(f"={OWNER}", f"={owner}", 1) if shape and owner.isdigit() else ""

    return link


class TicketWorkload:
    """The team pages' workload provider (``apps.team.workload``)."""

    def agents(self, connection: DeskConnection) -> WorkloadTable:
        now = timezone.now()
        grouped = _workload(connection, "assignee_desk_id")
        medians = _cached(
            connection,
            "first-response",
            f"{now:%Y%m%d%H}",
            lambda: _first_response_medians(connection, now=now),
        )
        for agent, median in medians.items():
            grouped.values.setdefault(agent, {"open": 0, "overdue": 0, "due_soon": 0, "touched_today": 0})
            grouped.values[agent]["first_response"] = median
        return WorkloadTable(
            columns=[OPEN, OVERDUE, DUE_SOON, TOUCHED, FIRST_RESPONSE],
            values=grouped.values,
            link=_link_for("assignee", grouped.open_statuses),
        )

    def departments(self, connection: DeskConnection) -> WorkloadTable:
        grouped = _workload(connection, "department_desk_id")
        return WorkloadTable(
            columns=[OPEN, OVERDUE, DUE_SOON],
            values=grouped.values,
            link=_link_for("department", grouped.open_statuses),
        )

    def teams(self, connection: DeskConnection) -> WorkloadTable:
        grouped = _workload(connection, "team_desk_id")
        return WorkloadTable(
            columns=[OPEN, OVERDUE, DUE_SOON],
            values=grouped.values,
            link=_link_for("team", grouped.open_statuses),
        )


WORKLOAD = TicketWorkload()


# -- sections on the agent's pages ----------------------------------------------------------------------------


def _open_statuses(connection: DeskConnection, agent: Agent) -> list[str]:
    return sorted(
        Ticket.objects.filter(connection=connection, is_deleted=False, assignee_desk_id=agent.desk_id)
        .exclude(status_type=CLOSED)
        .order_by()
        .values_list("status", flat=True)
        .distinct()
    )


@dataclass(frozen=True)
class DayBar:
    day: date
    closed: int
    replied: int
    x: float
    replied_x: float
    closed_y: float
    closed_height: float
    replied_y: float
    replied_height: float


CHART_WIDTH, CHART_HEIGHT, CHART_BOTTOM = 600, 140, 120


def agent_activity(connection: DeskConnection, agent: Agent, *, now: datetime | None = None) -> list[DayBar]:
    """Tickets closed (assigned to the agent, by closing day) and replies sent per day, the last 30 days."""
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    first_day = timezone.localdate(now) - timedelta(days=ACTIVITY_DAYS - 1)
    since = timezone.make_aware(datetime.combine(first_day, time.min))
    closed = {
        row["day"]: row["n"]
        for row in Ticket.objects.filter(
            connection=connection, assignee_desk_id=agent.desk_id, closed_time__gte=since, is_deleted=False
        )
        .annotate(day=TruncDate("closed_time", tzinfo=tz))
        .order_by()
        .values("day")
        .annotate(n=Count("id"))
    }
    replied = {
        row["day"]: row["n"]
        for row in TicketThread.objects.filter(
            connection=connection, author_desk_id=agent.desk_id, direction="out", created_time__gte=since
        )
        .annotate(day=TruncDate("created_time", tzinfo=tz))
        .order_by()
        .values("day")
        .annotate(n=Count("id"))
    }
    days = [first_day + timedelta(days=i) for i in range(ACTIVITY_DAYS)]
    peak = max([1, *closed.values(), *replied.values()])
    slot = CHART_WIDTH / ACTIVITY_DAYS
    bar = slot * 0.38
    scale = (CHART_BOTTOM - 10) / peak
    bars = []
    for index, day in enumerate(days):
        c, r = closed.get(day, 0), replied.get(day, 0)
        x = index * slot + slot * 0.1
        bars.append(
            DayBar(
                day=day,
                closed=c,
                replied=r,
                x=round(x, 1),
                replied_x=round(x + bar, 1),
                closed_y=round(CHART_BOTTOM - c * scale, 1),
                closed_height=round(c * scale, 1),
                replied_y=round(CHART_BOTTOM - r * scale, 1),
                replied_height=round(r * scale, 1),
            )
        )
    return bars


def agent_overview(request: HttpRequest, *, connection: DeskConnection, agent: Agent) -> PageSection | None:
    """On an agent's page: their workload, their queue (first tickets) and the 30-day activity chart."""
    if not request.user.has_perm("core.view_tickets"):
        return None
    statuses = _open_statuses(connection, agent)
    filters = QueueFilters(assignee=agent.desk_id, statuses=statuses or ["Open"], sort="due")
    tickets = list(tickets_for_queue(connection=connection, filters=filters)[:QUEUE_PREVIEW])
    open_count = tickets_for_queue(connection=connection, filters=filters).count() if statuses else 0
    bars = agent_activity(connection, agent)
    figures = []
    if request.user.has_perm("core.view_insights"):
        figures = figures_for(WORKLOAD.agents(connection), agent.desk_id, str(agent))
    context = {
        "agent": agent,
        "tickets": tickets if statuses else [],
        "open_count": open_count,
        "queue_url": reverse("tickets:queue") + "?" + filters.to_query(),
        "bars": bars,
        "chart": {
            "width": CHART_WIDTH,
            "height": CHART_HEIGHT,
            "bottom": CHART_BOTTOM,
            "bar": round(CHART_WIDTH / ACTIVITY_DAYS * 0.38, 1),
        },
        "closed_total": sum(b.closed for b in bars),
        "replied_total": sum(b.replied for b in bars),
        "figures": figures,
        "days": ACTIVITY_DAYS,
    }
    return PageSection("tickets/team/agent_overview.html", context)


def agent_reassign_offer(
    request: HttpRequest, *, connection: DeskConnection, agent: Agent
) -> PageSection | None:
    """Before deleting: how many open tickets the agent has, and a bulk job to reassign them (deactivating
    reassigns in the same step, through ``TicketHandoff``)."""
    statuses = _open_statuses(connection, agent)
    filters = QueueFilters(assignee=agent.desk_id, statuses=statuses)
    count = tickets_for_queue(connection=connection, filters=filters).count() if statuses else 0
    others = (
        Agent.objects.filter(connection=connection, is_deleted=False, status="ACTIVE")
        .exclude(desk_id=agent.desk_id)
        .exclude(is_confirmed=False)
        .order_by("name", "desk_id")
    )
    context = {
        "agent": agent,
        "count": count,
        "queue_url": reverse("tickets:queue") + "?" + filters.to_query(),
        "filter_query": filters.to_query(),
        "others": list(others),
        "can_bulk": request.user.has_perm("core.bulk_edit_tickets"),
    }
    return PageSection("tickets/team/reassign_offer.html", context)


class TicketHandoff:
    """The team app's handoff: an agent's open tickets counted in the mirror, and reassigned by a bulk job
    (the same job, credit check and progress page as the queue's bulk "Assign")."""

    def _filters(self, connection: DeskConnection, agent: Agent) -> QueueFilters | None:
        statuses = _open_statuses(connection, agent)
        return QueueFilters(assignee=agent.desk_id, statuses=statuses) if statuses else None

    def open_tickets(self, connection: DeskConnection, agent: Agent) -> OpenTickets:
        filters = self._filters(connection, agent)
        if filters is None:
            return OpenTickets(count=0, queue_url="")
        count = tickets_for_queue(connection=connection, filters=filters).count()
        return OpenTickets(count=count, queue_url=reverse("tickets:queue") + "?" + filters.to_query())

    def reassign(self, *, actor: User, connection: DeskConnection, agent: Agent, to_agent_id: str) -> Handoff:
        from apps.tickets.views.bulk import bulk_refusal  # the refusal's wording lives with the bulk page

        filters = self._filters(connection, agent)
        ids = (
            ticket_ids_for_queue(
                connection=connection,
                filters=filters,
                me_agent_id="",
                limit=bulk_services.BULK_MAX_TICKETS + 1,
            )
            if filters is not None
            else []
        )
        if not ids:
            return Handoff(count=0)
        job = bulk_services.bulk_job_create(
            actor=actor,
            connection=connection,
            action="assign",
            params={
                "assignee_id": to_agent_id,
                "team_id": "",
                "status": "",
                "priority": "",
                "resolution": "",
            },
            ticket_ids=ids,
        )
        url = reverse("tickets:bulk", args=[job.pk])
        cost = credits.bulk_cost(org_id=connection.org_id, tickets=job.total, edition=connection.edition)
        if not cost.affordable:
            refusal = bulk_refusal(cost)
            bulk_services.bulk_job_refuse(actor=actor, job=job, message=refusal, credits_needed=cost.credits)
            return Handoff(count=job.total, url=url, refusal=refusal)
        bulk_services.bulk_job_start(actor=actor, job=job)
        return Handoff(count=job.total, url=url)


HANDOFF = TicketHandoff()


def department_sla(
    request: HttpRequest, *, connection: DeskConnection, department: Department
) -> PageSection:
    policies = SlaPolicy.objects.filter(connection=connection, is_deleted=False).filter(
        Q(department_desk_id=department.desk_id) | Q(department_desk_id="")
    )
    return PageSection(
        "tickets/team/department_sla.html", {"policies": list(policies), "department": department}
    )


def register() -> None:
    """Called from TicketsConfig.ready()."""
    register_workload_provider(WORKLOAD)
    register_section("team:agent", agent_overview)
    register_handoff_provider(HANDOFF)  # deactivating offers "reassign to X and deactivate" in one step
    register_section("team:agent_delete", agent_reassign_offer)
    register_section("team:department", department_sla)
