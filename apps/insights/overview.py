"""The Overview's per-org cards: open, overdue, due within the hour, created and closed today, the median first
response today, from the mirror (0 API calls), kept per (connection, day, zone) with the mirror version they
were computed for.

A warm card costs no query: the figures are kept in the cache with the connection's mirror version stamp
(``apps.mirror.freshness``, bumped by every apply), so an unchanged mirror is never read again. When the
mirror moved (a busy org: every webhook and sync apply), the last figures are served at once with their own
"as of" time and ONE background recompute is queued (``tasks.overview_refresh_task``, deduplicated by the
lock of ``refresh.queue_once``, as the Insights block); the Overview's poll swaps the fresh card in. Only a
card's first computation of the org's day (nothing kept yet) is computed in the request. Overdue and
due-within-the-hour move with the clock, not only with the mirror: the entry holds the open tickets' count
already overdue when it was computed and the due times of the open tickets due in the next two hours, so both
figures are exact for any moment of the following hour without a query. A card computed is seven or eight
index reads (about 40 ms at 100,000 tickets on SQLite) (docs/insights.md, "Overview").
"""

from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any, TypeGuard

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from apps.connections.models import DeskConnection
from apps.insights.metrics import durations
from apps.mirror import freshness
from apps.tickets.filters import QueueFilters
from apps.tickets.models import Ticket
from apps.tickets.selectors.queue import CLOSED

OPEN = "Open"  # the status type of the "Open" figure (the queue's ``state=open``)
DUE_SOON_HOURS = 1
# How far ahead the cached entry keeps open tickets' due times, and how many at most: the entry answers
# overdue / due-soon exactly until (computed + WINDOW - DUE_SOON_HOURS), or the last kept due time if capped.
DUE_WINDOW = timedelta(hours=2)
DUE_TIMES_CAP = 2000
CACHE_SECONDS = 3600
CACHE_PREFIX = "insights:overview"


@dataclass(frozen=True)
class OrgFigures:
    """One org's figures as computed at ``computed_at`` (cached; pickled)."""

    computed_at: datetime
    day: date
    open: int
    overdue_at_computed: int
    # Due times of open tickets from ``computed_at`` (inclusive), sorted, up to ``due_horizon`` (exclusive).
    due_times: tuple[datetime, ...]
    due_horizon: datetime
    created_today: int
    closed_today: int
    first_response_median: float | None  # seconds
    first_response_count: int
    # The mirror version read before computing (-1: unknown, so the entry counts as older than the mirror).
    version: int = -1

    def overdue(self, now: datetime) -> int:
        """Open tickets whose due time is before ``now`` (the queue's ``overdue=1``)."""
        return self.overdue_at_computed + bisect.bisect_left(self.due_times, now)

    def due_soon(self, now: datetime) -> int:
        """Open tickets due from ``now`` to ``now`` + 1 h, both included (the queue's ``due_within=1``)."""
        until = now + timedelta(hours=DUE_SOON_HOURS)
        return bisect.bisect_right(self.due_times, until) - bisect.bisect_left(self.due_times, now)

    def answers_for(self, now: datetime, day: date) -> bool:
        """Whether this entry gives exact figures at ``now``: the same day, due times known far enough."""
        return (
            self.day == day
            and self.computed_at <= now
            and now + timedelta(hours=DUE_SOON_HOURS) < self.due_horizon
        )


def day_start(day: date, tz: tzinfo | None = None) -> datetime:
    """Midnight of ``day`` in ``tz``, the org's time zone (as the queue reads ``created_from``)."""
    return timezone.make_aware(datetime.combine(day, time.min), tz)


def first_response_median(
    connection: DeskConnection, *, since: datetime, until: datetime | None = None
) -> tuple[float | None, int]:
    """The median seconds from creation to the first reply (``Ticket.first_response_at``) of the tickets
    created from ``since`` (to ``until``) that have one, and how many there are: the Insights page's first
    response time (``metrics.compute``: by creation day, a first reply known) for one day, with its median."""
    tickets = Ticket.objects.filter(
        connection=connection, is_deleted=False, created_time__gte=since, first_response_at__isnull=False
    )
    if until is not None:
        tickets = tickets.filter(created_time__lt=until)
    found = durations(
        [
            max(0.0, (first - created).total_seconds())
            for created, first in tickets.order_by().values_list("created_time", "first_response_at")
            if created is not None and first is not None
        ]
    )
    return found.median, found.count


