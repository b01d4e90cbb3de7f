"""Desk API conversation operations: threads (summaries and full content), sendReply, and comments."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse

from apps.sandbox import models as m
from apps.sandbox import webhooks_out
from apps.sandbox.api import common as c
from apps.sandbox.api.serializers import attachment_json, comment_json, thread_json
from apps.sandbox.api.tickets import READ, UPDATE, _summary
from apps.sandbox.contract import (
    DeskAPIError,
    desk_endpoint,
    desk_json,
    desk_list,
    desk_no_content,
    desk_object_or_404,
    read_json_body,
)

REPLY_FIELDS = {
    "channel",
    "to",
    "from",
    "fromEmailAddress",
    "cc",
    "bcc",
    "subject",
    "content",
    "contentType",
    "attachmentIds",
    "isForward",
    "inReplyToThreadId",
}
COMMENT_FIELDS = {"content", "contentType", "isPublic", "attachmentIds"}
CONTENT_TYPES = ("html", "plainText")


def _ticket(request: HttpRequest, ticket_id: str) -> m.Ticket:
    org = request.sandbox_org  # type: ignore[attr-defined]
    return desk_object_or_404(m.Ticket.objects.filter(org=org, is_trashed=False), ticket_id, what="ticket")


def _base_url(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


# -- threads ----------------------------------------------------------------------------------------


@desk_endpoint(scopes=READ, params={"from", "limit", "sortBy"})
def threads_list(request: HttpRequest, ticket_id: str) -> HttpResponse:
    ticket = _ticket(request, ticket_id)
    queryset = c.sort_queryset(
        m.Thread.objects.filter(ticket=ticket),
        request,
        fields={"createdTime": "created_time"},
        default="-createdTime",
    )
    return desk_list([thread_json(t) for t in c.page(queryset, request, default_limit=50)])


@desk_endpoint(scopes=READ, params={"include"})
def thread_get(request: HttpRequest, ticket_id: str, thread_id: str) -> HttpResponse:
    ticket = _ticket(request, ticket_id)
    thread = desk_object_or_404(m.Thread.objects.filter(ticket=ticket), thread_id, what="thread")
    include = set(c.csv_param(request, "include"))
    if include - {"plainText"}:
        raise c.invalid_param("include")
    base = _base_url(request)
    attachments = [attachment_json(a, base_url=base) for a in m.Attachment.objects.filter(thread=thread)]
    return desk_json(
        thread_json(thread, full=True, attachments=attachments, plain_text="plainText" in include)
    )


def _addresses(value: Any, name: str, errors: c.FieldErrors, *, required: bool = False) -> str:
    """A comma-separated address list (or a JSON list), each address checked."""
    if value in (None, "", []):
        if required:
            errors.missing(name)
        return ""
    items = value if isinstance(value, list) else str(value).split(",")
    cleaned = [str(item).strip() for item in items if str(item).strip()]
    for item in cleaned:
        address = item.split("<")[-1].rstrip(">").strip()
        if not c.EMAIL_RE.match(address):
            errors.add(name, f"The field '{name}' has an invalid email address: {item}.")
            return ""
    return ",".join(cleaned)


@desk_endpoint(scopes=UPDATE + ("Desk.tickets.CREATE",), params=set())
def send_reply(request: HttpRequest, ticket_id: str) -> HttpResponse:
    """POST /tickets/{id}/sendReply, with the seed's `from` or the real `fromEmailAddress`."""
    org: m.Org = request.sandbox_org  # type: ignore[attr-defined]
    ticket = _ticket(request, ticket_id)
    data = read_json_body(request)
    errors = c.FieldErrors()
    c.reject_unknown_fields(data, REPLY_FIELDS, errors)
    channel = (c.text(data, "channel", errors, required=True) or "").upper()
    if channel and channel not in {"EMAIL", "FORUMS", "FACEBOOK", "TWITTER", "CHAT", "WEB"}:
        errors.add("channel", "The value of 'channel' is invalid.")
    from_field = "fromEmailAddress" if "fromEmailAddress" in data else "from"
    sender = c.email_field(data, from_field, errors, required=channel == "EMAIL")
    to = _addresses(data.get("to"), "to", errors, required=channel == "EMAIL")
    cc = _addresses(data.get("cc"), "cc", errors)
    bcc = _addresses(data.get("bcc"), "bcc", errors)
    content = c.text(data, "content", errors, required=True, max_length=1_000_000)
    content_type = c.choice(data, "contentType", CONTENT_TYPES, errors) or "html"
    is_forward = c.boolean(data, "isForward", errors) or False
    subject = c.text(data, "subject", errors, max_length=300)
    attachment_ids: list[int] = []
    if data.get("attachmentIds") not in (None, []):
        attachment_ids = c.id_list(data, "attachmentIds", errors)
    allowed = [a.lower() for a in ticket.department.email_addresses or []]
    if sender and allowed and sender.lower() not in allowed:
        errors.add(
            from_field,
            f"The address '{sender}' is not a support address of the ticket's department.",
            expectedValues=list(ticket.department.email_addresses),
        )
    attachments = list(m.Attachment.objects.filter(ticket=ticket, pk__in=attachment_ids))
    if len(attachments) != len(set(attachment_ids)):
        errors.add("attachmentIds", "An attachment id does not belong to this ticket.")
    errors.raise_if_any()
    agent = request.sandbox_agent  # type: ignore[attr-defined]
    now = c.now()
    with transaction.atomic(using=m.SANDBOX_DB):
        thread = m.Thread.objects.create(
            id=m.next_id(org),
            org=org,
            ticket=ticket,
            direction=m.Thread.Direction.OUT,
            channel=channel,
            from_email=sender or "",
            to=to,
            cc=cc,
            bcc=bcc,
            subject=subject or f"Re: {ticket.subject}",
            summary=_summary(content or ""),
            content=content or "",
            content_type=content_type,
            is_forward=is_forward,
            author_id=agent.pk if agent else None,
            author_type="AGENT",
            author_name=agent.name if agent else "",
            author_email=agent.email if agent else (sender or ""),
            attachment_count=len(attachments),
            created_time=now,
        )
        if attachments:
            m.Attachment.objects.filter(pk__in=[a.pk for a in attachments]).update(thread=thread)
        fields = {"thread_count": F("thread_count") + 1, "modified_time": now}
        if ticket.first_response_time is None:
            fields["first_response_time"] = now
        m.Ticket.objects.filter(pk=ticket.pk).update(**fields)
        webhooks_out.emit(
            org=org,
            event_type="Ticket_Thread_Add",
            payload=thread_json(thread, full=True),
            source_id=c.source_id(request),
        )
    return desk_json(thread_json(thread, full=True))


