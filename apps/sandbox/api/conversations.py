"""Desk API conversation operations as Thread.json and TicketComment.json describe them: threads
(summaries and full content), conversations, sendReply, and comments."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse

from apps.sandbox import models as m
from apps.sandbox import webhooks_out
from apps.sandbox.api import common as c
from apps.sandbox.api.serializers import API_PREFIX, attachment_json, comment_json, thread_json
from apps.sandbox.api.tickets import READ, UPDATE, _status, _summary, reference_forms
from apps.sandbox.contract import (
    desk_endpoint,
    desk_json,
    desk_list,
    desk_object_or_404,
    read_json_body,
)

# Thread.json emailThreadSendReply = commonSendReplyJson + the email keys.
REPLY_FIELDS = {
    "channel",
    "content",
    "contentType",
    "isPrivate",
    "inReplyToThreadId",
    "uploads",
    "direction",
    "cc",
    "bcc",
    "hasAttach",
    "sendAsEmailMode",
    "layoutId",
    "cf",
    "ticketStatus",
    "attachmentIds",
    "to",
    "fromEmailAddress",
    "isForward",
}
# The reference document's reply form (`from`, `subject`) only with SANDBOX_REFERENCE_FORMS.
REFERENCE_REPLY_FIELDS = {"from", "subject"}
REPLY_CHANNELS = (
    "FACEBOOK",
    "TWITTER",
    "EMAIL",
    "FORUMS",
    "PHONE",
    "WEB",
    "FEEDBACK",
    "FEEDBACK_WIDGET",
    "TWITTER_DM",
    "ONLINE_CHAT",
    "OFFLINE_CHAT",
    "CUSTOMERPORTAL",
)
# Channels whose reply needs a From address (emailThreadSendReply's fromEmailAddress description).
FROM_CHANNELS = {"EMAIL", "ONLINE_CHAT", "OFFLINE_CHAT", "CUSTOMERPORTAL", "FORUMS"}
COMMENT_FIELDS = {"content", "contentType", "isPublic", "attachmentIds"}
CONTENT_TYPES = ("html", "plainText")
ADDRESS_RE = re.compile(r"<([^<>]+)>")


def _ticket(request: HttpRequest, ticket_id: str) -> m.Ticket:
    org = request.sandbox_org  # type: ignore[attr-defined]
    return desk_object_or_404(m.Ticket.objects.filter(org=org, is_trashed=False), ticket_id, what="ticket")


def _base_url(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def _description_thread_id(ticket: m.Ticket) -> int | None:
    """The customer's first message, which Desk marks isDescriptionThread."""
    first = (
        m.Thread.objects.filter(ticket=ticket)
        .order_by("created_time", "pk")
        .values_list("pk", "direction")
        .first()
    )
    return first[0] if first and first[1] == m.Thread.Direction.IN else None


# -- threads ----------------------------------------------------------------------------------------


@desk_endpoint(scopes=READ, params={"from", "limit", "sortBy"}, max_limit=200)
def threads_list(request: HttpRequest, ticket_id: str) -> HttpResponse:
    """GET /tickets/{id}/threads (getThreads): sortBy sendDateTime only, newest first by default;
    limit up to 200, default 100 (best reading, as conversations)."""
    ticket = _ticket(request, ticket_id)
    queryset = c.sort_queryset(
        m.Thread.objects.filter(ticket=ticket),
        request,
        fields={"sendDateTime": "created_time"},
        default="-sendDateTime",
    )
    described = _description_thread_id(ticket)
    rows = c.page(queryset, request, default_limit=100)
    return desk_list([thread_json(t, is_description=t.pk == described) for t in rows])


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
        thread_json(
            thread,
            full=True,
            attachments=attachments,
            plain_text="plainText" in include,
            is_description=thread.pk == _description_thread_id(ticket),
        )
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


def _plain_address(value: str) -> str:
    """`Support <support@acme.test>` -> `support@acme.test`."""
    match = ADDRESS_RE.search(value)
    return (match.group(1) if match else value).strip()


