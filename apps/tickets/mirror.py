"""The tickets' mirror: how Desk's tickets, threads, comments, attachments and SLA policies map to our
tables, and the ``mirror_apply_*`` entry points writes, syncs and webhooks call.

Registered with ``apps.mirror`` in ``TicketsConfig.ready()``; the sync engine finds these entities there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db.models import F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Concat, NullIf, Trim

from apps.connections.models import DeskConnection
from apps.customers.models import Contact
from apps.desk import types as desk
from apps.mirror import apply as mirror
from apps.mirror.apply import ApplyResult, DeskItem, flag, moment, number, plain_text, text
from apps.mirror.models import MirrorModel
from apps.team.models import Agent, Department, Team
from apps.tickets import maintenance
from apps.tickets.models import SlaPolicy, Ticket, TicketAttachment, TicketComment, TicketTag, TicketThread

# The stored sort keys (``Ticket.priority_rank``, ``Ticket.number_value``): the queue's sorts walk their indexes.
PRIORITY_RANKS = {"low": 1, "medium": 2, "high": 3, "urgent": 4}


def priority_rank(priority: str) -> int:
    return PRIORITY_RANKS.get(priority.strip().lower(), 0)


def number_value(ticket_number: str) -> int:
    return (
        int(ticket_number)
        if ticket_number.isascii() and ticket_number.isdigit() and len(ticket_number) <= 18
        else 0
    )


def _ticket_columns(t: desk.Ticket) -> dict[str, Any]:
    return {
        "ticket_number": text(t.ticket_number),
        "priority_rank": priority_rank(text(t.priority)),
        "number_value": number_value(text(t.ticket_number)),
        "subject": text(t.subject),
        "description": text(t.description),
        "status": text(t.status),
        "status_type": text(t.status_type),
        "priority": text(t.priority),
        "channel": text(t.channel),
        "classification": text(t.classification),
        "category": text(t.category),
        "sub_category": text(t.sub_category),
        "email": text(t.email),
        "phone": text(t.phone),
        "language": text(t.language),
        "contact_desk_id": text(t.contact_id),
        "account_desk_id": text(t.account_id),
        "department_desk_id": text(t.department_id),
        "assignee_desk_id": text(t.assignee_id),
        "team_desk_id": text(t.team_id),
        "product_desk_id": text(t.product_id),
        "resolution": text(t.resolution),
        "due_date": t.due_date,
        "response_due_date": t.response_due_date,
        "customer_response_time": t.customer_response_time,
        "closed_time": t.closed_time,
        "created_time": t.created_time,
        "modified_time": t.modified_time,
        "is_over_due": flag(t.is_over_due),
        "is_response_overdue": flag(t.is_response_overdue),
        "is_escalated": flag(t.is_escalated),
        "is_spam": flag(t.is_spam),
        "thread_count": number(t.thread_count),
        "comment_count": number(t.comment_count),
        "attachment_count": number(t.attachment_count),
        "cf": t.cf or {},
    }


def _sla_columns(p: desk.SlaPolicy) -> dict[str, Any]:
    targets = p.extra.get("targets")
    return {
        "name": text(p.name),
        "description": text(p.description),
        "department_desk_id": text(p.department_id),
        "is_default": flag(p.is_default),
        "is_active": p.is_active if p.is_active is not None else True,
        "targets": targets if isinstance(targets, dict) else {},
    }


def _thread_columns(t: desk.Thread) -> dict[str, Any]:
    author = t.author or desk.Author()
    return {
        "channel": text(t.channel),
        "direction": text(t.direction),
        "status": text(t.status),
        "visibility": text(t.visibility),
        "from_email_address": text(t.from_email_address),
        "to": text(t.to),
        "cc": text(t.cc),
        "bcc": text(t.bcc),
        "subject": text(t.subject),
        "summary": text(t.summary),
        "content": t.content,
        "content_type": text(t.content_type),
        "has_attach": flag(t.has_attach),
        "attachment_count": number(t.attachment_count),
        "author_desk_id": text(author.id),
        "author_name": text(author.name or " ".join(p for p in (author.first_name, author.last_name) if p)),
        "author_email": text(author.email),
        "author_type": text(author.type),
        "created_time": t.created_time,
    }


def _comment_columns(c: desk.Comment) -> dict[str, Any]:
    commenter = c.commenter or desk.Author()
    return {
        "content": text(c.content),
        "content_type": text(c.content_type),
        "is_public": flag(c.is_public),
        "commenter_desk_id": text(c.commenter_id or commenter.id),
        "commenter_name": text(commenter.name),
        "commented_time": c.commented_time,
        "modified_time": c.modified_time,
    }


def _attachment_columns(a: desk.Attachment) -> dict[str, Any]:
    return {
        "thread_desk_id": text(a.extra.get("thread_id")),
        "name": text(a.name),
        "size": a.size,
        "content_type": text(a.content_type),
        "is_public": flag(a.is_public),
        "creator_desk_id": text(a.creator_id or (a.creator.id if a.creator else None)),
        "href": text(a.href),
        "created_time": a.created_time,
    }


def ticket_search_text(ticket: Ticket, contact: Contact | None) -> str:
    """What full-text search reads besides the subject: description, contact, tags, conversation."""
    parts = [plain_text(ticket.description), ticket.email, *(ticket.tags or [])]
    if contact is not None:
        parts += [contact.first_name, contact.last_name, contact.email]
    parts.append(ticket.conversation_text)
    return " ".join(p for p in parts if p)


def _earlier(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)


def _tickets_before_save(connection: DeskConnection, rows: Sequence[Ticket]) -> None:
    for row in rows:
        # Desk's ``responseTime`` (when a payload carries it) or the earliest reply the conversation gave.
        raw = row.raw or {}
        row.first_response_at = _earlier(
            row.first_response_at, moment(raw.get("responseTime") or raw.get("firstResponseTime"))
        )
    contact_ids = {row.contact_desk_id for row in rows if row.contact_desk_id}
    contacts = {
        c.desk_id: c
        for c in Contact.objects.filter(connection=connection, desk_id__in=contact_ids).only(
            "desk_id", "first_name", "last_name", "email"
        )
    }
    names = {
        key: _names_of(connection, model, {getattr(row, id_field) for row in rows})
        for key, (model, id_field) in NAME_KEYS.items()
        if model is not Contact
    }
    names["contact_name"] = {desk_id: contact.display_name for desk_id, contact in contacts.items()}
    for row in rows:
        row.search_text = ticket_search_text(row, contacts.get(row.contact_desk_id))
        for key, (_model, id_field) in NAME_KEYS.items():
            setattr(row, key, _fit_name(names[key].get(getattr(row, id_field))))


# The stored name keys the name sorts walk (``Ticket.assignee_name`` …): the name the queue shows for the
# record a ticket points at (the model's ``__str__``), NULL when the mirror has none. Set on apply, and again
# on the ticket rows of an agent, team, department or contact when it is saved (renamed).
NAME_KEYS: dict[str, tuple[type[MirrorModel], str]] = {
    "assignee_name": (Agent, "assignee_desk_id"),
    "team_name": (Team, "team_desk_id"),
    "department_name": (Department, "department_desk_id"),
    "contact_name": (Contact, "contact_desk_id"),
}
_NAME_LENGTH = 200


def _fit_name(name: str | None) -> str | None:
    return name[:_NAME_LENGTH] if name else None


def _names_of(connection: DeskConnection, model: type[MirrorModel], desk_ids: set[str]) -> dict[str, str]:
    desk_ids.discard("")
    if not desk_ids:
        return {}
    return {
        str(row.desk_id): str(row)
        for row in model._default_manager.filter(connection=connection, desk_id__in=desk_ids)
    }


def _shown_name_sql(model: type[MirrorModel]) -> Coalesce:
    """The name as SQL, as ``str(record)`` gives it."""
    if model is Contact:
        full = Trim(Concat(F("first_name"), Value(" "), F("last_name")))
        return Coalesce(NullIf(full, Value("")), NullIf(F("email"), Value("")), F("desk_id"))
    fallbacks = [NullIf(F("email"), Value(""))] if model is Agent else []
    return Coalesce(NullIf(F("name"), Value("")), *fallbacks, F("desk_id"))


def refresh_sort_names(connection: DeskConnection) -> int:
    """Set every ticket's stored name keys from the mirror in one statement (after a bulk load that skipped
    the apply, e.g. a bench's seed). How many tickets were updated."""
    updates = {}
    for key, (model, id_field) in NAME_KEYS.items():
        named = model._default_manager.filter(connection=OuterRef("connection"), desk_id=OuterRef(id_field))
        updates[key] = Subquery(named.annotate(shown=_shown_name_sql(model)).values("shown")[:1])
    return Ticket.objects.filter(connection=connection).update(**updates)


