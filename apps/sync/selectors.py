"""Sync reads: how fresh a connection's mirror is ("synced 14 s ago") and how far a running sync got."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from apps.connections.models import DeskConnection
from apps.connections.selectors import age_words
from apps.sync.engine import ENTITY_LABELS, ENTITY_ORDER, full_sync_credits, search_scope_granted
from apps.sync.models import SyncCheckpoint, SyncState
from apps.tickets.models import Ticket


@dataclass
class EntityProgress:
    entity: str
    label: str
    done: int
    total: int | None
    status: str

    @property
    def percent(self) -> int | None:
        if self.status == SyncCheckpoint.Status.DONE:
            return 100
        if not self.total:
            return None
        return min(99, int(self.done * 100 / self.total))


@dataclass
class SyncProgress:
    running: bool
    initial_done: bool
    current: EntityProgress | None
    entities: list[EntityProgress] = field(default_factory=list)
    eta_seconds: int | None = None
    last_error: str = ""
    last_success_at: datetime | None = None
    next_run_at: datetime | None = None

    @property
    def eta_label(self) -> str:
        return "" if self.eta_seconds is None else f"about {age_words(self.eta_seconds)} left"


def sync_progress(connection: DeskConnection, *, now: datetime | None = None) -> SyncProgress:
    """The connection's sync as the progress bar shows it: the entity being walked, done / total, ETA."""
    now = now or timezone.now()
    state = SyncState.objects.filter(connection=connection).first()
    checkpoints = {c.entity: c for c in SyncCheckpoint.objects.filter(connection=connection)}
    entities = []
    for entity in ENTITY_ORDER:
        checkpoint = checkpoints.get(entity)
        entities.append(
            EntityProgress(
                entity=entity,
                label=ENTITY_LABELS[entity],
                done=checkpoint.done if checkpoint else 0,
                total=checkpoint.total if checkpoint else None,
                status=checkpoint.status if checkpoint else SyncCheckpoint.Status.PENDING,
            )
        )
    running = bool(state and state.locked_until and state.locked_until > now)
    current = next((e for e in entities if e.status == SyncCheckpoint.Status.RUNNING), None)
    eta = None
    if current is not None and current.total:
        checkpoint = checkpoints[current.entity]
        elapsed = (now - checkpoint.started_at).total_seconds() if checkpoint.started_at else 0
        if current.done and elapsed > 0:
            eta = int(max(0, current.total - current.done) * elapsed / current.done)
    return SyncProgress(
        running=running,
        initial_done=bool(state and state.initial_completed_at),
        current=current,
        entities=entities,
        eta_seconds=eta,
        last_error=state.last_error if state else "",
        last_success_at=state.last_success_at if state else None,
        next_run_at=state.next_run_at if state else None,
    )


def sync_states() -> list[SyncState]:
    """Every connection's sync state, for ``desk_sync_status``."""
    return list(SyncState.objects.select_related("connection").order_by("connection__org_name"))


@dataclass
class SearchScopeNotice:
    """The connection syncs without Desk's search (no ``Desk.search.READ``): what a full sync costs."""

    tickets: int
    credits_without_search: int
    credits_with_search: int
    refused_by_desk: bool

    @property
    def message(self) -> str:
        if not self.tickets:
            return (
                "Search scope missing: the sync walks Desk's ticket list by offsets, whose calls cost more "
                "credits the deeper they go (a full sync of 100,000 tickets: "
                f"~{full_sync_credits_for(100_000, search=False):,} credits instead of "
                f"~{full_sync_credits_for(100_000, search=True):,}); reconnect to grant Desk.search.READ."
            )
        return (
            f"Search scope missing: a full sync of {self.tickets:,} tickets costs "
            f"~{self.credits_without_search:,} API credits instead of ~{self.credits_with_search:,}; "
            "reconnect to grant Desk.search.READ."
        )


def full_sync_credits_for(tickets: int, *, search: bool) -> int:
    return full_sync_credits(tickets, search=search)


def search_scope_notice(connection: DeskConnection) -> SearchScopeNotice | None:
    """None when the sync can use search; else the notice the connection's page shows (no Desk call)."""
    state = SyncState.objects.filter(connection=connection).first()
    refused = state is not None and state.search_refused_at is not None
    if search_scope_granted(connection) and not refused:
        return None
    tickets = Ticket.objects.filter(connection=connection, is_deleted=False).count()
    return SearchScopeNotice(
        tickets=tickets,
        credits_without_search=full_sync_credits(tickets, search=False),
        credits_with_search=full_sync_credits(tickets, search=True),
        refused_by_desk=refused,
    )
