"""Applying Desk objects to the mirror: one idempotent, order-safe upsert used by sync, writes and webhooks.

Every entity goes through ``apply_objects``: it takes Desk objects (the Desk client's dataclasses or
Desk's raw JSON dicts, e.g. a webhook payload), merges each into its mirror row and writes only what
changed, a page at a time (one SELECT, one bulk INSERT, one bulk UPDATE). Rules:

* **Order-safe**: a version whose ``modifiedTime`` is older than the mirrored one is ignored, so a late
  webhook or a stale list page never overwrites a newer write.
* **Idempotent**: applying the same object twice changes nothing the second time.
* **Partial payloads** (Desk's list answers omit some fields a ``GET`` returns) merge into the stored
  raw JSON instead of blanking the fields they lack.
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.html import strip_tags

from apps.customers.models import Account, Contact
from apps.desk import types as desk
from apps.team.models import Agent, Department, Team
from apps.tickets.models import SlaPolicy, Ticket, TicketAttachment, TicketComment, TicketThread

DeskItem = desk.DeskObject | dict[str, Any]


@dataclass
class ApplyResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    stale: int = 0
    desk_ids: list[str] = field(default_factory=list)
    # Desk ids of rows that were created or changed (for follow-up work, e.g. search text).
    changed_ids: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.created + self.updated

    def add(self, other: ApplyResult) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.stale += other.stale
        self.desk_ids += other.desk_ids
        self.changed_ids += other.changed_ids


# --- Desk objects <-> raw JSON ---------------------------------------------------------------------
def desk_raw(obj: desk.DeskObject) -> dict[str, Any]:
    """Desk's camelCase JSON of a typed object: the modelled fields (None included: a typed object is a
    whole object, so None means "cleared") plus the unmodelled ``extra`` ones. Nested objects Desk only
    sends on ``include=`` are left out when absent."""
    aliases = {name: key for key, name in type(obj).desk_aliases.items()}
    raw: dict[str, Any] = {}
    for item in dataclasses.fields(obj):
        if item.name == "extra":
            continue
        value = getattr(obj, item.name)
        if value is None and isinstance(_hint(type(obj), item.name), type):
            continue
        raw[aliases.get(item.name) or desk.camel_case(item.name)] = _raw_value(value)
    for name, value in (obj.extra or {}).items():
        raw.setdefault(desk.camel_case(name), _raw_value(value))
    return raw


def _hint(cls: type, name: str) -> Any:
    # A DeskObject-typed field (``contact``, ``assignee``…) is absent, not cleared, when None.
    hint = desk._field_types(cls).get(name)
    for arg in getattr(hint, "__args__", ()) or (hint,):
        if isinstance(arg, type) and issubclass(arg, desk.DeskObject):
            return arg
    return None


def _raw_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return desk.format_datetime(value)
    if isinstance(value, desk.DeskObject):
        return desk_raw(value)
    if isinstance(value, list | tuple):
        return [_raw_value(v) for v in value]
    return value


def _as_raw(item: DeskItem) -> dict[str, Any]:
    if isinstance(item, desk.DeskObject):
        return desk_raw(item)
    if isinstance(item, dict):
        return dict(item)
    raise TypeError(f"cannot apply {type(item).__name__} to the mirror")


# --- column values -----------------------------------------------------------------------------------
def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _bool(value: Any) -> bool:
    return bool(value) if value is not None else False


def _int(value: Any) -> int:
    try:
        return int(value) if value is not None else 0
    except (TypeError, ValueError):
        return 0


def _time(value: Any) -> datetime | None:
    return desk.parse_datetime(value)


def plain_text(value: str | None) -> str:
    """HTML from Desk as searchable text (tags dropped, entities decoded, whitespace squeezed)."""
    if not value:
        return ""
    return " ".join(html.unescape(strip_tags(value)).split())


def _ticket_columns(t: desk.Ticket) -> dict[str, Any]:
    return {
        "ticket_number": _text(t.ticket_number),
        "subject": _text(t.subject),
        "description": _text(t.description),
        "status": _text(t.status),
        "status_type": _text(t.status_type),
        "priority": _text(t.priority),
        "channel": _text(t.channel),
        "classification": _text(t.classification),
        "category": _text(t.category),
        "sub_category": _text(t.sub_category),
        "email": _text(t.email),
        "phone": _text(t.phone),
        "language": _text(t.language),
        "contact_desk_id": _text(t.contact_id),
        "account_desk_id": _text(t.account_id),
        "department_desk_id": _text(t.department_id),
        "assignee_desk_id": _text(t.assignee_id),
        "team_desk_id": _text(t.team_id),
        "product_desk_id": _text(t.product_id),
        "resolution": _text(t.resolution),
        "due_date": t.due_date,
        "response_due_date": t.response_due_date,
        "customer_response_time": t.customer_response_time,
        "closed_time": t.closed_time,
        "created_time": t.created_time,
        "modified_time": t.modified_time,
        "is_over_due": _bool(t.is_over_due),
        "is_response_overdue": _bool(t.is_response_overdue),
        "is_escalated": _bool(t.is_escalated),
        "is_spam": _bool(t.is_spam),
        "thread_count": _int(t.thread_count),
        "comment_count": _int(t.comment_count),
        "attachment_count": _int(t.attachment_count),
        "cf": t.cf or {},
    }


def _contact_columns(c: desk.Contact) -> dict[str, Any]:
    return {
        "first_name": _text(c.first_name),
        "last_name": _text(c.last_name),
        "email": _text(c.email),
        "secondary_email": _text(c.secondary_email),
        "phone": _text(c.phone),
        "mobile": _text(c.mobile),
        "account_desk_id": _text(c.account_id),
        "title": _text(c.title),
        "type": _text(c.type),
        "description": _text(c.description),
        "owner_desk_id": _text(c.owner_id),
        "is_spam": _bool(c.is_spam),
        "city": _text(c.city),
        "country": _text(c.country),
        "cf": c.cf or {},
        "created_time": c.created_time,
        "modified_time": c.modified_time,
    }


def _account_columns(a: desk.Account) -> dict[str, Any]:
    return {
        "account_name": _text(a.account_name),
        "email": _text(a.email),
        "phone": _text(a.phone),
        "website": _text(a.website),
        "industry": _text(a.industry),
        "description": _text(a.description),
        "annual_revenue": a.annual_revenue,
        "number_of_employees": a.number_of_employees,
        "owner_desk_id": _text(a.owner_id),
        "city": _text(a.city),
        "country": _text(a.country),
        "cf": a.cf or {},
        "created_time": a.created_time,
        "modified_time": a.modified_time,
    }


def _department_columns(d: desk.Department) -> dict[str, Any]:
    return {
        "name": _text(d.name),
        "description": _text(d.description),
        "is_enabled": d.is_enabled if d.is_enabled is not None else True,
        "is_default": _bool(d.is_default),
        "created_time": d.created_time,
    }


def _agent_columns(a: desk.Agent) -> dict[str, Any]:
    return {
        "first_name": _text(a.first_name),
        "last_name": _text(a.last_name),
        "name": _text(a.name) or a.display_name,
        "email": _text(a.email),
        "phone": _text(a.phone),
        "mobile": _text(a.mobile),
        "role_id": _text(a.role_id),
        "role_name": _text(a.role_name),
        "profile_id": _text(a.profile_id),
        "status": _text(a.status),
        "is_confirmed": a.is_confirmed,
        "associated_department_ids": [str(i) for i in a.associated_department_ids or []],
        "created_time": a.created_time,
    }


def _team_columns(t: desk.Team) -> dict[str, Any]:
    members = t.member_ids if t.member_ids is not None else t.extra.get("members")
    return {
        "name": _text(t.name),
        "description": _text(t.description),
        "department_desk_id": _text(t.department_id),
        "member_ids": [str(m) for m in members or []],
    }


def _sla_columns(p: desk.SlaPolicy) -> dict[str, Any]:
    targets = p.extra.get("targets")
    return {
        "name": _text(p.name),
        "description": _text(p.description),
        "department_desk_id": _text(p.department_id),
        "is_default": _bool(p.is_default),
        "is_active": p.is_active if p.is_active is not None else True,
        "targets": targets if isinstance(targets, dict) else {},
    }


def _thread_columns(t: desk.Thread) -> dict[str, Any]:
    author = t.author or desk.Author()
    return {
        "channel": _text(t.channel),
        "direction": _text(t.direction),
        "status": _text(t.status),
        "visibility": _text(t.visibility),
        "from_email_address": _text(t.from_email_address),
        "to": _text(t.to),
        "cc": _text(t.cc),
        "bcc": _text(t.bcc),
        "subject": _text(t.subject),
        "summary": _text(t.summary),
        "content": t.content,
        "content_type": _text(t.content_type),
        "has_attach": _bool(t.has_attach),
        "attachment_count": _int(t.attachment_count),
        "author_desk_id": _text(author.id),
        "author_name": _text(author.name or " ".join(p for p in (author.first_name, author.last_name) if p)),
        "author_email": _text(author.email),
        "author_type": _text(author.type),
        "created_time": t.created_time,
    }


def _comment_columns(c: desk.Comment) -> dict[str, Any]:
    commenter = c.commenter or desk.Author()
    return {
        "content": _text(c.content),
        "content_type": _text(c.content_type),
        "is_public": _bool(c.is_public),
        "commenter_desk_id": _text(c.commenter_id or commenter.id),
        "commenter_name": _text(commenter.name),
        "commented_time": c.commented_time,
        "modified_time": c.modified_time,
    }


def _attachment_columns(a: desk.Attachment) -> dict[str, Any]:
    return {
        "thread_desk_id": _text(a.extra.get("thread_id")),
        "name": _text(a.name),
        "size": a.size,
        "content_type": _text(a.content_type),
        "is_public": _bool(a.is_public),
        "creator_desk_id": _text(a.creator_id or (a.creator.id if a.creator else None)),
        "href": _text(a.href),
        "created_time": a.created_time,
    }


def _modified(obj: desk.DeskObject) -> datetime | None:
    value = getattr(obj, "modified_time", None)
    if value is None:
        value = _time(obj.extra.get("modified_time"))
    return value


@dataclass(frozen=True)
class EntitySpec:
    name: str
    model: Any  # a MirrorModel subclass
    desk_type: type[desk.DeskObject]
    columns: Callable[[Any], dict[str, Any]]


SPECS: dict[str, EntitySpec] = {
    spec.name: spec
    for spec in (
        EntitySpec("tickets", Ticket, desk.Ticket, _ticket_columns),
        EntitySpec("contacts", Contact, desk.Contact, _contact_columns),
        EntitySpec("accounts", Account, desk.Account, _account_columns),
        EntitySpec("departments", Department, desk.Department, _department_columns),
        EntitySpec("agents", Agent, desk.Agent, _agent_columns),
        EntitySpec("teams", Team, desk.Team, _team_columns),
        EntitySpec("sla_policies", SlaPolicy, desk.SlaPolicy, _sla_columns),
        EntitySpec("threads", TicketThread, desk.Thread, _thread_columns),
        EntitySpec("comments", TicketComment, desk.Comment, _comment_columns),
        EntitySpec("attachments", TicketAttachment, desk.Attachment, _attachment_columns),
    )
}


def _fit(model: Any, values: dict[str, Any]) -> dict[str, Any]:
    """Cut text to its column's length: Desk may send more than a column holds; a sync must not fail on it."""
    for name, value in values.items():
        max_length = getattr(model._meta.get_field(name), "max_length", None)
        if max_length and isinstance(value, str) and len(value) > max_length:
            values[name] = value[:max_length]
    return values