def overdue_count(live: QuerySet[Ticket], *, now: datetime, total: int, unclosed: int) -> int:
    """Tickets not closed whose due time is before ``now``, counted the cheaper way round (``total`` and
    ``unclosed``: the org's tickets and those not closed, already counted).

    No index holds both the status type and the due time, so one of the two is read from the table for
    every ticket the other index finds. With few tickets past due that is direct; when most are past due
    (an old mirror: nearly all of them closed) it is the complement: the tickets not closed less those due
    later or without a due time, which are then few. Which is which comes from one small index-only count.
    """
    not_closed = live.exclude(status_type=CLOSED)
    later_or_none = live.filter(Q(due_date__gte=now) | Q(due_date__isnull=True)).count()
    if total - later_or_none <= later_or_none:
        return not_closed.filter(due_date__lt=now).count()
    return (
        unclosed
        - not_closed.filter(due_date__gte=now).count()
        - not_closed.filter(due_date__isnull=True).count()
    )


def compute_figures(connection: DeskConnection, *, now: datetime, version: int = -1) -> OrgFigures:
    """The org's figures at ``now``, read from the mirror: index-only counts and short index ranges."""
    tz = connection.zone  # "today" is the org's day
    day = timezone.localdate(now, tz)
    start, end = day_start(day, tz), day_start(day + timedelta(days=1), tz)
    live = Ticket.objects.filter(connection=connection, is_deleted=False).order_by()
    by_type = dict(live.values_list("status_type").annotate(n=Count("id")).values_list("status_type", "n"))
    total = sum(by_type.values())
    unclosed = total - by_type.get(CLOSED, 0)
    horizon = now + DUE_WINDOW
    due_times = [
        due
        for due in live.exclude(status_type=CLOSED)
        .filter(due_date__gte=now, due_date__lt=horizon)
        .order_by("due_date")
        .values_list("due_date", flat=True)[: DUE_TIMES_CAP + 1]
        if due is not None
    ]
    if len(due_times) > DUE_TIMES_CAP:
        horizon = due_times[DUE_TIMES_CAP - 1]
        due_times = [d for d in due_times[:DUE_TIMES_CAP] if d < horizon]
    median, answered = first_response_median(connection, since=start, until=end)
    return OrgFigures(
        computed_at=now,
        day=day,
        open=by_type.get(OPEN, 0),
        overdue_at_computed=overdue_count(live, now=now, total=total, unclosed=unclosed),
        due_times=tuple(due_times),
        due_horizon=horizon,
        created_today=live.filter(created_time__gte=start, created_time__lt=end).count(),
        closed_today=live.filter(status_type=CLOSED, closed_time__gte=start, closed_time__lt=end).count(),
        first_response_median=median,
        first_response_count=answered,
        version=version,
    )


def _cache_key(connection: DeskConnection, day: date) -> str:
    """The latest figures of an org's day in its zone (a new day or zone starts a new entry)."""
    return f"{CACHE_PREFIX}:latest:{connection.pk}:{day.isoformat()}:{connection.zone_name}"


def _lock_key(connection_id: int) -> str:
    return f"{CACHE_PREFIX}:lock:{connection_id}"


def versions_of(connections: list[DeskConnection]) -> dict[int, int]:
    """Each connection's mirror version stamp (a cache read each)."""
    return {c.pk: freshness.version(c.pk) for c in connections}


def compute_and_keep(connection: DeskConnection, *, now: datetime, version: int | None = None) -> OrgFigures:
    """Compute the org's figures and keep them as its latest. The version is read first, so a change made
    while computing leaves the entry older than the mirror (and it is computed again), never newer."""
    version = freshness.version(connection.pk) if version is None else version
    figures = compute_figures(connection, now=now, version=version)
    cache.set(_cache_key(connection, figures.day), figures, CACHE_SECONDS)
    return figures


def refresh_card(connection_id: int) -> OrgFigures | None:
    """The task's body: recompute one org's card now, then release its lock (None: the org is gone)."""
    try:
        connection = DeskConnection.objects.filter(pk=connection_id).first()
        if connection is None:
            return None
        return compute_and_keep(connection, now=timezone.now())
    finally:
        cache.delete(_lock_key(connection_id))


def queue_card_refresh(connection: DeskConnection) -> bool:
    """Queue one background recompute of this org's card unless one is queued or running."""
    from apps.insights import tasks
    from apps.insights.refresh import queue_once

    return queue_once(_lock_key(connection.pk), lambda: tasks.overview_refresh_task.enqueue(connection.pk))


def _usable(entry: Any, now: datetime, day: date) -> TypeGuard[OrgFigures]:
    return isinstance(entry, OrgFigures) and entry.answers_for(now, day)