def _names_saved(key: str) -> Callable[[DeskConnection, Sequence[Any]], None]:
    """Listener for saved agents / teams / departments / contacts: the live tickets that point at a record
    whose shown name changed get the new name key (one indexed UPDATE per renamed record)."""
    _model, id_field = NAME_KEYS[key]

    def saved(connection: DeskConnection, rows: Sequence[Any]) -> None:
        for row in rows:
            name = _fit_name(str(row))
            Ticket.objects.filter(connection=connection, is_deleted=False, **{id_field: row.desk_id}).exclude(
                **{key: name}
            ).update(**{key: name})

    saved.__name__ = f"tickets_{key}_saved"
    return saved


_NAME_ENTITIES = {Agent: "agents", Team: "teams", Department: "departments", Contact: "contacts"}
_NAME_LISTENERS = {key: _names_saved(key) for key in NAME_KEYS}


def _threads_saved(connection: DeskConnection, rows: Sequence[TicketThread]) -> None:
    """An outgoing thread is a reply: the ticket's ``first_response_at`` is the earliest one (or earlier)."""
    firsts: dict[int, datetime] = {}
    for row in rows:
        if row.direction == "out" and row.created_time is not None and not row.is_deleted:
            firsts[row.ticket_id] = _earlier(firsts.get(row.ticket_id), row.created_time) or row.created_time
    for ticket_id, first in firsts.items():
        Ticket.objects.filter(pk=ticket_id).filter(
            Q(first_response_at__isnull=True) | Q(first_response_at__gt=first)
        ).update(first_response_at=first)