def _from_address(org: m.Org, data: dict[str, Any], field: str, errors: c.FieldErrors) -> str | None:
    """The reply's From address, which must be an active From address of the org (MailReplyAddress)."""
    from apps.sandbox.api.ticket_extras import reply_addresses

    raw = c.text(data, field, errors, required=True, max_length=300)
    if not raw:
        return None
    address = _plain_address(raw)
    configured = {
        a.lower() for a in reply_addresses(org).filter(is_active=True).values_list("address", flat=True)
    }
    if address.lower() not in configured:
        errors.add(
            field,
            f"The address '{address}' is not a From address configured in this help desk.",
            expectedValues=sorted(configured),
        )
        return None
    return raw


@desk_endpoint(scopes=UPDATE, params={"isPrivate", "sendImmediately"})
def send_reply(request: HttpRequest, ticket_id: str) -> HttpResponse:
    """POST /tickets/{id}/sendReply (sendReply): `channel` and `content` always, `fromEmailAddress` for
    email-like channels, and it must be a From address of the org; 200 with the thread."""
    org: m.Org = request.sandbox_org  # type: ignore[attr-defined]
    ticket = _ticket(request, ticket_id)
    data = read_json_body(request)
    errors = c.FieldErrors()
    allowed = REPLY_FIELDS | (REFERENCE_REPLY_FIELDS if reference_forms() else set())
    c.reject_unknown_fields(data, allowed, errors)
    channel = (c.text(data, "channel", errors, required=True) or "").upper()
    if channel and channel not in REPLY_CHANNELS:
        errors.add("channel", "The value of 'channel' is invalid.", expectedValues=list(REPLY_CHANNELS))
    content = c.text(data, "content", errors, required=True, max_length=16_000_000)
    sender: str | None = None
    from_field = (
        "from"
        if ("from" in data and "fromEmailAddress" not in data and reference_forms())
        else "fromEmailAddress"
    )
    if channel in FROM_CHANNELS or from_field in data:
        sender = _from_address(org, data, from_field, errors)
    to = _addresses(data.get("to"), "to", errors) or (ticket.email or "")
    cc = _addresses(data.get("cc"), "cc", errors)
    bcc = _addresses(data.get("bcc"), "bcc", errors)
    content_type = c.choice(data, "contentType", CONTENT_TYPES, errors) or "plainText"
    is_forward = c.boolean(data, "isForward", errors) or False
    is_private = c.boolean(data, "isPrivate", errors)
    if is_private is None:
        is_private = c.bool_param(request, "isPrivate") or False
    subject = c.text(data, "subject", errors, max_length=300)
    status = _status(org, c.text(data, "ticketStatus", errors), errors) if data.get("ticketStatus") else None
    if data.get("inReplyToThreadId") not in (None, ""):
        c.record_id(data, "inReplyToThreadId", m.Thread.objects.filter(ticket=ticket), errors)
    attachment_ids: list[int] = []
    if data.get("attachmentIds") not in (None, []):
        attachment_ids = c.id_list(data, "attachmentIds", errors)
    errors.raise_if_any()
    agent = request.sandbox_agent  # type: ignore[attr-defined]
    now = c.now()
    with transaction.atomic(using=m.SANDBOX_DB):
        from apps.sandbox.api.attachments import attachments_from_ids

        attachments = attachments_from_ids(
            attachment_ids,
            ticket=ticket,
            field="attachmentIds",
            errors=errors,
            creator_id=agent.pk if agent else None,
            is_public=not is_private,
        )
        errors.raise_if_any()
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
            visibility="private" if (is_private or is_forward) else "public",
            author_id=agent.pk if agent else None,
            author_type="AGENT",
            author_name=agent.name if agent else "",
            author_email=agent.email if agent else (sender or ""),
            attachment_count=len(attachments),
            created_time=now,
        )
        if attachments:
            m.Attachment.objects.filter(pk__in=[a.pk for a in attachments]).update(thread=thread)
        new_attachments = sum(1 for a in attachments if getattr(a, "_from_upload", False))
        fields: dict[str, Any] = {
            "thread_count": F("thread_count") + 1,
            "attachment_count": F("attachment_count") + new_attachments,
            "modified_time": now,
        }
        if ticket.first_response_time is None:
            fields["first_response_time"] = now
        if status is not None:
            fields["status"], fields["status_type"] = status
            fields["closed_time"] = now if status[1] == "Closed" else None
        m.Ticket.objects.filter(pk=ticket.pk).update(**fields)
        base = _base_url(request)
        payload = thread_json(
            thread, full=True, attachments=[attachment_json(a, base_url=base) for a in attachments]
        )
        webhooks_out.emit(
            org=org, event_type="Ticket_Thread_Add", payload=payload, source_id=c.source_id(request)
        )
    return desk_json(payload)