def figures_for(
    connections: list[DeskConnection], *, versions: dict[int, int] | None = None, now: datetime | None = None
) -> dict[int, OrgFigures]:
    """Each connection's figures at ``now`` (one cache read for all of them). An entry older than the mirror
    is returned as it is (its ``version`` says so) and one recompute of it is queued; one that cannot answer
    for ``now`` (none yet, a new day, its due times no longer far enough) is computed here.

    A task backend that runs tasks at once (the tests' ``ImmediateBackend``) has refreshed the entry by the
    time the enqueue returns: it is read again."""
    now = now or timezone.now()
    days = {c.pk: timezone.localdate(now, c.zone) for c in connections}  # each org's own today
    versions = versions if versions is not None else versions_of(connections)
    keys = {c.pk: _cache_key(c, days[c.pk]) for c in connections}
    found: dict[str, Any] = cache.get_many(list(keys.values())) if keys else {}
    figures: dict[int, OrgFigures] = {}
    queued: list[DeskConnection] = []
    for connection in connections:
        entry = found.get(keys[connection.pk])
        if not _usable(entry, now, days[connection.pk]):
            entry = compute_and_keep(connection, now=now, version=versions[connection.pk])
        elif entry.version != versions[connection.pk] and queue_card_refresh(connection):
            queued.append(connection)
        figures[connection.pk] = entry
    if queued:
        again = cache.get_many([keys[c.pk] for c in queued])
        for connection in queued:
            entry = again.get(keys[connection.pk])
            # Computed a moment after ``now`` (inside this request): what the page shows, as the block does.
            if (
                isinstance(entry, OrgFigures)
                and entry.computed_at > figures[connection.pk].computed_at
                and _usable(replace(entry, computed_at=now), now, days[connection.pk])
            ):
                figures[connection.pk] = entry
    return figures


def is_stale(figures: OrgFigures, version: int) -> bool:
    """Whether these figures are older than the org's mirror (a recompute is then queued or running)."""
    return figures.version != version


# -- what a card shows ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One number on a card and the queue URL behind it ("" when the queue has no matching filter)."""

    key: str
    label: str
    text: str
    value: float | int | None
    url: str
    note: str = ""
    alert: bool = False


def duration_words(seconds: float | None) -> str:
    """ "—", "45 s", "12 min", "3 h 20 min", "2 d 4 h"."""
    if seconds is None:
        return "—"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def queue_path(**filters: Any) -> str:
    """The ticket queue's URL for these filters (``QueueFilters``: the queue reads the same URL)."""
    query = QueueFilters(**filters).to_query()
    return reverse("tickets:queue") + (f"?{query}" if query else "")


@functools.lru_cache(maxsize=4)
def figure_paths(day: date) -> dict[str, str]:
    """The queue URL behind each figure on ``day``: the same for every org (built once a day, not per card)."""
    return {
        "open": queue_path(state="open"),
        "overdue": queue_path(overdue=True),
        "due_soon": queue_path(due_within_hours=DUE_SOON_HOURS),
        "created_today": queue_path(created_from=day, created_to=day),
        "closed_today": queue_path(closed_from=day, closed_to=day),
        "first_response": queue_path(created_from=day, created_to=day, responded="yes"),
    }


def card_figures(figures: OrgFigures, *, now: datetime) -> list[Figure]:
    """The card's numbers at ``now``, each with the queue URL of exactly the tickets it counts (in the
    card's org; the view routes it through the org switch when several orgs are shown)."""
    paths = figure_paths(figures.day)
    overdue, due_soon = figures.overdue(now), figures.due_soon(now)
    answered = figures.first_response_count
    return [
        Figure("open", "Open", f"{figures.open:,}", figures.open, paths["open"]),
        Figure("overdue", "Overdue", f"{overdue:,}", overdue, paths["overdue"], alert=overdue > 0),
        Figure("due_soon", "Due within 1 h", f"{due_soon:,}", due_soon, paths["due_soon"]),
        Figure(
            "created_today",
            "Created today",
            f"{figures.created_today:,}",
            figures.created_today,
            paths["created_today"],
        ),
        Figure(
            "closed_today",
            "Closed today",
            f"{figures.closed_today:,}",
            figures.closed_today,
            paths["closed_today"],
        ),
        Figure(
            "first_response",
            "Median first response today",
            duration_words(figures.first_response_median),
            figures.first_response_median,
            paths["first_response"] if answered else "",
            note=f"{answered:,} ticket{'' if answered == 1 else 's'} created today and answered",
        ),
    ]