def _contacts_saved(connection: DeskConnection, rows: Sequence[Contact]) -> None:
    """A contact's name or email is searchable on its tickets: refresh those tickets' search text."""
    contacts = {row.desk_id: row for row in rows}
    tickets = list(
        Ticket.objects.filter(connection=connection, contact_desk_id__in=list(contacts)).only(
            "id", "description", "email", "contact_desk_id", "conversation_text", "search_text", "tags"
        )
    )
    changed = []
    for ticket in tickets:
        search_text = ticket_search_text(ticket, contacts.get(ticket.contact_desk_id))
        if search_text != ticket.search_text:
            ticket.search_text = search_text
            changed.append(ticket)
    Ticket.objects.bulk_update(changed, fields=["search_text"], batch_size=500)


def register() -> None:
    """Called from TicketsConfig.ready()."""
    for spec in (
        mirror.MirrorEntity(
            "tickets",
            Ticket,
            desk.Ticket,
            _ticket_columns,
            before_save=_tickets_before_save,
            extra_update_fields=("search_text", "first_response_at", *NAME_KEYS),
        ),
        mirror.MirrorEntity("sla_policies", SlaPolicy, desk.SlaPolicy, _sla_columns),
        mirror.MirrorEntity("threads", TicketThread, desk.Thread, _thread_columns),
        mirror.MirrorEntity("comments", TicketComment, desk.Comment, _comment_columns),
        mirror.MirrorEntity("attachments", TicketAttachment, desk.Attachment, _attachment_columns),
    ):
        mirror.register(spec)
    mirror.on_saved("contacts", _contacts_saved)
    for key, listener in _NAME_LISTENERS.items():
        mirror.on_saved(_NAME_ENTITIES[NAME_KEYS[key][0]], listener)
    mirror.on_saved("threads", _threads_saved)
    # Planner statistics after an initial sync or a large apply (apps/tickets/maintenance.py).
    mirror.on_saved("tickets", maintenance.tickets_saved)


