"""Insights' metrics, read from the mirror (0 API calls): backlog, volume, first response and resolution
times, SLA compliance, per-agent load and distributions, for one org or several, a range of days and
the queue's own dimension filters. docs/insights.md says what each number means.

Every count is the count of a queue URL: the tickets come from ``tickets_for_queue`` with the same
``QueueFilters`` the drill-down link carries, and the conditions (open at a day's end, SLA states) are the
queue's own (``open_at_q``, ``sla_q``), so a number and the queue behind it cannot disagree.
"""

from __future__ import annotations

import hashlib
import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from django.core.cache import cache
from django.db.models import CharField, Count, F, Q, QuerySet, Value
from django.db.models.functions import Concat, ExtractHour, Lower, TruncDate
from django.utils import timezone

from apps.connections.models import DeskConnection
from apps.mirror import freshness
from apps.team.models import Agent, Department
from apps.tickets.filters import QueueFilters
from apps.tickets.models import Ticket, TicketThread
from apps.tickets.selectors.queue import CLOSED, STATES, sla_q, tickets_for_queue

SLA_STATES = ("met", "breached", "at_risk", "pending", "none")
SLA_KINDS = ("response", "resolution")
# A cached result lives until the mirror's version or the minute changes (both are in the key).
CACHE_SECONDS = 300
# The backlog trend shows at least this many days (a one-day range still shows a week of trend).
TREND_MIN_DAYS = 7


# --- what is asked --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Scope:
    """The days (inclusive, in ``tz``) and the queue's dimension filters a metric covers."""

    start: date
    end: date
    department: str = ""
    team: str = ""
    assignee: str = ""
    channel: str = ""
    priority: str = ""

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    @property
    def is_one_day(self) -> bool:
        return self.start == self.end

    def queue(self, **extra: Any) -> QueueFilters:
        """The queue filters of these dimensions plus ``extra`` (a drill-down's own condition)."""
        return QueueFilters(
            department=self.department,
            team=self.team,
            assignee=self.assignee,
            channel=self.channel,
            priorities=[self.priority] if self.priority else [],
            **extra,
        )

    def key(self) -> str:
        text = "|".join(str(v) for v in (self.start, self.end, self.department, self.team, self.assignee))
        text += f"|{self.channel}|{self.priority}"
        return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:16]


def start_of(day: date, tz: tzinfo | None = None) -> datetime:
    """Midnight at the start of ``day`` in ``tz``, the org's time zone (the queue's own day boundary)."""
    return timezone.make_aware(datetime.combine(day, time.min), tz)


# --- the figures ----------------------------------------------------------------------------------------
@dataclass
class Durations:
    """Seconds of some tickets: count, median and 90th percentile (nearest rank)."""

    count: int = 0
    median: float | None = None
    p90: float | None = None


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least ``share`` of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def durations(values: list[float]) -> Durations:
    if not values:
        return Durations()
    return Durations(count=len(values), median=float(statistics.median(values)), p90=percentile(values, 0.9))


@dataclass
class OrgFigures:
    """Everything Insights shows for one connection (plain data: it is cached)."""

    connection_id: int
    backlog: dict[str, int] = field(default_factory=dict)  # open, on_hold, overdue, unclosed
    trend: list[tuple[date, int]] = field(default_factory=list)  # open at each day's end
    created: dict[Any, int] = field(default_factory=dict)  # day (or hour for one day) -> count
    closed: dict[Any, int] = field(default_factory=dict)
    frt: dict[date, list[float]] = field(default_factory=dict)  # created day -> seconds to first reply
    resolution: dict[date, list[float]] = field(default_factory=dict)  # closed day -> seconds open
    created_total: int = 0
    responded: int = 0  # created in range with a first reply known
    conversations: int = 0  # created in range with the conversation mirrored
    sla: dict[str, dict[str, int]] = field(default_factory=dict)  # kind -> state -> count
    agents: dict[str, dict[str, Any]] = field(default_factory=dict)  # assignee id -> figures
    agent_names: dict[str, str] = field(default_factory=dict)
    channel: dict[str, int] = field(default_factory=dict)
    priority: dict[str, int] = field(default_factory=dict)
    status: dict[str, int] = field(default_factory=dict)
    department: dict[str, int] = field(default_factory=dict)
    department_names: dict[str, str] = field(default_factory=dict)
    as_of: datetime | None = None