@desk_endpoint(scopes=READ, params={"from", "limit"}, max_limit=200)
def conversations_list(request: HttpRequest, ticket_id: str) -> HttpResponse:
    """Real Desk's GET /tickets/{id}/conversations: threads and comments together, oldest first,
    each marked with `type` ("thread" / "comment"); one call instead of two for a ticket page."""
    from apps.sandbox.contract import paging

    ticket = _ticket(request, ticket_id)
    described = _description_thread_id(ticket)
    items = [
        (t.created_time, t.pk, {**thread_json(t, is_description=t.pk == described), "type": "thread"})
        for t in m.Thread.objects.filter(ticket=ticket)
    ]
    items += [(x.created_time, x.pk, {**comment_json(x), "type": "comment"}) for x in _comments(ticket)]
    items.sort(key=lambda item: (item[0], item[1]))
    offset, limit = paging(request, default_limit=100)  # Thread.json: default 100, at most 200
    return desk_list([item[2] for item in items[offset : offset + limit]])


# -- comments ---------------------------------------------------------------------------------------


def _comments(ticket: m.Ticket) -> QuerySet:
    return m.Comment.objects.filter(ticket=ticket)


def _comment_json(comment: m.Comment, request: HttpRequest) -> dict[str, Any]:
    """A comment with the files its attachmentIds brought (hrefs under the comment, as Desk shows)."""
    base = _base_url(request)
    attachments = []
    for link in m.CommentAttachment.objects.filter(comment=comment).select_related("attachment"):
        attachment = link.attachment
        attachments.append(
            {
                "id": str(attachment.pk),
                "name": attachment.name,
                "size": str(attachment.size),
                "href": f"{base}{API_PREFIX}/tickets/{comment.ticket_id}/comments/{comment.pk}"
                f"/attachments/{attachment.pk}/content",
            }
        )
    return comment_json(comment, attachments=attachments)


def _mentions(request: HttpRequest) -> None:
    """`include=mentions` is the one value TicketComment.json lists; the sandbox keeps no mentions."""
    if set(c.csv_param(request, "include")) - {"mentions"}:
        raise c.invalid_param("include")


@desk_endpoint(scopes=READ, params={"include", "from", "limit", "sortBy"})
def comments_list(request: HttpRequest, ticket_id: str) -> HttpResponse:
    """GET /tickets/{id}/comments (getTicketComments): sortBy commentedTime, ascending by default;
    limit 1..100, default 50."""
    ticket = _ticket(request, ticket_id)
    _mentions(request)
    queryset = c.sort_queryset(
        _comments(ticket), request, fields={"commentedTime": "created_time"}, default="commentedTime"
    )
    return desk_list([_comment_json(x, request) for x in c.page(queryset, request, default_limit=50)])


@desk_endpoint(scopes=READ, params={"include"})
def comment_get(request: HttpRequest, ticket_id: str, comment_id: str) -> HttpResponse:
    ticket = _ticket(request, ticket_id)
    _mentions(request)
    return desk_json(
        _comment_json(desk_object_or_404(_comments(ticket), comment_id, what="comment"), request)
    )


def _comment_fields(data: dict[str, Any], errors: c.FieldErrors, *, creating: bool) -> dict[str, Any]:
    c.reject_unknown_fields(data, COMMENT_FIELDS, errors)
    values: dict[str, Any] = {}
    if creating or "content" in data:
        values["content"] = c.text(data, "content", errors, required=True, max_length=32_000)
    if "contentType" in data:
        values["content_type"] = c.choice(data, "contentType", CONTENT_TYPES, errors)
    if "isPublic" in data:
        values["is_public"] = c.boolean(data, "isPublic", errors)
    return {key: value for key, value in values.items() if value is not None}