# --- the named entry points -----------------------------------------------------------------------------
def mirror_apply_ticket(connection: DeskConnection, desk_ticket: DeskItem) -> ApplyResult:
    """Apply one ticket (from a write's answer, a webhook payload, or a GET) to the mirror."""
    return mirror.apply_objects(connection, "tickets", [desk_ticket])


def mirror_apply_tickets(connection: DeskConnection, desk_tickets: Iterable[DeskItem]) -> ApplyResult:
    return mirror.apply_objects(connection, "tickets", desk_tickets)


def mirror_apply_conversation(
    connection: DeskConnection, ticket: Ticket, entity: str, items: Iterable[DeskItem]
) -> ApplyResult:
    """Apply a ticket's threads, comments or attachments (``entity``) to the mirror, under that ticket."""
    return mirror.apply_objects(connection, entity, items, parent={"ticket": ticket})


def tag_names(names: Iterable[str]) -> list[str]:
    """Tag names as the mirror keeps them: stripped, once each (case-insensitively), sorted."""
    unique: dict[str, str] = {}
    for name in names:
        name = (name or "").strip()
        if name:
            unique.setdefault(name.lower(), name)
    return sorted(unique.values(), key=str.lower)


def mirror_set_ticket_tags(ticket: Ticket, names: Iterable[str]) -> Ticket:
    """The ticket's tags are ``names`` (Desk's answer): its list, the filter's rows and its search text."""
    tags = tag_names(names)
    ticket.tags = tags
    contact = Contact.objects.filter(connection=ticket.connection, desk_id=ticket.contact_desk_id).first()
    ticket.search_text = ticket_search_text(ticket, contact)
    Ticket.objects.filter(pk=ticket.pk).update(tags=tags, search_text=ticket.search_text)
    keys = {name.lower(): name for name in tags}
    TicketTag.objects.filter(ticket=ticket).exclude(key__in=list(keys)).delete()
    have = set(TicketTag.objects.filter(ticket=ticket).values_list("key", flat=True))
    TicketTag.objects.bulk_create(
        [
            TicketTag(connection=ticket.connection, ticket=ticket, name=name, key=key)
            for key, name in keys.items()
            if key not in have
        ],
        ignore_conflicts=True,
    )
    return ticket


def mirror_set_ticket_followers(
    ticket: Ticket, followers: Iterable[desk.Follower | dict[str, str]]
) -> Ticket:
    """The ticket's followers are ``followers`` (Desk's list, or the console's own change): [{id, name}]."""
    rows: dict[str, dict[str, str]] = {}
    for follower in followers:
        if isinstance(follower, dict):
            rows[str(follower["id"])] = {"id": str(follower["id"]), "name": str(follower.get("name", ""))}
            continue
        name = " ".join(p for p in (follower.first_name, follower.last_name) if p) or follower.email or ""
        rows[str(follower.id)] = {"id": str(follower.id), "name": name}
    ticket.followers = sorted(rows.values(), key=lambda f: f["name"].lower())
    Ticket.objects.filter(pk=ticket.pk).update(followers=ticket.followers)
    return ticket


def mirror_mark_deleted(connection: DeskConnection, entity: str, desk_ids: Iterable[str]) -> int:
    """Mark tickets or conversation objects (``entity``) gone from Desk."""
    return mirror.mark_deleted(connection, entity, desk_ids)


__all__ = [
    "ApplyResult",
    "mirror_apply_conversation",
    "mirror_apply_ticket",
    "mirror_apply_tickets",
    "mirror_mark_deleted",
    "mirror_set_ticket_followers",
    "mirror_set_ticket_tags",
    "tag_names",
    "ticket_search_text",
]