@desk_endpoint(scopes=READ, params={"from", "limit"})
def conversations_list(request: HttpRequest, ticket_id: str) -> HttpResponse:
    """Real Desk's GET /tickets/{id}/conversations: threads and comments together, oldest first,
    each marked with `type` ("thread" / "comment"); one call instead of two for a ticket page."""
    from apps.sandbox.contract import paging

    ticket = _ticket(request, ticket_id)
    items = [
        (t.created_time, t.pk, {**thread_json(t), "type": "thread"})
        for t in m.Thread.objects.filter(ticket=ticket)
    ]
    items += [(x.created_time, x.pk, {**comment_json(x), "type": "comment"}) for x in _comments(ticket)]
    items.sort(key=lambda item: (item[0], item[1]))
    offset, limit = paging(request, default_limit=50)
    return desk_list([item[2] for item in items[offset : offset + limit]])


# -- comments ---------------------------------------------------------------------------------------


def _comments(ticket: m.Ticket) -> QuerySet:
    return m.Comment.objects.filter(ticket=ticket)


@desk_endpoint(scopes=READ, params={"from", "limit", "sortBy", "include"})
def comments_list(request: HttpRequest, ticket_id: str) -> HttpResponse:
    ticket = _ticket(request, ticket_id)
    queryset = c.sort_queryset(
        _comments(ticket),
        request,
        fields={"commentedTime": "created_time", "createdTime": "created_time"},
        default="-commentedTime",
    )
    return desk_list([comment_json(x) for x in c.page(queryset, request, default_limit=50)])