def trend_days(scope: Scope) -> list[date]:
    first = min(scope.start, scope.end - timedelta(days=TREND_MIN_DAYS - 1))
    return [first + timedelta(days=i) for i in range((scope.end - first).days + 1)]


def _base(connection: DeskConnection, scope: Scope, now: datetime, **extra: Any) -> QuerySet[Ticket]:
    return tickets_for_queue(connection=connection, filters=scope.queue(**extra), now=now).order_by()


def _local_day(moment: datetime, tz: tzinfo) -> date:
    return moment.astimezone(tz).date()


def compute(connection: DeskConnection, scope: Scope, *, now: datetime) -> OrgFigures:
    """One org's figures: a handful of grouped queries over its tickets (docs/insights.md, "Speed")."""
    tz = connection.zone  # the org's days (DeskConnection.time_zone, else TIME_ZONE), as the queue's filters
    figures = OrgFigures(connection_id=connection.pk, as_of=now)
    range_start, range_end = start_of(scope.start, tz), start_of(scope.end + timedelta(days=1), tz)
    tickets = _base(connection, scope, now)

    # Backlog now and per agent: one grouped query over the scope's tickets (by owner, as the team pages do:
    # SQLite then reads the table once in order), summed here. It also gives the trend's starting point.
    days = trend_days(scope)
    window_start, window_end = start_of(days[0], tz), start_of(days[-1] + timedelta(days=1), tz)
    never_open = Q(status_type=CLOSED, closed_time__isnull=True)
    owner = Concat("assignee_desk_id", Value(""), output_field=CharField())
    totals_now = dict.fromkeys(("open", "on_hold", "unclosed", "overdue", "entered", "left"), 0)
    for row in (
        tickets.annotate(owner=owner)
        .values("owner")
        .annotate(
            open=Count("id", filter=STATES["open"]),
            on_hold=Count("id", filter=STATES["on_hold"]),
            unclosed=Count("id", filter=STATES["unclosed"]),
            overdue=Count("id", filter=Q(due_date__lt=now) & ~Q(status_type=CLOSED)),
            closed=Count(
                "id",
                filter=Q(status_type=CLOSED, closed_time__gte=range_start, closed_time__lt=range_end),
            ),
            # Before the trend's first day: tickets that had entered the backlog, and those that had left.
            entered=Count("id", filter=Q(created_time__lt=window_start) & ~never_open),
            left=Count(
                "id",
                filter=Q(status_type=CLOSED, closed_time__lt=window_start, created_time__lt=window_start),
            ),
        )
    ):
        values: dict[str, Any] = dict(row)
        for key in totals_now:
            totals_now[key] += values[key]
        if row["unclosed"] or row["overdue"] or row["closed"]:
            figures.agents[row["owner"] or "unassigned"] = {
                "open": row["unclosed"],
                "overdue": row["overdue"],
                "closed": row["closed"],
                "replies": 0,
            }
    figures.backlog = {key: totals_now[key] for key in ("open", "on_hold", "unclosed", "overdue")}

    # The trend: open at the end of day D (``open_at_q``) = tickets that entered the backlog before then
    # minus those that left it before then. A ticket enters at its creation (a closed one without a closing
    # time never does) and leaves at the later of its closing and creation times; so the counts before the
    # window (above) plus the window's entries and exits per day give every day without a scan per day.
    day_of = TruncDate("created_time", tzinfo=tz)
    in_window = Q(created_time__gte=window_start, created_time__lt=window_end)
    entered = _by_day(tickets.filter(in_window).exclude(never_open), day_of)
    left = _by_day(
        tickets.filter(
            status_type=CLOSED,
            closed_time__gte=window_start,
            closed_time__lt=window_end,
            created_time__lte=F("closed_time"),
        ),
        TruncDate("closed_time", tzinfo=tz),
    )
    for day, n in _by_day(
        tickets.filter(in_window, status_type=CLOSED, closed_time__lt=F("created_time")), day_of
    ).items():
        left[day] = left.get(day, 0) + n
    open_now = totals_now["entered"] - totals_now["left"]
    figures.trend = []
    for day in days:
        open_now += entered.get(day, 0) - left.get(day, 0)
        figures.trend.append((day, open_now))

    # Created and closed per day (per hour for one day), by the local day of the time.
    created = tickets.filter(created_time__gte=range_start, created_time__lt=range_end)
    closed = tickets.filter(status_type=CLOSED, closed_time__gte=range_start, closed_time__lt=range_end)
    if scope.is_one_day:
        bucket_created: Any = ExtractHour("created_time", tzinfo=tz)
        bucket_closed: Any = ExtractHour("closed_time", tzinfo=tz)
    else:
        bucket_created = TruncDate("created_time", tzinfo=tz)
        bucket_closed = TruncDate("closed_time", tzinfo=tz)
    figures.created = {
        row["b"]: row["n"] for row in created.annotate(b=bucket_created).values("b").annotate(n=Count("id"))
    }
    figures.closed = {
        row["b"]: row["n"] for row in closed.annotate(b=bucket_closed).values("b").annotate(n=Count("id"))
    }

    # First response: tickets created in the range with a first reply known, by their creation day.
    frt_by_agent: dict[str, list[float]] = {}
    for created_time, first, assignee in created.filter(first_response_at__isnull=False).values_list(
        "created_time", "first_response_at", "assignee_desk_id"
    ):
        if created_time is None or first is None:
            continue
        seconds = max(0.0, (first - created_time).total_seconds())
        figures.frt.setdefault(_local_day(created_time, tz), []).append(seconds)
        frt_by_agent.setdefault(assignee or "unassigned", []).append(seconds)
    totals = created.aggregate(
        n=Count("id"),
        responded=Count("id", filter=Q(first_response_at__isnull=False)),
        conversations=Count("id", filter=Q(conversation_synced_at__isnull=False)),
        **{
            f"{kind}-{state}": Count("id", filter=sla_q(kind, state, now))
            for kind in SLA_KINDS
            for state in SLA_STATES
        },
    )
    figures.created_total, figures.responded = totals["n"], totals["responded"]
    figures.conversations = totals["conversations"]
    figures.sla = {kind: {state: totals[f"{kind}-{state}"] for state in SLA_STATES} for kind in SLA_KINDS}

    # Resolution: tickets closed in the range, from creation to closing, by the closing day.
    for created_time, closed_time in closed.filter(created_time__isnull=False).values_list(
        "created_time", "closed_time"
    ):
        if created_time is None or closed_time is None:
            continue
        figures.resolution.setdefault(_local_day(closed_time, tz), []).append(
            max(0.0, (closed_time - created_time).total_seconds())
        )

    # Per agent: replies sent in the range and the median first reply (open, overdue, closed: above).
    replies = (
        TicketThread.objects.filter(
            connection=connection,
            is_deleted=False,
            direction="out",
            created_time__gte=range_start,
            created_time__lt=range_end,
            ticket__in=tickets.values("id"),
        )
        .exclude(author_desk_id="")
        .order_by()
        .values("author_desk_id")
        .annotate(n=Count("id"))
    )
    for author, n in replies.values_list("author_desk_id", "n"):
        agent = figures.agents.setdefault(author, {"open": 0, "overdue": 0, "closed": 0, "replies": 0})
        agent["replies"] = n
    for agent_id, waits in frt_by_agent.items():
        agent = figures.agents.setdefault(agent_id, {"open": 0, "overdue": 0, "closed": 0, "replies": 0})
        agent["frt"] = statistics.median(waits)
        agent["frt_count"] = len(waits)
    figures.agent_names = {
        a.desk_id: a.name or f"{a.first_name} {a.last_name}".strip() or a.email
        for a in Agent.objects.filter(connection=connection, desk_id__in=list(figures.agents)).only(
            "desk_id", "name", "first_name", "last_name", "email"
        )
    }

    # Distributions of the tickets created in the range.
    figures.channel = _grouped(created.annotate(key=Lower("channel")), "key")
    figures.priority = _grouped(created, "priority")
    figures.status = _grouped(created, "status")
    figures.department = _grouped(created, "department_desk_id")
    figures.department_names = dict(
        Department.objects.filter(connection=connection, desk_id__in=list(figures.department)).values_list(
            "desk_id", "name"
        )
    )
    return figures