# --- the one apply function ---------------------------------------------------------------------------
def apply_objects(
    connection: Any, entity: str, items: Iterable[DeskItem], *, parent: dict[str, Any] | None = None
) -> ApplyResult:
    """Upsert Desk objects of one entity into the connection's mirror, order-safe and idempotent.

    ``parent`` gives fixed column values (``{"ticket": ticket}`` for threads, comments, attachments).
    """
    spec = SPECS[entity]
    batch: dict[str, dict[str, Any]] = {}
    for item in items:
        raw = _as_raw(item)
        desk_id = _text(raw.get("id"))
        if not desk_id:
            continue
        # The same object twice in one batch (a page shifted under us): keep the newer one.
        previous = batch.get(desk_id)
        if previous is None or (_modified_raw(spec, raw) or _EPOCH) >= (
            _modified_raw(spec, previous) or _EPOCH
        ):
            batch[desk_id] = raw
    if not batch:
        return ApplyResult()
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                return _apply_batch(connection, spec, batch, parent or {})
        except IntegrityError:
            # Another process inserted one of these rows between our SELECT and INSERT: once more, the
            # rows now exist and take the update path.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _modified_raw(spec: EntitySpec, raw: dict[str, Any]) -> datetime | None:
    return _time(raw.get("modifiedTime"))


