"""The sync engine: initial (resumable) and incremental walks of one connection's Desk org into the mirror.

A run holds the connection's lease (a row in the database, so two workers on two machines never sync one
connection at once), fetches pages of 100 through the Desk client at background priority, applies each
page and saves the checkpoint in one transaction, so a crash at any point resumes at the page it lost.

Desk charges API credits by call and offset (3 for a list or search whose ``from`` is at most 2,000,
then 5 … 100), and its search answers ``from`` up to 999 only. So tickets, contacts and accounts are
walked through search by time, never by deep offsets:

* the initial walk goes up ``createdTime`` (``createdTimeRange`` from the last time seen to the walk's
  start, ``from=0``): each page's last instant becomes the next window's start, and the ids already seen
  at that instant are skipped. When one instant holds more than a page, that millisecond is read as its
  own window (ascending, then descending from the other end, then per department): see docs/sync.md;
* the incremental walk asks for ``modifiedTimeRange`` from the watermark to now, ``sortBy=modifiedTime``:
  one call (3 credits) when nothing changed;
* deletions: the search's count over a created-time window is compared with the mirror's, and only the
  windows whose counts differ are split and re-listed.

A token without ``Desk.search.READ`` falls back to ``GET /tickets?sortBy=createdTime`` and plain offsets
(the documented sorts only); the connection's page says what that costs.

Desk is reached only through the client's page methods (``tickets_search_page``, ``tickets_list_page``, …):
this module builds no path, sends no request and reads no answer body itself.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from apps.connections.models import DeskConnection
from apps.connections.services import connection_zone_refresh, desk_client_for
from apps.customers.models import Account, Contact
from apps.desk.budget import list_weight
from apps.desk.client import MAX_PAGE_SIZE, SEARCH_MAX_FROM, DeskClient
from apps.desk.errors import DeskError, DeskNotFound, DeskScopeError, DeskValidationError, RateLimited
from apps.desk.types import DeskObject, DeskRecord, ListPage, format_datetime, parse_datetime
from apps.mirror import apply as mirror
from apps.sync.models import SyncCheckpoint, SyncState
from apps.team.services import support_addresses_refresh
from apps.tickets.models import Ticket

logger = logging.getLogger(__name__)

PAGE_SIZE = MAX_PAGE_SIZE
# Search.json (searchTickets, searchContacts, searchAccounts): `from` is 0..999 (SEARCH_MAX_FROM, the
# client's), far inside the 3-credit band: no search call of the sync ever costs more than 3 credits.
# The earliest createdTime a window starts at (Search.json's time pattern takes years 19xx and 20xx).
TIME_FLOOR = datetime(1990, 1, 1, tzinfo=UTC)
ONE_MS = timedelta(milliseconds=1)
# The order of the initial sync: what tickets point at first, so a ticket's contact is there to index.
ENTITY_ORDER = ("departments", "agents", "teams", "sla_policies", "accounts", "contacts", "tickets")
TEAM_ENTITIES = ("departments", "agents", "teams", "sla_policies")
CUSTOMER_ENTITIES = ("accounts", "contacts")
# The org's time zone (DeskConnection.time_zone) is read again at most this often: one call per org per day.
ZONE_CHECK_SECONDS = 86_400
# Entities with a documented search by time range (Search.json): walked by time windows.
SEARCH_ENTITIES = ("tickets", "contacts", "accounts")
# Without search they are walked by their lists, oldest first: objects created meanwhile land at the end,
# not in the middle. The small entities are walked in Desk's default order.
FALLBACK_SORT = "createdTime"
SEARCH_SCOPES = {"desk.search.read", "desk.search.all"}
ENTITY_LABELS = {
    "departments": "Departments",
    "agents": "Agents",
    "teams": "Teams",
    "sla_policies": "SLA policies",
    "accounts": "Accounts",
    "contacts": "Contacts",
    "tickets": "Tickets",
}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Injected by tests and the benchmark; a real sleep otherwise.
sleep: Callable[[float], None] = time.sleep


class SyncPaused(Exception):
    """Desk (or the client's share of the org's credits) says no more calls now; resume at ``retry_at``."""

    def __init__(self, message: str, *, retry_at: datetime) -> None:
        super().__init__(message)
        self.retry_at = retry_at


class SyncLeaseLost(Exception):
    """Another run took over the connection (our lease ran out): stop without writing more."""


class SearchUnavailable(Exception):
    """Desk refused a search (the token lacks Desk.search.READ): the run switches to the list fallback."""


@dataclass
class EntityReport:
    api_calls: int = 0
    seen: int = 0
    created: int = 0
    updated: int = 0
    deleted: int = 0


@dataclass
class SyncReport:
    connection_id: int
    mode: str = "incremental"  # "initial", "incremental", or "skipped" (another run holds the lease)
    api_calls: int = 0
    finished: bool = False
    error: str = ""
    retry_at: datetime | None = None
    entities: dict[str, EntityReport] = field(default_factory=dict)
    # True when this run used the list fallback because search was not allowed.
    search_fallback: bool = False

    @property
    def skipped(self) -> bool:
        return self.mode == "skipped"

    @property
    def changes(self) -> int:
        return sum(e.created + e.updated + e.deleted for e in self.entities.values())

    def entity(self, name: str) -> EntityReport:
        return self.entities.setdefault(name, EntityReport())


def _modified(raw: DeskRecord) -> datetime | None:
    return parse_datetime(raw.get("modifiedTime"))


def to_ms(moment: datetime) -> datetime:
    """Desk keeps times to the millisecond: compare and bound windows at that precision."""
    return moment.replace(microsecond=moment.microsecond - moment.microsecond % 1000)


def _moment(raw: DeskRecord, field_name: str) -> datetime:
    value = parse_datetime(raw.get(field_name))
    return to_ms(value) if value is not None else TIME_FLOOR


def _time(value: str | None) -> datetime:
    parsed = parse_datetime(value)
    return parsed if parsed is not None else TIME_FLOOR


def search_scope_granted(connection: DeskConnection) -> bool:
    """Whether the connection's grant includes search. An unknown (empty) scope list counts as granted:
    Desk's 403 then decides."""
    scopes = {str(s).strip().lower() for s in (connection.scopes or [])}
    return not scopes or bool(scopes & SEARCH_SCOPES)