def _by_day(tickets: QuerySet[Ticket], bucket: Any) -> dict[date, int]:
    return {row["b"]: row["n"] for row in tickets.annotate(b=bucket).values("b").annotate(n=Count("id"))}


def _grouped(tickets: QuerySet[Ticket], column: str) -> dict[str, int]:
    return {
        str(row[column] or ""): row["n"]
        for row in tickets.values(column).annotate(n=Count("id")).order_by("-n", column)
    }


def stamp(connections: Iterable[DeskConnection], now: datetime) -> str:
    """What the figures depend on: each mirror's version (one cache read each), each org's time zone and the minute (overdue and
    at-risk move with the clock). Open pages poll it and re-read the figures only when it moved."""
    versions = ",".join(f"{c.pk}.{freshness.version(c.pk)}.{c.zone_name}" for c in connections)
    return f"{now:%Y%m%d%H%M}:{versions}"


def figures_for(connection: DeskConnection, scope: Scope, *, now: datetime) -> OrgFigures:
    """``compute``, cached per (connection, mirror version, time zone, minute, scope)."""
    version = freshness.version(connection.pk)
    key = f"insights:{connection.pk}:{version}:{connection.zone_name}:{now:%Y%m%d%H%M}:{scope.key()}"
    found = cache.get(key)
    if found is None:
        found = compute(connection, scope, now=now)
        cache.set(key, found, CACHE_SECONDS)
    return found