def _apply_batch(
    connection: Any, spec: EntitySpec, batch: dict[str, dict[str, Any]], parent: dict[str, Any]
) -> ApplyResult:
    model = spec.model
    result = ApplyResult(desk_ids=list(batch))
    existing = {
        row.desk_id: row
        for row in model.objects.select_for_update().filter(connection=connection, desk_id__in=list(batch))
    }
    now = timezone.now()
    to_create: list[Any] = []
    to_update: list[Any] = []
    for desk_id, raw in batch.items():
        row = existing.get(desk_id)
        if row is None:
            obj = spec.desk_type.from_desk(raw)
            row = model(
                connection=connection,
                desk_id=desk_id,
                raw=raw,
                desk_modified_time=_modified(obj),
                **parent,
                **_fit(model, spec.columns(obj)),
            )
            row.synced_at = now
            to_create.append(row)
            continue
        merged = {**(row.raw or {}), **raw}
        obj = spec.desk_type.from_desk(merged)
        incoming, stored = _modified(obj), row.desk_modified_time
        if incoming is not None and stored is not None and incoming < stored:
            result.stale += 1
            continue
        if row.is_deleted and incoming is not None and stored is not None and incoming <= stored:
            result.stale += 1  # deleted after this version: only a newer one may bring it back
            continue
        if merged == row.raw and not row.is_deleted:
            result.unchanged += 1
            continue
        for name, value in _fit(model, spec.columns(obj)).items():
            setattr(row, name, value)
        for name, value in parent.items():
            setattr(row, name, value)
        row.raw = merged
        row.desk_modified_time = incoming or stored
        row.is_deleted = False
        row.synced_at = now
        to_update.append(row)
    _before_save(connection, spec, to_create + to_update)
    if to_create:
        model.objects.bulk_create(to_create, batch_size=500)
    if to_update:
        fields = [*spec.columns(spec.desk_type()).keys(), *parent.keys(), "raw", "desk_modified_time"]
        fields += ["is_deleted", "synced_at", *_EXTRA_UPDATE_FIELDS.get(spec.name, ())]
        model.objects.bulk_update(to_update, fields=fields, batch_size=500)
    result.created, result.updated = len(to_create), len(to_update)
    result.changed_ids = [row.desk_id for row in to_create + to_update]
    _after_save(connection, spec, to_create + to_update)
    return result


