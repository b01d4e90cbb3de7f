"""Applying stored deliveries to the mirror, in a task: each event through the same order-safe, idempotent apply
functions as sync and writes (``apps.mirror.apply``), a single-record Desk call only when a payload lacks what
the mirror needs."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.connections.models import DeskConnection
from apps.connections.services import desk_client_for
from apps.desk import types as desk
from apps.desk.client import DeskClient
from apps.desk.errors import DeskError, DeskNotFound
from apps.mirror import apply as mirror
from apps.ops import hooks as ops_hooks
from apps.webhooks.models import Delivery, Endpoint

logger = logging.getLogger(__name__)

# Desk's event names (Webhook.json) -> (mirror entity, what to do). These are what DeskAdmin subscribes.
EVENTS: dict[str, tuple[str, str]] = {
    "Ticket_Add": ("tickets", "upsert"),
    "Ticket_Update": ("tickets", "upsert"),
    "Ticket_Delete": ("tickets", "delete"),
    "Ticket_Thread_Add": ("threads", "upsert"),
    "Ticket_Comment_Add": ("comments", "upsert"),
    "Ticket_Comment_Update": ("comments", "upsert"),
    "Ticket_Attachment_Add": ("attachments", "upsert"),
    "Ticket_Attachment_Delete": ("attachments", "delete"),
    "Contact_Add": ("contacts", "upsert"),
    "Contact_Update": ("contacts", "upsert"),
    "Contact_Delete": ("contacts", "delete"),
    "Account_Add": ("accounts", "upsert"),
    "Account_Update": ("accounts", "upsert"),
    "Account_Delete": ("accounts", "delete"),
    "Agent_Add": ("agents", "upsert"),
    "Agent_Update": ("agents", "upsert"),
    "Agent_Delete": ("agents", "delete"),
}
MIRROR_EVENTS = tuple(EVENTS)
CHILDREN = {"threads", "comments", "attachments"}
# What a payload must carry for the mirror to apply it as is; otherwise one GET of the record fills it.
NEEDED: dict[str, tuple[str, ...]] = {
    "tickets": ("id", "modifiedTime", "subject", "status"),
    "threads": ("id", "ticketId", "content"),
    "comments": ("id", "ticketId", "content"),
    "attachments": ("id", "ticketId"),
    "contacts": ("id", "modifiedTime"),
    "accounts": ("id", "modifiedTime"),
    "agents": ("id",),
}
BATCH = 500
# SQLite has one writer at a time and its busy handler retries at most every 100 ms: a worker applying
# deliveries back to back could keep the receiver's insert waiting past Desk's 5 s. Between deliveries it
# leaves the lock free a little longer than that (PostgreSQL locks rows, so it needs no pause).
SQLITE_PAUSE = 0.11


def fingerprint(body: bytes | str) -> str:
    return hashlib.sha256(body if isinstance(body, bytes) else body.encode()).hexdigest()


def parse_events(body: str) -> list[dict[str, Any]]:
    """Desk posts a JSON array of events; anything else holds no event."""
    try:
        data = json.loads(body) if body else []
    except ValueError:
        return []
    if isinstance(data, dict):
        data = [data]
    return (
        [e for e in data if isinstance(e, dict) and isinstance(e.get("payload"), dict)]
        if isinstance(data, list)
        else []
    )


def summarise(events: list[dict[str, Any]]) -> tuple[str, str]:
    """("Ticket_Update, Contact_Add", "ticket 123, contact 9 …") for the log."""
    types = list(dict.fromkeys(str(e.get("eventType", "?")) for e in events))
    objects = []
    for event in events[:6]:
        entity = EVENTS.get(str(event.get("eventType")), ("object", ""))[0].rstrip("s")
        objects.append(f"{entity} {event['payload'].get('id', '?')}")
    more = f" +{len(events) - 6}" if len(events) > 6 else ""
    return ", ".join(types)[:200], (", ".join(objects) + more)[:200]


@dataclass
class _Tally:
    applied: int = 0
    unchanged: int = 0
    fill_ins: int = 0
    errors: list[str] = field(default_factory=list)


class _Filler:
    """Single-record calls (1 credit each) for payloads that lack what the mirror needs; one client per run."""

    def __init__(self, connection: DeskConnection, factory: Callable[[], DeskClient] | None = None) -> None:
        self.connection = connection
        self.factory = factory or (lambda: desk_client_for(connection, priority="background"))
        self._client: DeskClient | None = None

    @property
    def client(self) -> DeskClient:
        if self._client is None:
            self._client = self.factory()
        return self._client

    def fetch(self, entity: str, payload: dict[str, Any]) -> desk.DeskObject:
        object_id = str(payload.get("id", ""))
        ticket_id = str(payload.get("ticketId", ""))
        client = self.client
        if entity == "tickets":
            return client.ticket_get(object_id)
        if entity == "threads":
            return client.thread_get(ticket_id, object_id)
        if entity == "contacts":
            return client.contact_get(object_id)
        if entity == "accounts":
            return client.account_get(object_id)
        if entity == "agents":
            return client.agent_get(object_id)
        raise LookupError(f"no single-record call fills {entity}")


def _complete(entity: str, payload: dict[str, Any], filler: _Filler, tally: _Tally) -> Any:
    if all(payload.get(name) not in (None, "") for name in NEEDED.get(entity, ("id",))):
        return payload
    try:
        filled = filler.fetch(entity, payload)
    except LookupError:
        return payload
    tally.fill_ins += 1
    return filled


def _ticket_row(connection: DeskConnection, ticket_id: str, filler: _Filler, tally: _Tally) -> Any:
    """The mirrored parent of a thread, comment or attachment; fetched (1 credit) when the mirror lacks it."""
    model = mirror.model_for("tickets")
    row = model.objects.filter(connection=connection, desk_id=ticket_id).first()
    if row is None and ticket_id:
        mirror.apply_objects(connection, "tickets", [filler.fetch("tickets", {"id": ticket_id})])
        tally.fill_ins += 1
        row = model.objects.filter(connection=connection, desk_id=ticket_id).first()
    return row


def apply_events(
    connection: DeskConnection, events: list[dict[str, Any]], *, filler: _Filler | None = None
) -> _Tally:
    """Apply events in order; consecutive events of one kind (and one parent ticket) go in one batch."""
    filler = filler or _Filler(connection)
    tally = _Tally()
    runs: list[tuple[tuple[str, str, str], list[dict[str, Any]]]] = []
    for event in events:
        kind = EVENTS.get(str(event.get("eventType")))
        if kind is None:
            tally.unchanged += 1  # an event the mirror does not keep
            continue
        entity, action = kind
        parent = str(event["payload"].get("ticketId", "")) if entity in CHILDREN else ""
        key = (entity, action, parent)
        if runs and runs[-1][0] == key:
            runs[-1][1].append(event["payload"])
        else:
            runs.append((key, [event["payload"]]))
    for (entity, action, parent), payloads in runs:
        try:
            if action == "delete":
                ids = [str(p.get("id")) for p in payloads if p.get("id")]
                changed = mirror.mark_deleted(connection, entity, ids)
                tally.applied += changed
                tally.unchanged += len(payloads) - changed
                continue
            items = [_complete(entity, p, filler, tally) for p in payloads]
            extra: dict[str, Any] = {}
            if entity in CHILDREN:
                ticket = _ticket_row(connection, parent, filler, tally)
                if ticket is None:
                    raise LookupError(f"ticket {parent} is not in the mirror")
                extra = {"parent": {"ticket": ticket}}
            result = mirror.apply_objects(connection, entity, items, **extra)
            tally.applied += result.changed
            tally.unchanged += len(payloads) - result.changed
        except DeskNotFound:
            tally.unchanged += len(payloads)  # gone from Desk since: a later delete event or sync handles it
        except (DeskError, LookupError) as exc:
            tally.errors.append(f"{entity}: {exc}"[:150])
    return tally


def _claim(connection_id: int, *, limit: int) -> list[Delivery]:
    ids = list(
        Delivery.objects.filter(connection_id=connection_id, status=Delivery.Status.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    if not ids:
        return []
    Delivery.objects.filter(pk__in=ids, status=Delivery.Status.PENDING).update(
        status=Delivery.Status.PROCESSING
    )
    return list(Delivery.objects.filter(pk__in=ids, status=Delivery.Status.PROCESSING).order_by("pk"))


def process_delivery(delivery: Delivery, *, filler: _Filler) -> None:
    started = time.monotonic()
    events = parse_events(delivery.body)
    connection = delivery.connection
    duplicate = (
        delivery.replay_of_id is None
        and Delivery.objects.filter(connection=connection, fingerprint=delivery.fingerprint)
        .filter(Q(status=Delivery.Status.DONE) | Q(status=Delivery.Status.DUPLICATE), pk__lt=delivery.pk)
        .exclude(fingerprint="")
        .exists()
    )
    if duplicate:
        delivery.status = Delivery.Status.DUPLICATE
        delivery.unchanged = len(events)
    else:
        tally = apply_events(connection, events, filler=filler)
        delivery.applied, delivery.unchanged, delivery.fill_ins = (
            tally.applied,
            tally.unchanged,
            tally.fill_ins,
        )
        delivery.error = "; ".join(tally.errors)[:300]
        delivery.status = Delivery.Status.FAILED if tally.errors else Delivery.Status.DONE
        if tally.errors:
            Endpoint.objects.filter(connection=connection, gap_since__isnull=True).update(
                gap_since=delivery.received_at
            )
    delivery.processed_at = timezone.now()
    delivery.processing_ms = int((time.monotonic() - started) * 1000)
    delivery.save(
        update_fields=["status", "applied", "unchanged", "fill_ins", "error", "processed_at", "processing_ms"]
    )
    applied = delivery.status == Delivery.Status.DONE
    lag = (delivery.processed_at - delivery.received_at).total_seconds() if applied else None
    ops_hooks.webhook_delivery(outcome=delivery.status, lag_s=lag)  # metrics (apps.ops, docs/operations.md)


def process_pending(connection_id: int, *, limit: int = BATCH) -> int:
    """Process the connection's queued deliveries, oldest first; returns how many were processed."""
    connection = DeskConnection.objects.filter(pk=connection_id).first()
    if connection is None:
        return 0
    filler = _Filler(connection)
    done = 0
    while True:
        batch = _claim(connection_id, limit=limit)
        if not batch:
            return done
        for index, delivery in enumerate(batch):
            if index and db_connection.vendor == "sqlite":
                time.sleep(SQLITE_PAUSE)
            delivery.connection = connection
            try:
                with transaction.atomic():
                    process_delivery(delivery, filler=filler)
            except Exception as exc:  # a bug must not leave the row "processing" forever
                logger.exception("webhook delivery %s failed", delivery.pk)
                Delivery.objects.filter(pk=delivery.pk).update(
                    status=Delivery.Status.FAILED,
                    error=f"{type(exc).__name__}"[:300],
                    processed_at=timezone.now(),
                )
            done += 1
