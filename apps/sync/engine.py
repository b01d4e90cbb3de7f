"""The sync engine: initial (resumable) and incremental walks of one connection's Desk org into the mirror.

A run holds the connection's lease (a row in the database, so two workers on two machines never sync one
connection at once), fetches pages of 100 through the Desk client at background priority, applies each
page and saves the checkpoint in one transaction, so a crash at any point resumes at the page it lost.
docs/sync.md explains the walks, the watermark and why they neither duplicate nor miss rows.
"""

from __future__ import annotations

import logging
import math
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from apps.desk.budget import OrgBudget
from apps.desk.client import FIRST_INDEX, MAX_PAGE_SIZE
from apps.desk.errors import DeskError, DeskNotFound, RateLimited
from apps.desk.types import parse_datetime
from apps.sync import apply
from apps.sync.models import SyncCheckpoint, SyncState

logger = logging.getLogger(__name__)

PAGE_SIZE = MAX_PAGE_SIZE
# The order of the initial sync: what tickets point at first, so a ticket's contact is there to index.
ENTITY_ORDER = ("departments", "agents", "teams", "sla_policies", "accounts", "contacts", "tickets")
TEAM_ENTITIES = ("departments", "agents", "teams", "sla_policies")
CUSTOMER_ENTITIES = ("accounts", "contacts")
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


def setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


class SyncPaused(Exception):
    """The sync's share of the org's API budget is spent for now; the run resumes at ``retry_at``."""

    def __init__(self, message: str, *, retry_at: datetime) -> None:
        super().__init__(message)
        self.retry_at = retry_at


class SyncLeaseLost(Exception):
    """Another run took over the connection (our lease ran out): stop without writing more."""


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

    @property
    def skipped(self) -> bool:
        return self.mode == "skipped"

    @property
    def changes(self) -> int:
        return sum(e.created + e.updated + e.deleted for e in self.entities.values())

    def entity(self, name: str) -> EntityReport:
        return self.entities.setdefault(name, EntityReport())


@dataclass(frozen=True)
class Walk:
    entity: str
    path: str
    # Entities with a modifiedTime are walked newest first: the incremental sync stops at its watermark.
    sort_by: str | None = None
    paged: bool = True


def walk_for(entity: str, *, real_forms: bool = True) -> Walk:
    if entity in ("tickets", "contacts", "accounts"):
        return Walk(entity, f"/{entity}", sort_by="-modifiedTime")
    if entity == "departments":
        return Walk(entity, "/departments")
    if entity == "agents":
        return Walk(entity, "/agents")
    if entity == "teams":
        return Walk(entity, "/teams", paged=False)
    if entity == "sla_policies":
        # Where SLA policies live is unconfirmed for the real Desk; the client's switch decides.
        return Walk(entity, "/slas" if real_forms else "/sla", paged=False)
    raise ValueError(f"unknown entity {entity!r}")


def _items(body: Any) -> list[dict[str, Any]]:
    if body is None:
        return []  # HTTP 204: an empty list
    if isinstance(body, list):
        return body
    if isinstance(body, dict):
        for key in ("data", "teams", "agents"):
            if isinstance(body.get(key), list):
                return body[key]
        return []
    raise DeskError("Zoho Desk answered a list in an unexpected form.")


def _modified(raw: dict[str, Any]) -> datetime | None:
    return parse_datetime(raw.get("modifiedTime"))


# --- the lease ------------------------------------------------------------------------------------------
def sync_state_for(connection: Any) -> SyncState:
    state = SyncState.objects.filter(connection=connection).first()
    if state is not None:
        return state
    try:
        with transaction.atomic():
            return SyncState.objects.create(connection=connection)
    except IntegrityError:  # another worker created it a moment ago
        return SyncState.objects.get(connection=connection)


def lease_seconds() -> int:
    return int(setting("SYNC_LEASE_SECONDS", 300))


def lease_acquire(connection: Any, *, owner: str) -> bool:
    """Take the connection's sync lease if nobody holds a live one: one atomic UPDATE … WHERE."""
    state = sync_state_for(connection)
    now = timezone.now()
    taken = (
        SyncState.objects.filter(pk=state.pk)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .update(lock_owner=owner, locked_until=now + timedelta(seconds=lease_seconds()))
    )
    return taken == 1