_EXTRA_UPDATE_FIELDS = {"tickets": ("search_text",)}


def _before_save(connection: Any, spec: EntitySpec, rows: Sequence[Any]) -> None:
    if spec.name == "tickets" and rows:
        contact_ids = {row.contact_desk_id for row in rows if row.contact_desk_id}
        contacts = {
            c.desk_id: c
            for c in Contact.objects.filter(connection=connection, desk_id__in=contact_ids).only(
                "desk_id", "first_name", "last_name", "email"
            )
        }
        for row in rows:
            row.search_text = ticket_search_text(row, contacts.get(row.contact_desk_id))


def _after_save(connection: Any, spec: EntitySpec, rows: Sequence[Any]) -> None:
    if spec.name == "contacts" and rows:
        # A contact's name or email is searchable on its tickets: refresh those tickets' search text.
        contacts = {row.desk_id: row for row in rows}
        tickets = list(
            Ticket.objects.filter(connection=connection, contact_desk_id__in=list(contacts)).only(
                "id", "description", "email", "contact_desk_id", "conversation_text", "search_text"
            )
        )
        changed = []
        for ticket in tickets:
            text = ticket_search_text(ticket, contacts.get(ticket.contact_desk_id))
            if text != ticket.search_text:
                ticket.search_text = text
                changed.append(ticket)
        Ticket.objects.bulk_update(changed, fields=["search_text"], batch_size=500)


