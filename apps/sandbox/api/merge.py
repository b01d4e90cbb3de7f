"""Desk API mergeTicket (Ticket.json): POST /tickets/{ticketId}/merge {"ids": [...], "source": {...}}.

The tickets in ``ids`` are merged into ``{ticketId}``: their threads, comments, attachments, tags and
followers move to it, and they leave the org (deleted, not in the Recycle Bin: a GET answers 404). ``source``
(mergeFieldJson) names, per field, the ticket whose value the merged ticket keeps; a field not named keeps
the target's own value. The answer is the merged ticket (ticketResponse).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse

from apps.sandbox import models as m
from apps.sandbox import webhooks_out
from apps.sandbox.api import common as c
from apps.sandbox.api.serializers import ticket_json
from apps.sandbox.api.tickets import UPDATE, _tickets
from apps.sandbox.contract import (
    DeskAPIError,
    desk_endpoint,
    desk_json,
    desk_object_or_404,
    field_error,
    read_json_body,
)

# "A maximum of 5 tickets can be merged at a time" (Ticket.json mergeTicket): the target and 4 others.
MAX_TICKETS = 5
# mergeFieldJson's keys, each a ticket id, mapped to the sandbox's ticket attributes they carry over.
# productId, secondaryContacts and entitySkills are accepted but the sandbox keeps none of them.
SOURCE_FIELDS: dict[str, tuple[str, ...]] = {
    "subject": ("subject",),
    "description": ("description",),
    "status": ("status", "status_type", "closed_time"),
    "priority": ("priority",),
    "channel": ("channel",),
    "classification": ("classification",),
    "category": ("category",),
    "subCategory": ("sub_category",),
    "language": ("language",),
    "phone": ("phone",),
    "email": ("email",),
    "resolution": ("resolution",),
    "contactId": ("contact_id", "account_id"),
    "assigneeId": ("assignee_id",),
    "dueDate": ("due_date",),
    "productId": (),
    "secondaryContacts": (),
    "entitySkills": (),
}
CUSTOM_FIELD_MAPS = ("cf", "customFields")


def _id(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    try:
        number = int(str(value))
    except ValueError:
        return None
    return number if number > 0 else None


def _source(data: dict[str, Any], allowed: set[int], errors: c.FieldErrors) -> dict[str, Any]:
    """The body's ``source`` checked: known keys only, each value the id of one of the merged tickets."""
    source = data.get("source")
    if source is None:
        return {}
    if not isinstance(source, dict):
        errors.add("source", "The field 'source' must be an object.")
        return {}
    picked: dict[str, Any] = {}
    for key, value in source.items():
        if key in CUSTOM_FIELD_MAPS:
            if not isinstance(value, dict):
                errors.add(f"source/{key}", f"The field 'source.{key}' must be an object.")
                continue
            names: dict[str, int] = {}
            for name, raw in value.items():
                number = _id(raw)
                if number is None or number not in allowed:
                    errors.add(
                        f"source/{key}/{name}", "The value must be the id of one of the merged tickets."
                    )
                else:
                    names[str(name)] = number
            picked[key] = names
        elif key not in SOURCE_FIELDS:
            errors.add(f"source/{key}", f"An extra field '{key}' is found.")
        else:
            number = _id(value)
            if number is None or number not in allowed:
                errors.add(f"source/{key}", "The value must be the id of one of the merged tickets.")
            else:
                picked[key] = number
    return picked


@desk_endpoint(scopes=UPDATE, params=set(), methods=("POST",))
def ticket_merge(request: HttpRequest, ticket_id: str) -> HttpResponse:
    org: m.Org = request.sandbox_org  # type: ignore[attr-defined]
    target = desk_object_or_404(_tickets(org), ticket_id, what="ticket")
    data = read_json_body(request)
    errors = c.FieldErrors()
    c.reject_unknown_fields(data, {"ids", "source"}, errors)
    ids = c.id_list(data, "ids", errors)
    if ids and len(set(ids)) != len(ids):
        errors.add("ids", "The field 'ids' lists a ticket more than once.", error_type="duplicate")
    if target.pk in ids:
        errors.add("ids", "A ticket cannot be merged into itself.")
    if len(set(ids)) + 1 > MAX_TICKETS:
        errors.add("ids", f"At most {MAX_TICKETS} tickets can be merged at a time.")
    source = _source(data, {target.pk, *ids}, errors)
    errors.raise_if_any()
    others = {t.pk: t for t in _tickets(org).filter(pk__in=ids)}
    missing = [i for i in ids if i not in others]
    if missing:
        message = f"No ticket with id {missing[0]}."
        raise DeskAPIError(422, "INVALID_DATA", message, errors=[field_error("ids", "invalid", message)])
    by_id = {target.pk: target, **others}
    previous = ticket_json(target)
    for key, attributes in SOURCE_FIELDS.items():
        chosen = by_id.get(source.get(key, target.pk))
        if chosen is None or chosen is target:
            continue
        for attribute in attributes:
            setattr(target, attribute, getattr(chosen, attribute))
    for key in CUSTOM_FIELD_MAPS:
        for name, number in source.get(key, {}).items():
            target.cf = {**(target.cf or {}), name: (by_id[number].cf or {}).get(name)}
    source_id = c.source_id(request)
    with transaction.atomic(using=m.SANDBOX_DB):
        merged = list(others.values())
        merged_ids = [t.pk for t in merged]
        m.Thread.objects.filter(ticket_id__in=merged_ids).update(ticket=target)
        m.Comment.objects.filter(ticket_id__in=merged_ids).update(ticket=target)
        m.Attachment.objects.filter(ticket_id__in=merged_ids).update(ticket=target)
        for tag in m.TicketTag.objects.filter(tickets__in=merged_ids).distinct():
            tag.tickets.add(target)
        following = set(m.TicketFollower.objects.filter(ticket=target).values_list("agent_id", flat=True))
        for follower in m.TicketFollower.objects.filter(ticket_id__in=merged_ids).order_by("id"):
            if follower.agent_id not in following:
                m.TicketFollower.objects.create(ticket=target, agent_id=follower.agent_id)
                following.add(follower.agent_id)
        target.thread_count = m.Thread.objects.filter(ticket=target).count()
        target.comment_count = m.Comment.objects.filter(ticket=target).count()
        target.attachment_count = m.Attachment.objects.filter(ticket=target).count()
        customer_times = [t.customer_response_time for t in (target, *merged) if t.customer_response_time]
        target.customer_response_time = max(customer_times) if customer_times else None
        target.modified_time = c.now()
        target.modified_by = c.actor_id(request)
        target.save()
        for ticket in merged:
            gone = ticket_json(ticket)
            ticket.delete()
            webhooks_out.emit(org=org, event_type="Ticket_Delete", payload=gone, source_id=source_id)
        webhooks_out.emit(
            org=org,
            event_type="Ticket_Update",
            payload=ticket_json(target),
            prev_state=previous,
            source_id=source_id,
        )
    return desk_json(ticket_json(target))