def _link_attachments(
    comment: m.Comment, data: dict[str, Any], request: HttpRequest, errors: c.FieldErrors
) -> int:
    """Attach the comment's attachmentIds (uploads or the ticket's attachments); the number created."""
    from apps.sandbox.api.attachments import attachments_from_ids

    if data.get("attachmentIds") in (None, []):
        return 0
    ids = c.id_list(data, "attachmentIds", errors)
    errors.raise_if_any()
    agent = request.sandbox_agent  # type: ignore[attr-defined]
    attachments = attachments_from_ids(
        ids,
        ticket=comment.ticket,
        field="attachmentIds",
        errors=errors,
        creator_id=agent.pk if agent else None,
        is_public=comment.is_public,
    )
    errors.raise_if_any()
    for attachment in attachments:
        m.CommentAttachment.objects.get_or_create(comment=comment, attachment=attachment)
    return sum(1 for a in attachments if getattr(a, "_from_upload", False))


@desk_endpoint(scopes=UPDATE, params=set())
def comment_create(request: HttpRequest, ticket_id: str) -> HttpResponse:
    """POST /tickets/{id}/comments (createTicketComment): content, isPublic, contentType, attachmentIds."""
    org: m.Org = request.sandbox_org  # type: ignore[attr-defined]
    ticket = _ticket(request, ticket_id)
    errors = c.FieldErrors()
    data = read_json_body(request)
    values = _comment_fields(data, errors, creating=True)
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
        created = _link_attachments(comment, data, request, errors)
        m.Ticket.objects.filter(pk=ticket.pk).update(
            comment_count=F("comment_count") + 1,
            attachment_count=F("attachment_count") + created,
            modified_time=now,
        )
        payload = _comment_json(comment, request)
        webhooks_out.emit(
            org=org, event_type="Ticket_Comment_Add", payload=payload, source_id=c.source_id(request)
        )
    return desk_json(payload)


@desk_endpoint(scopes=UPDATE, params=set())
def comment_update(request: HttpRequest, ticket_id: str, comment_id: str) -> HttpResponse:
    """PATCH /tickets/{id}/comments/{cid} (updateTicketComment): content required."""
    org: m.Org = request.sandbox_org  # type: ignore[attr-defined]
    ticket = _ticket(request, ticket_id)
    comment = desk_object_or_404(_comments(ticket), comment_id, what="comment")
    data = read_json_body(request)
    errors = c.FieldErrors()
    values = _comment_fields(data, errors, creating=True)
    errors.raise_if_any()
    previous = _comment_json(comment, request)
    now = c.now()
    with transaction.atomic(using=m.SANDBOX_DB):
        for key, value in values.items():
            setattr(comment, key, value)
        comment.modified_time = now
        comment.save()
        created = _link_attachments(comment, data, request, errors)
        m.Ticket.objects.filter(pk=ticket.pk).update(
            attachment_count=F("attachment_count") + created, modified_time=now
        )
        payload = _comment_json(comment, request)
        webhooks_out.emit(
            org=org,
            event_type="Ticket_Comment_Update",
            payload=payload,
            prev_state=previous,
            source_id=c.source_id(request),
        )
    return desk_json(payload)


@desk_endpoint(scopes=UPDATE, params=set())
def comment_delete(request: HttpRequest, ticket_id: str, comment_id: str) -> HttpResponse:
    """DELETE /tickets/{id}/comments/{cid} (deleteTicketComment): 200 with an empty body."""
    ticket = _ticket(request, ticket_id)
    comment = desk_object_or_404(_comments(ticket), comment_id, what="comment")
    with transaction.atomic(using=m.SANDBOX_DB):
        comment.delete()
        m.Ticket.objects.filter(pk=ticket.pk, comment_count__gt=0).update(
            comment_count=F("comment_count") - 1, modified_time=c.now()
        )
    response = HttpResponse(status=200)
    del response["Content-Type"]
    return response


comments_collection = c.by_method(GET=comments_list, POST=comment_create)
comment_item = c.by_method(GET=comment_get, PATCH=comment_update, DELETE=comment_delete)