def ticket_search_text(ticket: Ticket, contact: Contact | None) -> str:
    """What full-text search reads besides the subject: description, contact, conversation."""
    parts = [plain_text(ticket.description), ticket.email]
    if contact is not None:
        parts += [contact.first_name, contact.last_name, contact.email]
    parts.append(ticket.conversation_text)
    return " ".join(p for p in parts if p)


# --- deletions ------------------------------------------------------------------------------------------
def mirror_mark_deleted(connection: Any, entity: str, desk_ids: Iterable[str]) -> int:
    """Mark objects gone from Desk (trashed or deleted). Returns how many rows changed."""
    ids = [str(i) for i in desk_ids]
    if not ids:
        return 0
    model = SPECS[entity].model
    changed = 0
    for start in range(0, len(ids), 500):
        changed += model.objects.filter(
            connection=connection, desk_id__in=ids[start : start + 500], is_deleted=False
        ).update(is_deleted=True, synced_at=timezone.now())
    return changed


def mirror_mark_absent_deleted(connection: Any, entity: str, present_ids: set[str]) -> int:
    """After walking every object of an entity: whatever the mirror has beyond ``present_ids`` is gone."""
    model = SPECS[entity].model
    mirrored = set(
        model.objects.filter(connection=connection, is_deleted=False).values_list("desk_id", flat=True)
    )
    return mirror_mark_deleted(connection, entity, mirrored - present_ids)


# --- the named entry points other apps call -------------------------------------------------------------
def mirror_apply_ticket(connection: Any, desk_ticket: DeskItem) -> ApplyResult:
    """Apply one ticket (from a write's answer, a webhook payload, or a GET) to the mirror."""
    return apply_objects(connection, "tickets", [desk_ticket])


def mirror_apply_tickets(connection: Any, desk_tickets: Iterable[DeskItem]) -> ApplyResult:
    return apply_objects(connection, "tickets", desk_tickets)


def mirror_apply_contact(connection: Any, desk_contact: DeskItem) -> ApplyResult:
    return apply_objects(connection, "contacts", [desk_contact])


def mirror_apply_account(connection: Any, desk_account: DeskItem) -> ApplyResult:
    return apply_objects(connection, "accounts", [desk_account])


def mirror_apply_agent(connection: Any, desk_agent: DeskItem) -> ApplyResult:
    return apply_objects(connection, "agents", [desk_agent])


def mirror_apply_department(connection: Any, desk_department: DeskItem) -> ApplyResult:
    return apply_objects(connection, "departments", [desk_department])


def mirror_apply_team(connection: Any, desk_team: DeskItem) -> ApplyResult:
    return apply_objects(connection, "teams", [desk_team])