@desk_endpoint(scopes=READ, params=set())
def comment_get(request: HttpRequest, ticket_id: str, comment_id: str) -> HttpResponse:
    ticket = _ticket(request, ticket_id)
    return desk_json(comment_json(desk_object_or_404(_comments(ticket), comment_id, what="comment")))


def _comment_fields(data: dict[str, Any], errors: c.FieldErrors, *, creating: bool) -> dict[str, Any]:
    c.reject_unknown_fields(data, COMMENT_FIELDS, errors)
    values: dict[str, Any] = {}
    if creating or "content" in data:
        values["content"] = c.text(data, "content", errors, required=True, max_length=100_000)
    if "contentType" in data:
        values["content_type"] = c.choice(data, "contentType", CONTENT_TYPES, errors)
    if "isPublic" in data:
        values["is_public"] = c.boolean(data, "isPublic", errors)
    return {key: value for key, value in values.items() if value is not None}


@desk_endpoint(scopes=UPDATE + ("Desk.tickets.CREATE",), params=set())
def comment_create(request: HttpRequest, ticket_id: str) -> HttpResponse:
    org: m.Org = request.sandbox_org  # type: ignore[attr-defined]
    ticket = _ticket(request, ticket_id)
    errors = c.FieldErrors()
    values = _comment_fields(read_json_body(request), errors, creating=True)
    errors.raise_if_any()
    agent = request.sandbox_agent  # type: ignore[attr-defined]
    now = c.now()
    with transaction.atomic(using=m.SANDBOX_DB):
        comment = m.Comment.objects.create(
            id=m.next_id(org),
            org=org,
            ticket=ticket,
            commenter_id=agent.pk if agent else None,
            commenter_name=agent.name if agent else "",
            commenter_type="AGENT",
            created_time=now,
            **values,
        )
        m.Ticket.objects.filter(pk=ticket.pk).update(comment_count=F("comment_count") + 1, modified_time=now)
        webhooks_out.emit(
            org=org,
            event_type="Ticket_Comment_Add",
            payload=comment_json(comment),
            source_id=c.source_id(request),
        )
    return desk_json(comment_json(comment))


@desk_endpoint(scopes=UPDATE, params=set())
def comment_update(request: HttpRequest, ticket_id: str, comment_id: str) -> HttpResponse:
    org: m.Org = request.sandbox_org  # type: ignore[attr-defined]
    ticket = _ticket(request, ticket_id)
    comment = desk_object_or_404(_comments(ticket), comment_id, what="comment")
    data = read_json_body(request)
    if not data:
        raise DeskAPIError(422, "INVALID_DATA", "No field to update was given.")
    errors = c.FieldErrors()
    values = _comment_fields(data, errors, creating=False)
    errors.raise_if_any()
    previous = comment_json(comment)
    now = c.now()
    with transaction.atomic(using=m.SANDBOX_DB):
        for key, value in values.items():
            setattr(comment, key, value)
        comment.modified_time = now
        comment.save()
        m.Ticket.objects.filter(pk=ticket.pk).update(modified_time=now)
        webhooks_out.emit(
            org=org,
            event_type="Ticket_Comment_Update",
            payload=comment_json(comment),
            prev_state=previous,
            source_id=c.source_id(request),
        )
    return desk_json(comment_json(comment))


@desk_endpoint(scopes=("Desk.tickets.DELETE", "Desk.tickets.UPDATE"), params=set())
def comment_delete(request: HttpRequest, ticket_id: str, comment_id: str) -> HttpResponse:
    ticket = _ticket(request, ticket_id)
    comment = desk_object_or_404(_comments(ticket), comment_id, what="comment")
    with transaction.atomic(using=m.SANDBOX_DB):
        comment.delete()
        m.Ticket.objects.filter(pk=ticket.pk, comment_count__gt=0).update(
            comment_count=F("comment_count") - 1, modified_time=c.now()
        )
    return desk_no_content()


comments_collection = c.by_method(GET=comments_list, POST=comment_create)
comment_item = c.by_method(GET=comment_get, PATCH=comment_update, DELETE=comment_delete)