def lease_renew(connection: Any, *, owner: str) -> None:
    renewed = SyncState.objects.filter(connection=connection, lock_owner=owner).update(
        locked_until=timezone.now() + timedelta(seconds=lease_seconds())
    )
    if renewed != 1:
        raise SyncLeaseLost("another run took over this connection's sync")


def lease_release(connection: Any, *, owner: str) -> None:
    SyncState.objects.filter(connection=connection, lock_owner=owner).update(lock_owner="", locked_until=None)


# --- one run ----------------------------------------------------------------------------------------------
class SyncRun:
    """One sync of one connection, holding its lease. Build with ``sync_run`` rather than directly."""

    def __init__(self, connection: Any, client: Any, *, owner: str, report: SyncReport) -> None:
        self.connection = connection
        self.client = client
        self.owner = owner
        self.report = report
        self.org_id = str(connection.org_id)
        self.real_forms = bool(getattr(client, "real_forms", True))

    # Calls ---------------------------------------------------------------------------------------------
    def fetch(self, walk: Walk, start: int) -> list[dict[str, Any]]:
        """One list call (one page), after renewing the lease and checking the sync's budget share."""
        lease_renew(self.connection, owner=self.owner)
        self.respect_budget()
        params: dict[str, Any] = {}
        if walk.sort_by:
            params["sortBy"] = walk.sort_by
        if walk.paged:
            params.update({"from": start, "limit": PAGE_SIZE})
        self.count_call(walk.entity)
        body = self.client.http.json("GET", walk.path, retry="idempotent", params=params)
        return _items(body)

    def count_call(self, entity: str) -> None:
        self.report.api_calls += 1
        self.report.entity(entity).api_calls += 1
        minute = int(time.time() // 60)
        key = f"sync:{self.org_id}:calls:{minute}"
        if not cache.add(key, 1, timeout=180):
            try:
                cache.incr(key)
            except ValueError:
                cache.add(key, 1, timeout=180)

    def respect_budget(self) -> None:
        """Keep the sync within SYNC_BUDGET_SHARE of the org's per-minute budget, so people clicking always
        find room: wait for the minute's reset when the share is spent, or pause the run if that is far."""
        share = float(setting("SYNC_BUDGET_SHARE", 0.5))
        budget = OrgBudget(self.org_id)
        now = time.time()
        wait = 0.0
        state = budget.minute_state()
        limit = (state or {}).get("limit") or setting("DESK_MINUTE_LIMIT", None)
        if limit:
            own_calls = int(cache.get(f"sync:{self.org_id}:calls:{int(now // 60)}") or 0)
            if own_calls >= max(1, math.floor(limit * share)):
                wait = 60 - (now % 60)
            remaining = (state or {}).get("remaining")
            if remaining is not None and remaining <= math.ceil(limit * (1 - share)):
                wait = max(wait, float(state["reset_at"]) - now)  # type: ignore[index]
        if wait <= 0:
            return
        max_wait = float(setting("SYNC_MAX_BUDGET_WAIT_SECONDS", 65))
        if wait > max_wait:
            raise SyncPaused(
                "The sync's share of this org's API budget is spent.",
                retry_at=datetime.fromtimestamp(now + wait, tz=UTC),
            )
        logger.info("sync org=%s waits %.1fs for its API budget share", self.org_id, wait)
        sleep(wait)

    # Walks ---------------------------------------------------------------------------------------------
    def checkpoint(self, entity: str) -> SyncCheckpoint:
        checkpoint, _ = SyncCheckpoint.objects.get_or_create(connection=self.connection, entity=entity)
        return checkpoint

    def full_walk(self, entity: str, *, mode: str, total: int | None = None) -> None:
        """Walk every object of an entity, resuming a walk a crash interrupted. Marks what is gone."""
        walk = walk_for(entity, real_forms=self.real_forms)
        checkpoint = self.checkpoint(entity)
        resuming = checkpoint.status == SyncCheckpoint.Status.RUNNING and checkpoint.mode == mode
        if not resuming:
            checkpoint.mode = mode
            checkpoint.status = SyncCheckpoint.Status.RUNNING
            checkpoint.next_from = FIRST_INDEX
            checkpoint.done = 0
            checkpoint.total = total
            checkpoint.walk_watermark = None
            checkpoint.walk_watermark_ids = []
            checkpoint.started_at = timezone.now()
            checkpoint.finished_at = None
            checkpoint.api_calls = 0
            checkpoint.save()
        report = self.report.entity(entity)
        if entity == "tickets" and checkpoint.total is None:
            self.count_call(entity)
            checkpoint.total = self.client.tickets_count()
            checkpoint.api_calls += 1
            checkpoint.save(update_fields=["total", "api_calls", "updated_at"])
        while True:
            items = self.fetch(walk, checkpoint.next_from)
            finished = not walk.paged or len(items) < PAGE_SIZE
            with transaction.atomic():
                result = apply.apply_objects(self.connection, entity, items)
                # Touch what this walk saw, unchanged rows too: what stays untouched is gone from Desk.
                _touch(self.connection, entity, result.desk_ids)
                if walk.sort_by and checkpoint.walk_watermark is None and items:
                    checkpoint.walk_watermark = max((_modified(i) or _EPOCH) for i in items)
                if checkpoint.walk_watermark is not None:
                    checkpoint.walk_watermark_ids = sorted(
                        set(checkpoint.walk_watermark_ids) | _ids_at(items, checkpoint.walk_watermark)
                    )
                checkpoint.next_from += len(items)
                checkpoint.done += len(items)
                checkpoint.api_calls += 1
                if finished:
                    checkpoint.status = SyncCheckpoint.Status.DONE
                    checkpoint.finished_at = timezone.now()
                    _advance_watermark(
                        checkpoint, checkpoint.walk_watermark, set(checkpoint.walk_watermark_ids)
                    )
                checkpoint.save()
            report.seen += len(items)
            report.created += result.created
            report.updated += result.updated
            if finished:
                break
        report.deleted += self.mark_untouched_deleted(entity, since=checkpoint.started_at)

    def mark_untouched_deleted(self, entity: str, *, since: datetime | None) -> int:
        """Rows this full walk did not see are gone from Desk. Offset paging can skip a row when another
        is deleted mid-walk, so a few suspects are confirmed one by one before they are marked."""
        if since is None:
            return 0
        model = apply.SPECS[entity].model
        suspects = list(
            model.objects.filter(
                connection=self.connection, is_deleted=False, synced_at__lt=since
            ).values_list("desk_id", flat=True)
        )
        if not suspects:
            return 0
        getter = {"tickets": "ticket_get", "contacts": "contact_get", "accounts": "account_get"}.get(entity)
        verify_max = int(setting("SYNC_VERIFY_DELETIONS_MAX", 20))
        if getter is None or len(suspects) > verify_max:
            return apply.mirror_mark_deleted(self.connection, entity, suspects)
        gone = []
        for desk_id in suspects:
            lease_renew(self.connection, owner=self.owner)
            self.respect_budget()
            self.count_call(entity)
            try:
                found = getattr(self.client, getter)(desk_id)
            except DeskNotFound:
                gone.append(desk_id)
                continue
            apply.apply_objects(self.connection, entity, [found])
            _touch(self.connection, entity, [desk_id])
        return apply.mirror_mark_deleted(self.connection, entity, gone)

    def incremental(self, entity: str) -> apply.ApplyResult:
        """Newest first, down to the watermark: one call when nothing changed since the last run."""
        walk = walk_for(entity, real_forms=self.real_forms)
        checkpoint = self.checkpoint(entity)
        if checkpoint.watermark is None:
            # Never walked to the end (an empty org, or an older mirror): a full walk sets the watermark.
            self.full_walk(entity, mode=SyncCheckpoint.Mode.INITIAL)
            return apply.ApplyResult()
        watermark, known = checkpoint.watermark, set(checkpoint.watermark_ids)
        total = apply.ApplyResult()
        report = self.report.entity(entity)
        start = FIRST_INDEX
        while True:
            items = self.fetch(walk, start)
            fresh = [i for i in items if _is_change(i, watermark, known)]
            with transaction.atomic():
                result = apply.apply_objects(self.connection, entity, fresh)
                if fresh:
                    newest = max((_modified(i) or watermark) for i in fresh)
                    _advance_watermark(checkpoint, newest, _ids_at(fresh, newest))
                checkpoint.api_calls += 1
                checkpoint.finished_at = timezone.now()
                checkpoint.save(
                    update_fields=["watermark", "watermark_ids", "api_calls", "finished_at", "updated_at"]
                )
            total.add(result)
            report.seen += len(fresh)
            report.created += result.created
            report.updated += result.updated
            # Newest first: once a page holds something already mirrored, the rest is older still.
            if len(fresh) < len(items) or len(items) < PAGE_SIZE:
                break
            start += len(items)
        return total

    def team_refresh(self) -> None:
        """Departments, agents, teams and SLA policies are few: walk them whole, mark the absent deleted."""
        for entity in TEAM_ENTITIES:
            self.full_walk(entity, mode=SyncCheckpoint.Mode.RECONCILE)

    def tickets_count(self) -> tuple[int, int]:
        """(Desk's ticket count, the mirror's): one call."""
        from apps.tickets.models import Ticket

        self.count_call("tickets")
        desk_count = self.client.tickets_count()
        return desk_count, Ticket.objects.filter(connection=self.connection, is_deleted=False).count()


def _ids_at(items: list[dict[str, Any]], moment: datetime | None) -> set[str]:
    return {str(i.get("id")) for i in items if moment is not None and _modified(i) == moment}


def _is_change(item: dict[str, Any], watermark: datetime, known: set[str]) -> bool:
    """Newer than the watermark, or at the watermark but not one of the objects mirrored at it."""
    modified = _modified(item)
    if modified is None:
        return True  # cannot tell: apply it (applying is idempotent)
    return modified > watermark or (modified == watermark and str(item.get("id")) not in known)


def _advance_watermark(checkpoint: SyncCheckpoint, moment: datetime | None, ids: set[str]) -> None:
    """Move the watermark forward (never back); at an equal moment, remember the extra ids too."""
    if moment is None:
        return
    if checkpoint.watermark is None or moment > checkpoint.watermark:
        checkpoint.watermark, checkpoint.watermark_ids = moment, sorted(ids)
    elif moment == checkpoint.watermark:
        checkpoint.watermark_ids = sorted(set(checkpoint.watermark_ids) | ids)


def _touch(connection: Any, entity: str, desk_ids: list[str]) -> None:
    if desk_ids:
        apply.SPECS[entity].model.objects.filter(connection=connection, desk_id__in=desk_ids).update(
            synced_at=timezone.now()
        )


def _due(last: datetime | None, seconds: float, now: datetime) -> bool:
    return last is None or last <= now - timedelta(seconds=seconds)


def _unknown_references(connection: Any, ticket_ids: list[str]) -> set[str]:
    """Which kinds of objects changed tickets point at that the mirror does not have yet."""
    from apps.customers.models import Account, Contact
    from apps.team.models import Agent, Department, Team
    from apps.tickets.models import Ticket

    if not ticket_ids:
        return set()
    rows: Any = Ticket.objects.filter(connection=connection, desk_id__in=ticket_ids).values(
        "contact_desk_id", "account_desk_id", "department_desk_id", "assignee_desk_id", "team_desk_id"
    )
    wanted: dict[str, set[str]] = {"contact": set(), "account": set(), "department": set(), "agent": set()}
    wanted["team"] = set()
    for row in rows:
        for kind, column in (
            ("contact", "contact_desk_id"),
            ("account", "account_desk_id"),
            ("department", "department_desk_id"),
            ("agent", "assignee_desk_id"),
            ("team", "team_desk_id"),
        ):
            if row[column]:
                wanted[kind].add(row[column])
    models: dict[str, Any] = {
        "contact": Contact,
        "account": Account,
        "department": Department,
        "agent": Agent,
        "team": Team,
    }
    unknown = set()
    for kind, ids in wanted.items():
        if ids:
            known = set(
                models[kind]
                .objects.filter(connection=connection, desk_id__in=ids)
                .values_list("desk_id", flat=True)
            )
            if ids - known:
                unknown.add(kind)
    return unknown


# --- the entry point ----------------------------------------------------------------------------------------
def sync_run(
    connection: Any,
    *,
    full: bool = False,
    client: Any = None,
    owner: str | None = None,
) -> SyncReport:
    """Sync one connection now: the initial sync (or its resumption), else an incremental one.

    Returns at once with ``mode="skipped"`` when another run holds the connection's lease. A run that
    hits the budget or a 429 stops where it is (``retry_at`` says when to go on); the next run resumes.
    """
    from apps.connections.models import DeskConnection
    from apps.connections.services import desk_client_for

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
        run = SyncRun(connection, client, owner=owner, report=report)
        try:
            _run(run, state, started=started)
            report.finished = True
        except SyncPaused as exc:
            report.error, report.retry_at = str(exc), exc.retry_at
        except RateLimited as exc:
            report.error = "Zoho Desk asked us to slow down; the sync resumes where it stopped."
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
                next_run_at=timezone.now() + timedelta(seconds=float(setting("SYNC_INTERVAL_SECONDS", 300))),
            )
            raise
        finished = timezone.now()
        state.refresh_from_db()
        state.last_finished_at = finished
        state.last_api_calls = report.api_calls
        state.last_changes = report.changes
        state.last_error = report.error[:500]
        interval = float(setting("SYNC_INTERVAL_SECONDS", 300))
        state.next_run_at = report.retry_at or (finished + timedelta(seconds=interval))
        if report.finished:
            state.last_success_at = finished
        state.save()
        if report.finished:
            DeskConnection.objects.filter(pk=connection.pk).update(last_synced_at=finished)
        logger.info(
            "sync connection=%s mode=%s api_calls=%s changes=%s finished=%s",
            connection.pk,
            report.mode,
            report.api_calls,
            report.changes,
            report.finished,
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
        state.customers_checked_at, setting("SYNC_CUSTOMERS_INTERVAL_SECONDS", 900), now
    ):
        for entity in CUSTOMER_ENTITIES:
            run.incremental(entity)
        SyncState.objects.filter(pk=state.pk).update(customers_checked_at=now)
    if unknown & {"department", "agent", "team"} or _due(
        state.team_checked_at, setting("SYNC_TEAM_INTERVAL_SECONDS", 3600), now
    ):
        run.team_refresh()
        SyncState.objects.filter(pk=state.pk).update(team_checked_at=now)
    reconcile = _due(state.reconciled_at, setting("SYNC_RECONCILE_INTERVAL_SECONDS", 86400), now)
    # A walk a crash interrupted is finished first.
    interrupted = SyncCheckpoint.objects.filter(
        connection=run.connection,
        status=SyncCheckpoint.Status.RUNNING,
        entity__in=["tickets", *CUSTOMER_ENTITIES],
    ).values_list("entity", flat=True)
    for entity in interrupted:
        run.full_walk(entity, mode=SyncCheckpoint.Mode.RECONCILE)
    if not reconcile and _due(
        state.count_checked_at, setting("SYNC_COUNT_CHECK_INTERVAL_SECONDS", 3600), now
    ):
        # Deletions show as a count that differs from the mirror's; only then walk every ticket.
        desk_count, mirrored = run.tickets_count()
        if desk_count != mirrored:
            run.full_walk("tickets", mode=SyncCheckpoint.Mode.RECONCILE, total=desk_count)
        SyncState.objects.filter(pk=state.pk).update(count_checked_at=now)
    if reconcile:
        for entity in ("tickets", *CUSTOMER_ENTITIES):
            run.full_walk(entity, mode=SyncCheckpoint.Mode.RECONCILE)
        SyncState.objects.filter(pk=state.pk).update(reconciled_at=now, count_checked_at=now)


def newest_modified(connection: Any, entity: str) -> datetime | None:
    """The newest Desk modifiedTime the mirror holds for an entity (used by status pages)."""
    return (
        apply.SPECS[entity]
        .model.objects.filter(connection=connection)
        .aggregate(m=Max("desk_modified_time"))["m"]
    )