def full_sync_credits(tickets: int, *, search: bool) -> int:
    """What a full walk of ``tickets`` costs in API credits: 3 a page through search; by plain offsets,
    each page at its offset's weight (3 up to 2,000, 5 up to 10,000, 10 up to 50,000, 50 up to 100,000,
    100 beyond)."""
    pages = max(1, -(-tickets // PAGE_SIZE))
    if search:
        return 3 * pages
    return sum(offset_weight(page * PAGE_SIZE) for page in range(pages))


def offset_weight(start: int) -> int:
    """Desk's credits for one list call by its ``from``: the client's own table (``budget.list_weight``)."""
    return list_weight(start)


# --- the lease ------------------------------------------------------------------------------------------
def sync_state_for(connection: DeskConnection) -> SyncState:
    state = SyncState.objects.filter(connection=connection).first()
    if state is not None:
        return state
    try:
        with transaction.atomic():
            return SyncState.objects.create(connection=connection)
    except IntegrityError:  # another worker created it a moment ago
        return SyncState.objects.get(connection=connection)


def lease_seconds() -> int:
    return settings.SYNC_LEASE_SECONDS


def lease_acquire(connection: DeskConnection, *, owner: str) -> bool:
    """Take the connection's sync lease if nobody holds a live one: one atomic UPDATE … WHERE."""
    state = sync_state_for(connection)
    now = timezone.now()
    taken = (
        SyncState.objects.filter(pk=state.pk)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .update(lock_owner=owner, locked_until=now + timedelta(seconds=lease_seconds()))
    )
    return taken == 1


def lease_renew(connection: DeskConnection, *, owner: str) -> None:
    renewed = SyncState.objects.filter(connection=connection, lock_owner=owner).update(
        locked_until=timezone.now() + timedelta(seconds=lease_seconds())
    )
    if renewed != 1:
        raise SyncLeaseLost("another run took over this connection's sync")


def lease_release(connection: DeskConnection, *, owner: str) -> None:
    SyncState.objects.filter(connection=connection, lock_owner=owner).update(lock_owner="", locked_until=None)


# --- one run ----------------------------------------------------------------------------------------------
class SyncRun:
    """One sync of one connection, holding its lease. Build with ``sync_run`` rather than directly."""

    def __init__(
        self,
        connection: DeskConnection,
        client: DeskClient,
        *,
        owner: str,
        report: SyncReport,
        use_search: bool = True,
    ) -> None:
        self.connection = connection
        self.client = client
        self.owner = owner
        self.report = report
        self.org_id = str(connection.org_id)
        self.use_search = use_search

    # Calls: each renews the lease first. Budget is the client's business: a RateLimited (or its
    # CreditsExhausted) ends the run, whose checkpoint says where the next one resumes. -----------------
    def _before_call(self, entity: str) -> None:
        lease_renew(self.connection, owner=self.owner)
        self.count_call(entity)

    def fetch(self, entity: str, offset: int, *, sort_by: str | None = None) -> ListPage[DeskRecord]:
        """One page of a plain list walk; ``offset`` counts records already walked (0 for the first page).
        Tickets, contacts and accounts sort by ``sort_by`` (default: oldest created first); the small
        entities come in Desk's order, teams and SLA policies in one unpaged answer."""
        if entity not in ENTITY_ORDER:
            raise ValueError(f"unknown entity {entity!r}")
        self._before_call(entity)
        client = self.client
        sort = sort_by or FALLBACK_SORT
        if entity == "tickets":
            return client.tickets_list_page(sort_by=sort, offset=offset, limit=PAGE_SIZE)
        if entity == "contacts":
            return client.contacts_list_page(sort_by=sort, offset=offset, limit=PAGE_SIZE)
        if entity == "accounts":
            return client.accounts_list_page(sort_by=sort, offset=offset, limit=PAGE_SIZE)
        if entity == "departments":
            return client.departments_list_page(offset=offset, limit=PAGE_SIZE)
        if entity == "agents":
            return client.agents_list_page(offset=offset, limit=PAGE_SIZE)
        if entity == "teams":
            return client.teams_list_page()
        return client.sla_policies_list_page()

    def search(
        self,
        entity: str,
        *,
        field_name: str,
        start: datetime,
        end: datetime,
        descending: bool = False,
        offset: int = 0,
        department_id: str | None = None,
    ) -> ListPage[DeskRecord]:
        """One search page over a time range (both ends included), sorted by that time. A 403 for scope
        becomes SearchUnavailable so the run can fall back to lists."""
        if entity not in SEARCH_ENTITIES:
            raise ValueError(f"no search for {entity!r}")
        created = (start, end) if field_name == "createdTime" else None
        modified = (start, end) if field_name == "modifiedTime" else None
        sort_by = f"-{field_name}" if descending else field_name
        self._before_call(entity)
        try:
            if entity == "tickets":
                return self.client.tickets_search_page(
                    created_time_range=created,
                    modified_time_range=modified,
                    sort_by=sort_by,
                    department_id=department_id,
                    from_index=offset,
                    limit=PAGE_SIZE,
                )
            search = (
                self.client.contacts_search_page if entity == "contacts" else self.client.accounts_search_page
            )
            return search(
                created_time_range=created,
                modified_time_range=modified,
                sort_by=sort_by,
                from_index=offset,
                limit=PAGE_SIZE,
            )
        except DeskScopeError as exc:
            raise SearchUnavailable(str(exc)) from exc

    def count_call(self, entity: str) -> None:
        self.report.api_calls += 1
        self.report.entity(entity).api_calls += 1

    def searching(self, entity: str) -> bool:
        return self.use_search and entity in SEARCH_ENTITIES

    # Checkpoints ---------------------------------------------------------------------------------------
    def checkpoint(self, entity: str) -> SyncCheckpoint:
        checkpoint, _ = SyncCheckpoint.objects.get_or_create(connection=self.connection, entity=entity)
        return checkpoint

    def _start_walk(self, checkpoint: SyncCheckpoint, mode: str, total: int | None) -> None:
        checkpoint.mode = mode
        checkpoint.status = SyncCheckpoint.Status.RUNNING
        checkpoint.next_from = 0  # records read; `from` adds the list's first index
        checkpoint.done = 0
        checkpoint.total = total
        checkpoint.walk_watermark = None
        checkpoint.walk_watermark_ids = []
        checkpoint.cursor = {}
        checkpoint.started_at = timezone.now()
        checkpoint.finished_at = None
        checkpoint.api_calls = 0
        checkpoint.save()

    def _apply_page(
        self, checkpoint: SyncCheckpoint, entity: str, items: list[DeskRecord], *, finished: bool
    ) -> None:
        """Apply a page, touch what it saw and save the checkpoint, all in one transaction."""
        with transaction.atomic():
            result = mirror.apply_objects(self.connection, entity, items, live=True)
            # Touch what this walk saw, unchanged rows too: what stays untouched is gone from Desk.
            _touch(self.connection, entity, result.desk_ids)
            if checkpoint.walk_watermark is not None:
                # Every object the walk meets at the watermark's millisecond is known there: the first
                # incremental sync then recognises them all (one call), however many share it.
                at_mark = _ids_at(items, checkpoint.walk_watermark)
                if at_mark - set(checkpoint.walk_watermark_ids):
                    checkpoint.walk_watermark_ids = sorted(set(checkpoint.walk_watermark_ids) | at_mark)
            if finished:
                checkpoint.status = SyncCheckpoint.Status.DONE
                checkpoint.finished_at = timezone.now()
                _advance_watermark(checkpoint, checkpoint.walk_watermark, set(checkpoint.walk_watermark_ids))
            _checkpoint_save(checkpoint, *_WALK_FIELDS, calls=1, done=len(items))
        report = self.report.entity(entity)
        report.seen += len(items)
        report.created += result.created
        report.updated += result.updated

    # Full walks ----------------------------------------------------------------------------------------
    def full_walk(self, entity: str, *, mode: str, total: int | None = None) -> None:
        """Walk every object of an entity, resuming a walk a crash interrupted. Marks what is gone."""
        checkpoint = self.checkpoint(entity)
        resuming = checkpoint.status == SyncCheckpoint.Status.RUNNING and checkpoint.mode == mode
        by_search = self.searching(entity)
        if resuming and bool(checkpoint.cursor.get("search")) != by_search:
            resuming = False  # the scope changed since: the other kind of walk starts over
        if not resuming:
            self._start_walk(checkpoint, mode, total)
        if by_search:
            self._search_walk(entity, checkpoint)
        else:
            self._list_walk(entity, checkpoint)
        self.report.entity(entity).deleted += self.mark_untouched_deleted(entity, since=checkpoint.started_at)
        if resuming and by_search:
            # The walk spanned a crash: what Desk deleted meanwhile among the pages read before it was
            # touched then, so it is no suspect. The counted check finds it (one call if nothing was).
            self.reconcile(entity)

    def _watermark_probe(self, entity: str, checkpoint: SyncCheckpoint) -> None:
        """Before the first walk of an entity, note Desk's newest modifiedTime: the incremental sync goes
        on from there, so what changes during the walk is not lost. One search call (3 credits); Desk's own
        clock, so no skew between ours and Desk's can hide a change."""
        if checkpoint.watermark is not None or checkpoint.walk_watermark is not None:
            return
        items = self.search(
            entity, field_name="modifiedTime", start=TIME_FLOOR, end=self._walk_end(), descending=True
        ).items
        with transaction.atomic():
            result = mirror.apply_objects(self.connection, entity, items, live=True)
            _touch(self.connection, entity, result.desk_ids)
            newest = max((_moment(i, "modifiedTime") for i in items), default=TIME_FLOOR)
            checkpoint.walk_watermark = newest
            checkpoint.walk_watermark_ids = sorted(_ids_at(items, newest, "modifiedTime"))
            _checkpoint_save(checkpoint, "walk_watermark", "walk_watermark_ids", calls=1)

    def _walk_end(self) -> datetime:
        # Objects created after the walk started are the incremental sync's (their modifiedTime is newer
        # than the watermark); a minute of slack covers a Desk clock slightly ahead of ours.
        return to_ms(timezone.now() + timedelta(seconds=60))

    def _search_walk(self, entity: str, checkpoint: SyncCheckpoint) -> None:
        """Up createdTime in windows that never page past ``from`` 900 (see the module's docstring)."""
        self._watermark_probe(entity, checkpoint)
        cursor = checkpoint.cursor or {}
        if not cursor.get("search"):
            cursor = {
                "search": True,
                "lo": format_datetime(TIME_FLOOR),
                "hi": format_datetime(self._walk_end()),
            }
            cursor["ids"] = []
        window = TimeWindow(self, entity, "createdTime", cursor)
        while not window.done:
            items = window.step()
            if checkpoint.total is None and window.first_count is not None:
                checkpoint.total = window.first_count
            checkpoint.cursor = window.state
            self._apply_page(checkpoint, entity, items, finished=window.done)

    def _list_walk(self, entity: str, checkpoint: SyncCheckpoint) -> None:
        """Plain ``from``/``limit`` pages: departments, agents and the like, and the no-search fallback.

        Tickets, contacts and accounts (the fallback, oldest created first) resume at the last object
        read, not at an offset: each page starts one record early, where that object should be. When
        Desk deleted objects meanwhile, everything after them moved up and the page starts past it: the
        walk steps back a page at a time until it finds its place (by createdTime, then the ids read at
        that time), so a deletion never makes it skip a live object."""
        if entity in SEARCH_ENTITIES and checkpoint.walk_watermark is None and checkpoint.watermark is None:
            # No search, so no modifiedTime probe: the fallback's watermark is our clock at the start.
            checkpoint.walk_watermark = to_ms(timezone.now() - timedelta(minutes=5))
        ordered = entity in SEARCH_ENTITIES
        checkpoint.cursor = {**checkpoint.cursor, "search": False}
        while True:
            last = checkpoint.cursor.get("last") if ordered else None
            start = checkpoint.next_from - 1 if last and checkpoint.next_from > 0 else checkpoint.next_from
            page = self.fetch(entity, start)
            items = page.items
            finished = page.next_from is None  # a short page, a 204, or an unpaged list
            read = 0
            if last:
                read = _read_before(items, last)
                if start > 0 and read == 0:
                    # The page begins past the last object read: deletions moved the list up under us.
                    checkpoint.next_from = max(0, start - PAGE_SIZE) + 1
                    _checkpoint_save(checkpoint, "cursor", "next_from", calls=1)
                    continue
            checkpoint.next_from = start + len(items)
            fresh = items[read:]
            if ordered and items:
                checkpoint.cursor["last"] = _last_read(items, last)
            self._apply_page(checkpoint, entity, fresh, finished=finished)
            if finished:
                break

    def mark_untouched_deleted(self, entity: str, *, since: datetime | None) -> int:
        """Rows this full walk did not see may be gone from Desk: each is confirmed by a read of Desk
        (``confirm_deleted``) before it is marked."""
        if since is None:
            return 0
        model = mirror.model_for(entity)
        suspects = list(
            model.objects.filter(
                connection=self.connection, is_deleted=False, synced_at__lt=since
            ).values_list("desk_id", flat=True)
        )
        return self.confirm_deleted(entity, suspects)

    def confirm_deleted(self, entity: str, suspects: list[str]) -> int:
        """Mark ``suspects`` deleted only once Desk confirms each is gone, however many there are: a walk
        that missed live objects (a page shifted under it while others were deleted, a crash) must never
        hide them. Tickets are read back 100 at a time (search's exact ``id`` filter, 3 credits a call),
        contacts 20 at a time (``contactsByIds``); accounts, and tickets without the search scope, by one
        ``GET`` each (1 credit). What Desk still has is kept (and touched); the rest is marked deleted."""
        if not suspects:
            return 0
        live = self._still_in_desk(entity, suspects)
        _touch(self.connection, entity, sorted(live))
        return mirror.mark_deleted(self.connection, entity, [i for i in suspects if i not in live])

    def _still_in_desk(self, entity: str, ids: list[str]) -> set[str]:
        """Which of ``ids`` Desk has now (one confirming read per batch)."""
        batches: dict[str, tuple[int, Callable[[list[str]], list[Any]]]] = {
            "contacts": (20, self.client.contacts_by_ids),
        }
        if entity == "tickets" and self.use_search:
            batches["tickets"] = (PAGE_SIZE, self.client.tickets_by_ids)
        found: set[str] = set()
        if entity in batches:
            size, fetch = batches[entity]
            for start in range(0, len(ids), size):
                self._before_call(entity)
                found |= {str(obj.id) for obj in fetch(ids[start : start + size])}
            return found
        getters: dict[str, Callable[[str], DeskObject]] = {
            "tickets": self.client.ticket_get,
            "contacts": self.client.contact_get,
            "accounts": self.client.account_get,
        }
        getter = getters.get(entity)
        if getter is None:
            # Departments, agents, teams, SLA policies: walked whole in one or a few pages, no per-id
            # read needed to trust their absence (they are not what a queue hides).
            return found
        for desk_id in ids:
            self._before_call(entity)
            try:
                getter(desk_id)
            except DeskNotFound:
                continue
            found.add(desk_id)
        return found

    # Incremental -----------------------------------------------------------------------------------------
    def incremental(self, entity: str) -> mirror.ApplyResult:
        """What changed since the watermark: one call (3 credits) when nothing did."""
        checkpoint = self.checkpoint(entity)
        if checkpoint.watermark is None:
            # Never walked to the end (or an older mirror): a full walk sets the watermark.
            self.full_walk(entity, mode=SyncCheckpoint.Mode.INITIAL)
            return mirror.ApplyResult()
        if self.searching(entity):
            return self._incremental_search(entity, checkpoint)
        return self._incremental_lists(entity, checkpoint)

    def _incremental_search(self, entity: str, checkpoint: SyncCheckpoint) -> mirror.ApplyResult:
        """``modifiedTimeRange`` from the watermark (included: objects changed in that same millisecond
        after the last run are not lost; the ids mirrored at it are skipped) to now.

        The first call is newest first: when its page holds the whole range (up to 100 changes), or its
        newest object is still at the watermark and the count equals the ids known there (nothing moved,
        nothing joined), that one call (3 credits) is the whole sync. Otherwise the range is walked
        oldest change first, so the watermark moves up page by page and a crash loses nothing."""
        assert checkpoint.watermark is not None
        lo, known = to_ms(checkpoint.watermark), set(checkpoint.watermark_ids)
        hi = self._walk_end()
        page = self.search(entity, field_name="modifiedTime", start=lo, end=hi, descending=True)
        items, count = page.items, page.count
        returned = {str(i.get("id")) for i in items}
        whole = len(items) < PAGE_SIZE or (count is not None and count <= len(items))
        quiet = (
            bool(items)
            and _moment(items[0], "modifiedTime") == lo
            and count == len(known)
            and returned <= known
        )
        total = mirror.ApplyResult()
        fresh = [i for i in items if _is_change(i, lo, known)]
        with transaction.atomic():
            result = mirror.apply_objects(self.connection, entity, fresh, live=True)
            if whole and fresh:
                newest = max(_moment(i, "modifiedTime") for i in items)
                _advance_watermark(checkpoint, newest, _ids_at(items, newest))
            checkpoint.finished_at = timezone.now()
            _checkpoint_save(checkpoint, "watermark", "watermark_ids", "finished_at", calls=1)
        self._count_result(entity, total, result, len(fresh))
        if whole or quiet:
            return total
        window = TimeWindow(
            self,
            entity,
            "modifiedTime",
            {"lo": format_datetime(lo), "hi": format_datetime(hi), "ids": sorted(known)},
        )
        while not window.done:
            items = window.step()
            with transaction.atomic():
                result = mirror.apply_objects(self.connection, entity, items, live=True)
                _advance_watermark(checkpoint, _time(window.state["lo"]), set(window.state["ids"]))
                checkpoint.finished_at = timezone.now()
                _checkpoint_save(checkpoint, "watermark", "watermark_ids", "finished_at", calls=1)
            self._count_result(entity, total, result, len(items))
        return total

    def _count_result(
        self, entity: str, total: mirror.ApplyResult, result: mirror.ApplyResult, seen: int
    ) -> None:
        total.add(result)
        report = self.report.entity(entity)
        report.seen += seen
        report.created += result.created
        report.updated += result.updated

    def _incremental_lists(self, entity: str, checkpoint: SyncCheckpoint) -> mirror.ApplyResult:
        """Without search: the lists' documented sorts. New objects come newest-created first (stop at the
        first page holding nothing new); for tickets, ``-recentThread`` brings those with new
        conversation, contacts and accounts try ``-modifiedTime``. Field edits without a thread on old
        tickets wait for a webhook or the next reconcile: the price of a grant without search."""
        assert checkpoint.watermark is not None
        watermark, known = checkpoint.watermark, set(checkpoint.watermark_ids)
        total = mirror.ApplyResult()
        sorts = ["-createdTime", "-recentThread"] if entity == "tickets" else ["-modifiedTime"]
        for sort_by in sorts:
            start = 0
            while True:
                try:
                    page = self.fetch(entity, start, sort_by=sort_by)
                except DeskValidationError:
                    if sort_by == "-modifiedTime":  # not a documented sort of this list: new ones only
                        sorts.append("-createdTime")
                    break
                items = page.items
                fresh = [i for i in items if _is_change(i, watermark, known)]
                with transaction.atomic():
                    result = mirror.apply_objects(self.connection, entity, fresh, live=True)
                    if fresh:
                        newest = max((_modified(i) or watermark) for i in fresh)
                        _advance_watermark(checkpoint, to_ms(newest), _ids_at(fresh, to_ms(newest)))
                    _checkpoint_save(checkpoint, "watermark", "watermark_ids", calls=1)
                self._count_result(entity, total, result, len(fresh))
                if not fresh or len(items) < PAGE_SIZE or start + PAGE_SIZE > 2_000:
                    break
                start += len(items)
        return total

    # Deletions ------------------------------------------------------------------------------------------
    def reconcile(self, entity: str) -> None:
        """Find what Desk deleted: compare the search's count over created-time windows with the mirror's
        and re-list only the windows that differ (split in halves until a window fits one page). One
        call (3 credits) when nothing was deleted. Without search (or without a count) it is a full walk."""
        if not self.searching(entity):
            self.full_walk(entity, mode=SyncCheckpoint.Mode.RECONCILE)
            return
        end = self._walk_end()
        pending = [(TIME_FLOOR, end)]
        report = self.report.entity(entity)
        while pending:
            start, stop = pending.pop()
            page = self.search(entity, field_name="createdTime", start=start, end=stop)
            items, count = page.items, page.count
            if count is None:
                self.full_walk(entity, mode=SyncCheckpoint.Mode.RECONCILE)
                return
            mirrored = self._mirror_ids(entity, start, stop)
            if count == len(mirrored) and {str(i.get("id")) for i in items} <= mirrored:
                continue
            if count <= len(items) or stop - start <= ONE_MS:
                listed = {str(i.get("id")) for i in items}
                if count > len(items):
                    listed |= self._list_instant(entity, start, stop)
                result = mirror.apply_objects(self.connection, entity, items, live=True)
                report.created += result.created
                report.updated += result.updated
                report.deleted += self.confirm_deleted(entity, sorted(mirrored - listed))
                continue
            middle = self._split_point(entity, start, stop)
            pending += [(start, middle), (middle + ONE_MS, stop)]

    def _list_instant(self, entity: str, start: datetime, stop: datetime) -> set[str]:
        """Every id in a window of one or two milliseconds holding more than a page (rare: imports)."""
        window = TimeWindow(
            self,
            entity,
            "createdTime",
            {"lo": format_datetime(start), "hi": format_datetime(stop), "ids": []},
        )
        seen: set[str] = set()
        while not window.done:
            items = window.step()
            mirror.apply_objects(self.connection, entity, items, live=True)
            seen |= {str(i.get("id")) for i in items}
        return seen

    def _split_point(self, entity: str, start: datetime, stop: datetime) -> datetime:
        """Where to halve a window whose counts differ: at the mirror's median createdTime in it (free: a
        local query), so both halves hold about as many objects and the search takes ~log2(n/100)
        levels, not the dozens an empty stretch of years would cost halving by time."""
        rows = (
            _timed_model(entity)
            .objects.filter(
                connection=self.connection, created_time__gte=start, created_time__lt=stop + ONE_MS
            )
            .order_by("created_time")
        )
        total = rows.count()
        middle = None
        if total >= 2:
            middle = rows.values_list("created_time", flat=True)[total // 2 - 1]
        if middle is None:
            middle = start + (stop - start) / 2
        return min(max(to_ms(middle), start), stop - ONE_MS)

    def _mirror_ids(self, entity: str, start: datetime, stop: datetime) -> set[str]:
        return set(
            _timed_model(entity)
            .objects.filter(
                connection=self.connection,
                is_deleted=False,
                created_time__gte=start,
                created_time__lt=stop + ONE_MS,
            )
            .values_list("desk_id", flat=True)
        )

    def team_refresh(self) -> None:
        """Departments, agents, teams and SLA policies are few: walk them whole, mark the absent deleted;
        then the org's support addresses (the from-addresses of replies)."""
        for entity in TEAM_ENTITIES:
            self.full_walk(entity, mode=SyncCheckpoint.Mode.RECONCILE)
        self.support_addresses_refresh()

    def zone_refresh(self, now: datetime) -> None:
        """The org's time zone (apps.connections), read again at most once a day: one ``GET /organizations``."""
        if not _due(self.connection.time_zone_checked_at, ZONE_CHECK_SECONDS, now):
            return
        lease_renew(self.connection, owner=self.owner)
        try:
            connection_zone_refresh(self.connection, client=self.client)
        except RateLimited:
            raise
        except DeskError as exc:
            # Insights' days fall back to the stored zone (or TIME_ZONE); retried tomorrow, not every run.
            logger.warning("sync connection=%s: time zone not refreshed: %s", self.connection.pk, exc)
            DeskConnection.objects.filter(pk=self.connection.pk).update(time_zone_checked_at=now)
            self.connection.time_zone_checked_at = now
        self.report.api_calls += 1

    def support_addresses_refresh(self) -> None:
        """Part E's mirror of the org's support email addresses (apps.team.services)."""
        lease_renew(self.connection, owner=self.owner)
        try:
            calls = support_addresses_refresh(self.connection, self.client)
        except RateLimited:
            raise
        except DeskError as exc:
            # The addresses are a convenience of the reply form: their failure never holds the sync up.
            logger.warning("sync connection=%s: support addresses not refreshed: %s", self.connection.pk, exc)
            return
        self.report.api_calls += calls


class TimeWindow:
    """A walk up one time field (createdTime or modifiedTime) through search, whose state is plain JSON
    (the checkpoint stores it, so a crash resumes in the same window).

    State: ``lo``/``hi`` (the window, both included), ``ids`` (ids already applied at ``lo``), and, while
    one millisecond holds more than a page, ``slice`` (that millisecond read by offsets: ascending to
    ``from`` 900, then descending from the other end, then per department).
    """

    def __init__(self, run: SyncRun, entity: str, field_name: str, state: dict[str, Any]) -> None:
        self.run = run
        self.entity = entity
        self.field = field_name
        self.state = dict(state)
        self.done = bool(self.state.get("done"))
        self.first_count: int | None = None

    def _search(
        self,
        start: datetime,
        end: datetime,
        *,
        descending: bool = False,
        offset: int = 0,
        department_id: str | None = None,
    ) -> tuple[list[DeskRecord], int | None]:
        page = self.run.search(
            self.entity,
            field_name=self.field,
            start=start,
            end=end,
            descending=descending,
            offset=offset,
            department_id=department_id,
        )
        if self.first_count is None:
            self.first_count = page.count
        return page.items, page.count

    def step(self) -> list[DeskRecord]:
        """One call; returns the objects to apply (never one already applied in this window).

        The window is read from ``from=offset``: the objects at ``lo`` this walk already read sort first
        (time, then Desk's tie order), so they are skipped without being paid for again. The search's
        count checks that nothing moved in between (``expect``); if something did, the window is read
        again from its start, the ids known at ``lo`` keeping what was applied from being counted twice.
        """
        if self.state.get("slice"):
            return self._slice_step()
        lo, hi = _time(self.state["lo"]), _time(self.state["hi"])
        known = set(self.state.get("ids") or [])
        read = set(self.state.get("read") or [])
        offset = int(self.state.get("offset") or 0)
        expect = self.state.get("expect")
        items, count = self._search(lo, hi, offset=offset)
        if offset and expect is not None and count is not None and count != expect:
            self.state.update(offset=0, expect=None)
            return []
        fresh = [i for i in items if not (_moment(i, self.field) == lo and str(i.get("id")) in known)]
        if len(items) < PAGE_SIZE or (count is not None and offset + len(items) >= count):
            newest = max((_moment(i, self.field) for i in items), default=lo)
            self._finish(newest, _ids_at(items, newest, self.field) | (known if newest == lo else set()))
            return fresh
        last = _moment(items[-1], self.field)
        if last > lo:
            at_last = _ids_at(items, last, self.field)
            consumed = offset + len(items) - len(at_last)  # what the next window no longer holds
            self.state.update(
                lo=format_datetime(last),
                ids=sorted(at_last),
                read=sorted(at_last),
                offset=len(at_last),
                expect=None if count is None else count - consumed,
            )
            return fresh
        # The whole page is one millisecond: page on through it while `from` allows, then read it from
        # its other end (and per department) as a window of its own.
        returned = {str(i.get("id")) for i in items}
        self.state.update(
            ids=sorted(known | returned),
            read=sorted(read | returned),
            offset=offset + len(items),
            expect=count,
        )
        if offset + len(items) > SEARCH_MAX_FROM:
            self.state["slice"] = {"dir": "desc", "from": 0, "ids": sorted(read | returned)}
        return fresh

    def _finish(self, lo: datetime, ids: set[str]) -> None:
        self.state.update(lo=format_datetime(lo), ids=sorted(ids), done=True, offset=0, expect=None, read=[])
        self.state.pop("slice", None)
        self.done = True

    def _slice_step(self) -> list[DeskRecord]:
        """One page of the millisecond ``lo`` (its window runs to lo+1ms: a store keeping finer times
        than Desk's milliseconds still falls inside it)."""
        part = self.state["slice"]
        lo = _time(self.state["lo"])
        end = lo + ONE_MS
        seen = set(part["ids"])
        descending = part["dir"] == "desc"
        items, count = self._search(
            lo, end, descending=descending, offset=part["from"], department_id=part.get("department") or None
        )
        ids = [str(i.get("id")) for i in items]
        # `seen` holds only ids this millisecond's own reads returned (ids known from before may have
        # moved on, for modifiedTime): meeting one of them going down means the two ends have met.
        met = descending and any(i in seen for i in ids)
        skip = seen | set(self.state.get("ids") or [])
        fresh = [i for i in items if str(i.get("id")) not in skip]
        seen |= set(ids)
        part["ids"] = sorted(seen)
        part["edge"] = sorted(set(part.get("edge", [])) | _ids_at(items, end, self.field))
        exhausted = len(items) < PAGE_SIZE or met or (count is not None and len(seen) >= count)
        if exhausted:
            self._slice_next(part)
        elif part["from"] + PAGE_SIZE <= SEARCH_MAX_FROM:
            part["from"] += PAGE_SIZE
        elif part["dir"] == "asc":
            part.update(dir="desc", **{"from": 0})
        else:
            self._slice_overflow(part)
        return fresh

    def _slice_overflow(self, part: dict[str, Any]) -> None:
        """More than 2,000 objects in one millisecond: read it again per department (a documented filter
        of each search); a department's share that still overflows is logged and left to webhooks."""
        if part.get("department") or self.entity != "tickets":
            # (Only the ticket search documents a department filter.)
            logger.warning(
                "sync: over 2,000 %s in one millisecond (department %s); some may be missing",
                self.entity,
                part.get("department") or "any",
            )
            self._slice_next(part)
            return
        departments = sorted(
            mirror.model_for("departments")
            .objects.filter(connection=self.run.connection, is_deleted=False)
            .values_list("desk_id", flat=True)
        )
        if not departments:
            self._slice_next(part)
            return
        part.update(departments=departments[1:], department=departments[0], dir="asc", **{"from": 0})
        part["all_ids"] = part["ids"]
        part["ids"] = []

    def _slice_next(self, part: dict[str, Any]) -> None:
        """The slice (or one department's share of it) is read: the next department, or past lo+1ms."""
        if part.get("department") is not None:
            part["all_ids"] = sorted(set(part.get("all_ids", [])) | set(part["ids"]))
            if part.get("departments"):
                part.update(department=part["departments"][0], departments=part["departments"][1:])
                part.update(dir="asc", ids=[], **{"from": 0})
                return
        end = _time(self.state["lo"]) + ONE_MS
        self.state.pop("slice", None)
        if end > _time(self.state["hi"]):
            self._finish(_time(self.state["lo"]), set(part.get("all_ids") or part["ids"]))
            return
        edge = sorted(part.get("edge", []))
        # The next window starts at lo+1ms; the few read there already were read in no known order.
        self.state.update(lo=format_datetime(end), ids=edge, read=[], offset=0, expect=None)


def _ids_at(items: list[DeskRecord], moment: datetime | None, field_name: str = "modifiedTime") -> set[str]:
    return {str(i.get("id")) for i in items if moment is not None and _moment(i, field_name) == moment}


def _read_before(items: list[DeskRecord], last: dict[str, Any]) -> int:
    """How many leading items of a page (oldest created first) the walk has read already: created before
    the last one read, or at its time and among the ids read there."""
    moment, known = _time(last.get("time")), set(last.get("ids") or [])
    count = 0
    for item in items:
        created = _moment(item, "createdTime")
        if created > moment or (created == moment and str(item.get("id")) not in known):
            break
        count += 1
    return count


def _last_read(items: list[DeskRecord], last: dict[str, Any] | None) -> dict[str, Any]:
    """The resume point after a page: its newest createdTime and every id read at it."""
    newest = _moment(items[-1], "createdTime")
    ids = _ids_at(items, newest, "createdTime")
    if last and _time(last.get("time")) == newest:
        ids |= set(last.get("ids") or [])
    return {"time": format_datetime(newest), "ids": sorted(ids)}


def _is_change(item: DeskRecord, watermark: datetime, known: set[str]) -> bool:
    """Newer than the watermark, or at the watermark but not one of the objects mirrored at it."""
    modified = _modified(item)
    if modified is None:
        return True  # cannot tell: apply it (applying is idempotent)
    modified = to_ms(modified)
    return modified > watermark or (modified == watermark and str(item.get("id")) not in known)


def _advance_watermark(checkpoint: SyncCheckpoint, moment: datetime | None, ids: set[str]) -> None:
    """Move the watermark forward (never back); at an equal moment, remember the extra ids too."""
    if moment is None:
        return
    if checkpoint.watermark is None or moment > checkpoint.watermark:
        checkpoint.watermark, checkpoint.watermark_ids = moment, sorted(ids)
    elif moment == checkpoint.watermark:
        checkpoint.watermark_ids = sorted(set(checkpoint.watermark_ids) | ids)


# What a walk's page changes in its checkpoint besides the counters (api_calls, done).
_WALK_FIELDS = (
    "status",
    "cursor",
    "next_from",
    "total",
    "watermark",
    "watermark_ids",
    "walk_watermark",
    "walk_watermark_ids",
    "finished_at",
)


def _checkpoint_save(checkpoint: SyncCheckpoint, *fields: str, calls: int = 0, done: int = 0) -> None:
    """Write ``fields`` of the checkpoint and add to its counters in one UPDATE, the counters with F() (the
    row adds up, whatever this copy read); the copy in memory follows, for what the run reads later."""
    values: dict[str, Any] = {name: getattr(checkpoint, name) for name in fields}
    SyncCheckpoint.objects.filter(pk=checkpoint.pk).update(
        api_calls=F("api_calls") + calls, done=F("done") + done, updated_at=timezone.now(), **values
    )
    checkpoint.api_calls += calls
    checkpoint.done += done


def _touch(connection: DeskConnection, entity: str, desk_ids: list[str]) -> None:
    if desk_ids:
        mirror.model_for(entity).objects.filter(connection=connection, desk_id__in=desk_ids).update(
            synced_at=timezone.now()
        )


def _timed_model(entity: str) -> type[Ticket] | type[Contact] | type[Account]:
    """The mirror model of an entity walked by time: the deletion check counts its rows by created_time,
    a column only these have (so not the registry's ``type[MirrorModel]``)."""
    models: dict[str, type[Ticket] | type[Contact] | type[Account]] = {
        "tickets": Ticket,
        "contacts": Contact,
        "accounts": Account,
    }
    return models[entity]


def _due(last: datetime | None, seconds: float, now: datetime) -> bool:
    return last is None or last <= now - timedelta(seconds=seconds)


# A ticket's reference column -> (the kind of object it points at, that kind's mirror entity).
_TICKET_REFERENCES = {
    "contact_desk_id": ("contact", "contacts"),
    "account_desk_id": ("account", "accounts"),
    "department_desk_id": ("department", "departments"),
    "assignee_desk_id": ("agent", "agents"),
    "team_desk_id": ("team", "teams"),
}


def _unknown_references(connection: DeskConnection, ticket_ids: list[str]) -> set[str]:
    """Which kinds of objects changed tickets point at that the mirror does not have yet."""
    if not ticket_ids:
        return set()
    columns = list(_TICKET_REFERENCES)
    wanted: dict[str, set[str]] = {column: set() for column in columns}
    rows = Ticket.objects.filter(connection=connection, desk_id__in=ticket_ids).values_list(*columns)
    for row in rows:
        for column, value in zip(columns, row, strict=True):
            if value:
                wanted[column].add(value)
    unknown = set()
    for column, ids in wanted.items():
        kind, entity = _TICKET_REFERENCES[column]
        if ids:
            known = set(
                mirror.model_for(entity)
                .objects.filter(connection=connection, desk_id__in=ids)
                .values_list("desk_id", flat=True)
            )
            if ids - known:
                unknown.add(kind)
    return unknown


# --- the entry point ----------------------------------------------------------------------------------------
def search_allowed(connection: DeskConnection, state: SyncState) -> bool:
    """Search unless the grant lacks it, or Desk refused it within the last day (then try again: the
    connection may have been reconnected with the scope)."""
    if not search_scope_granted(connection):
        return False
    refused = state.search_refused_at
    return refused is None or refused <= timezone.now() - timedelta(days=1)


def sync_run(
    connection: DeskConnection,
    *,
    full: bool = False,
    client: DeskClient | None = None,
    owner: str | None = None,
) -> SyncReport:
    """Sync one connection now: the initial sync (or its resumption), else an incremental one.

    Returns at once with ``mode="skipped"`` when another run holds the connection's lease. A run that
    hits a 429 (or the client's credit share) stops where it is (``retry_at`` says when to go on); the next
    run resumes from the checkpoint.
    """
    owner = owner or uuid.uuid4().hex
    report = SyncReport(connection_id=connection.pk)
    if not lease_acquire(connection, owner=owner):
        report.mode = "skipped"
        return report
    started = timezone.now()
    own_client = client is None
    try:
        state = SyncState.objects.get(connection=connection)
        if full:
            # Every entity walks again from its first page; watermarks stay, so nothing is lost meanwhile.
            state.full_requested = True
            SyncCheckpoint.objects.filter(connection=connection).update(status=SyncCheckpoint.Status.PENDING)
        state.last_started_at = started
        state.save(update_fields=["full_requested", "last_started_at"])
        client = client or desk_client_for(connection, priority="background")
        run = SyncRun(
            connection, client, owner=owner, report=report, use_search=search_allowed(connection, state)
        )
        try:
            try:
                _run(run, state, started=started)
            except SearchUnavailable:
                # Desk refused search (403): note it, then go on with the documented list sorts.
                SyncState.objects.filter(pk=state.pk).update(search_refused_at=timezone.now())
                run.use_search = False
                state.refresh_from_db()
                _run(run, state, started=started)
            report.finished = True
        except SyncPaused as exc:
            report.error, report.retry_at = str(exc), exc.retry_at
        except RateLimited as exc:
            report.error = (
                "Zoho Desk has no API credits (or calls) left for the sync now; it resumes where it stopped."
            )
            report.retry_at = exc.retry_at
        except SyncLeaseLost as exc:
            report.error = str(exc)
        except DeskError as exc:
            report.error = f"Zoho Desk answered with an error: {exc}"[:500]
        except Exception:
            # A bug or a database failure: the checkpoint keeps what was applied; say so, then fail the task.
            logger.exception("sync of connection %s failed", connection.pk)
            SyncState.objects.filter(pk=state.pk).update(
                last_error="The sync stopped on an unexpected error (see the worker log); it resumes next run.",
                last_finished_at=timezone.now(),
                next_run_at=timezone.now() + timedelta(seconds=settings.SYNC_INTERVAL_SECONDS),
            )
            raise
        report.search_fallback = not run.use_search
        finished = timezone.now()
        state.refresh_from_db()
        state.last_finished_at = finished
        state.last_api_calls = report.api_calls
        state.last_changes = report.changes
        state.last_error = report.error[:500]
        state.next_run_at = report.retry_at or (finished + timedelta(seconds=settings.SYNC_INTERVAL_SECONDS))
        if report.finished:
            state.last_success_at = finished
            if run.use_search:
                state.search_refused_at = None
        state.save()
        if report.finished:
            DeskConnection.objects.filter(pk=connection.pk).update(last_synced_at=finished)
        logger.info(
            "sync connection=%s mode=%s api_calls=%s changes=%s finished=%s search=%s",
            connection.pk,
            report.mode,
            report.api_calls,
            report.changes,
            report.finished,
            run.use_search,
        )
        return report
    finally:
        if own_client and client is not None:
            client.close()
        lease_release(connection, owner=owner)


def _run(run: SyncRun, state: SyncState, *, started: datetime) -> None:
    if state.full_requested or state.initial_completed_at is None:
        run.report.mode = "initial"
        for entity in ENTITY_ORDER:
            checkpoint = run.checkpoint(entity)
            if checkpoint.status == SyncCheckpoint.Status.DONE:
                continue
            # A RUNNING initial walk resumes at its checkpoint; anything else starts from the first page.
            run.full_walk(entity, mode=SyncCheckpoint.Mode.INITIAL)
        run.support_addresses_refresh()
        now = timezone.now()
        SyncState.objects.filter(pk=state.pk).update(
            initial_completed_at=now,
            full_requested=False,
            team_checked_at=now,
            customers_checked_at=now,
            count_checked_at=now,
            reconciled_at=now,
        )
        return

    run.report.mode = "incremental"
    now = timezone.now()
    tickets = run.incremental("tickets")
    unknown = _unknown_references(run.connection, tickets.changed_ids)
    if unknown & {"contact", "account"} or _due(
        state.customers_checked_at, settings.SYNC_CUSTOMERS_INTERVAL_SECONDS, now
    ):
        for entity in CUSTOMER_ENTITIES:
            run.incremental(entity)
        SyncState.objects.filter(pk=state.pk).update(customers_checked_at=now)
    if unknown & {"department", "agent", "team"} or _due(
        state.team_checked_at, settings.SYNC_TEAM_INTERVAL_SECONDS, now
    ):
        run.team_refresh()
        SyncState.objects.filter(pk=state.pk).update(team_checked_at=now)
    # The org's time zone: read at connect; again once a day (and first for connections made before it was kept).
    run.zone_refresh(now)
    # A walk a crash interrupted is finished first.
    interrupted = SyncCheckpoint.objects.filter(
        connection=run.connection,
        status=SyncCheckpoint.Status.RUNNING,
        entity__in=["tickets", *CUSTOMER_ENTITIES],
    ).values_list("entity", flat=True)
    for entity in list(interrupted):
        run.full_walk(entity, mode=SyncCheckpoint.Mode.RECONCILE)
    if _due(state.count_checked_at, settings.SYNC_COUNT_CHECK_INTERVAL_SECONDS, now):
        # Deletions: one counted search call when nothing was deleted; only differing windows re-listed.
        run.reconcile("tickets")
        SyncState.objects.filter(pk=state.pk).update(count_checked_at=now)
    if _due(state.reconciled_at, settings.SYNC_RECONCILE_INTERVAL_SECONDS, now):
        for entity in CUSTOMER_ENTITIES:
            run.reconcile(entity)
        SyncState.objects.filter(pk=state.pk).update(reconciled_at=now)


def newest_modified(connection: DeskConnection, entity: str) -> datetime | None:
    """The newest Desk modifiedTime the mirror holds for an entity (used by status pages)."""
    return (
        mirror.model_for(entity)
        .objects.filter(connection=connection)
        .aggregate(m=Max("desk_modified_time"))["m"]
    )