def drill_filters(scope: Scope, kind: str, value: Any = None) -> QueueFilters:
    """The queue filters behind one number (``kind`` names the chart; ``value`` its bar or point)."""
    created_range = {"created_from": scope.start, "created_to": scope.end}
    if kind == "backlog":
        return scope.queue(overdue=True) if value == "overdue" else scope.queue(state=value)
    if kind == "trend":
        return scope.queue(open_on=value)
    if kind == "created":
        if scope.is_one_day:
            return scope.queue(created_from=scope.start, created_to=scope.start, hour=value)
        return scope.queue(created_from=value, created_to=value)
    if kind == "closed":
        if scope.is_one_day:
            return scope.queue(closed_from=scope.start, closed_to=scope.start, hour=value)
        return scope.queue(closed_from=value, closed_to=value)
    if kind == "frt":
        day = value or None
        return scope.queue(created_from=day or scope.start, created_to=day or scope.end, responded="yes")
    if kind == "resolution":
        day = value or None
        return scope.queue(closed_from=day or scope.start, closed_to=day or scope.end)
    if kind == "created_total":
        return scope.queue(**created_range)
    if kind == "responded":
        return scope.queue(**created_range, responded="yes")
    if kind in ("sla-response", "sla-resolution"):
        return scope.queue(**created_range, sla=f"{kind.removeprefix('sla-')}-{value}")
    if kind == "channel":
        return replace(scope.queue(**created_range), channel=value)
    if kind == "priority":
        return replace(scope.queue(**created_range), priorities=[value])
    if kind == "status":
        return scope.queue(**created_range, statuses=[value])
    if kind == "department":
        return replace(scope.queue(**created_range), department=value)
    if kind.startswith("agent-"):
        agent_scope = replace(scope, assignee=value)
        figure = kind.removeprefix("agent-")
        if figure == "open":
            return agent_scope.queue(state="unclosed")
        if figure == "overdue":
            return agent_scope.queue(overdue=True)
        if figure == "closed":
            return agent_scope.queue(closed_from=scope.start, closed_to=scope.end)
        if figure == "frt":
            return agent_scope.queue(**created_range, responded="yes")
    raise ValueError(f"no drill-down for {kind!r}")
