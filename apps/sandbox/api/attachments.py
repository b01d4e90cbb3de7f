"""Desk API files: ticket attachments (TicketAttachment.json: list, upload, update, delete; download from
the metadata's href) and temporary uploads (Upload.json: POST /uploads) that replies and comments attach
by id."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import cast

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt

from apps.sandbox import models as m
from apps.sandbox import webhooks_out
from apps.sandbox.api import common as c
from apps.sandbox.api.conversations import _base_url, _ticket
from apps.sandbox.api.serializers import attachment_json, upload_json
from apps.sandbox.api.tickets import READ, UPDATE, reference_forms
from apps.sandbox.contract import (
    DeskAPIError,
    desk_endpoint,
    desk_json,
    desk_list,
    desk_object_or_404,
    field_error,
    read_json_body,
)

# Files up to this size are kept in the database row; larger ones on disk.
INLINE_MAX_BYTES = 1024 * 1024


def _max_bytes() -> int:
    # Desk's attachment cap is 20 MB per file (the setting's default); smaller for tests and small demos.
    return int(settings.SANDBOX_MAX_ATTACHMENT_BYTES)


def _store(upload: UploadedFile, *, org: m.Org) -> tuple[bytes | None, str]:
    if (upload.size or 0) <= INLINE_MAX_BYTES:
        return upload.read(), ""
    folder = Path(m.attachments_dir()) / str(org.pk)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / uuid.uuid4().hex
    with path.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return None, str(path)


def _multipart_file(request: HttpRequest) -> UploadedFile:
    """The multipart field `file`, within the size cap."""
    upload = request.FILES.get("file")
    if upload is None:
        message = "The multipart field 'file' is required."
        raise DeskAPIError(422, "INVALID_DATA", message, errors=[field_error("file", "missing", message)])
    if (upload.size or 0) > _max_bytes():
        message = f"The file is larger than the allowed {_max_bytes()} bytes."
        raise DeskAPIError(
            413, "RESOURCE_SIZE_EXCEEDED", message, errors=[field_error("file", "invalid", message)]
        )
    return upload


def attachments_from_ids(
    ids: list[int],
    *,
    ticket: m.Ticket,
    field: str,
    errors: c.FieldErrors,
    creator_id: int | None,
    is_public: bool,
) -> list[m.Attachment]:
    """`attachmentIds` of sendReply and comments: ids from POST /uploads become attachments of the
    ticket (each upload once); ids of the ticket's own attachments are taken as they are."""
    wanted = list(dict.fromkeys(ids))
    uploads = {u.pk: u for u in m.Upload.objects.filter(org=ticket.org, pk__in=wanted)}
    existing = {a.pk: a for a in m.Attachment.objects.filter(ticket=ticket, pk__in=wanted).defer("data")}
    unknown = [i for i in wanted if i not in uploads and i not in existing]
    if unknown:
        errors.add(field, f"No upload or attachment of this ticket has the id {unknown[0]}.")
        return []
    result: list[m.Attachment] = []
    for attachment_id in wanted:
        if attachment_id in existing:
            result.append(existing[attachment_id])
            continue
        upload = uploads[attachment_id]
        result.append(
            m.Attachment.objects.create(
                id=m.next_id(ticket.org),
                org=ticket.org,
                ticket=ticket,
                name=upload.name,
                size=upload.size,
                content_type=upload.content_type,
                data=upload.data,
                file_path=upload.file_path,
                creator_id=creator_id,
                is_public=is_public,
                created_time=c.now(),
            )
        )
        result[-1]._from_upload = True  # type: ignore[attr-defined]
        upload.delete()  # a temporary file is used once
    return result


# -- uploads ----------------------------------------------------------------------------------------


@desk_endpoint(scopes=("Desk.basic.CREATE",), params=set())
def upload_file(request: HttpRequest) -> HttpResponse:
    """POST /uploads (uploadFile): multipart `file` → {id, name, size, creatorId, createdTime, href}."""
    org: m.Org = request.sandbox_org  # type: ignore[attr-defined]
    upload = _multipart_file(request)
    data, file_path = _store(upload, org=org)
    agent = request.sandbox_agent  # type: ignore[attr-defined]
    row = m.Upload.objects.create(
        id=m.next_id(org),
        org=org,
        name=os.path.basename(upload.name or "file")[:255] or "file",
        size=upload.size or 0,
        content_type=(upload.content_type or "application/octet-stream")[:100],
        data=data,
        file_path=file_path,
        creator_id=agent.pk if agent else None,
        created_time=c.now(),
    )
    return desk_json(upload_json(row, base_url=_base_url(request)))


@desk_endpoint(scopes=("Desk.basic.READ", "Desk.basic.CREATE"), params=set())
def upload_content(request: HttpRequest, upload_id: str) -> HttpResponse:
    """GET /uploads/{id}/content: the upload's href (best reading: Upload.json gives the href only)."""
    org = request.sandbox_org  # type: ignore[attr-defined]
    upload = desk_object_or_404(m.Upload.objects.filter(org=org), upload_id, what="upload")
    return _download(upload)


# -- ticket attachments -----------------------------------------------------------------------------


@desk_endpoint(scopes=UPDATE, params={"isPublic"})
def attachment_upload(request: HttpRequest, ticket_id: str) -> HttpResponse:
    """POST /tickets/{id}/attachments?isPublic= (createTicketAttachment): multipart `file`."""
    org: m.Org = request.sandbox_org  # type: ignore[attr-defined]
    ticket = _ticket(request, ticket_id)
    is_public = c.bool_param(request, "isPublic") or False
    upload = _multipart_file(request)
    data, file_path = _store(upload, org=org)
    agent = request.sandbox_agent  # type: ignore[attr-defined]
    now = c.now()
    with transaction.atomic(using=m.SANDBOX_DB):
        attachment = m.Attachment.objects.create(
            id=m.next_id(org),
            org=org,
            ticket=ticket,
            name=os.path.basename(upload.name or "file")[:255] or "file",
            size=upload.size or 0,
            content_type=(upload.content_type or "application/octet-stream")[:100],
            data=data,
            file_path=file_path,
            creator_id=agent.pk if agent else None,
            is_public=is_public,
            created_time=now,
        )
        m.Ticket.objects.filter(pk=ticket.pk).update(
            attachment_count=F("attachment_count") + 1, modified_time=now
        )
        payload = attachment_json(attachment, base_url=_base_url(request))
        webhooks_out.emit(
            org=org, event_type="Ticket_Attachment_Add", payload=payload, source_id=c.source_id(request)
        )
    return desk_json(payload)


@desk_endpoint(scopes=READ, params={"include", "from", "limit", "sortBy", "isPublic"})
def attachments_list(request: HttpRequest, ticket_id: str) -> HttpResponse:
    """GET /tickets/{id}/attachments (getTicketAttachments): include=creator, sortBy createdTime
    (ascending by default), 204 when there are none."""
    ticket = _ticket(request, ticket_id)
    include = set(c.csv_param(request, "include"))
    if include - {"creator"}:
        raise c.invalid_param("include")
    queryset = m.Attachment.objects.filter(ticket=ticket).defer("data")
    is_public = c.bool_param(request, "isPublic")
    if is_public is not None:
        queryset = queryset.filter(is_public=is_public)
    queryset = c.sort_queryset(
        queryset, request, fields={"createdTime": "created_time"}, default="createdTime"
    )
    rows = c.page(queryset, request, default_limit=50)
    creators: dict[int, m.Agent] = {}
    if "creator" in include:
        ids = {a.creator_id for a in rows if a.creator_id is not None}
        creators = {a.pk: a for a in m.Agent.objects.filter(pk__in=ids)}
    base = _base_url(request)
    return desk_list(
        [
            attachment_json(
                a,
                base_url=base,
                creator=creators.get(a.creator_id) if "creator" in include else False,  # type: ignore[arg-type]
            )
            for a in rows
        ]
    )


def _attachment(request: HttpRequest, ticket_id: str, attachment_id: str) -> m.Attachment:
    ticket = _ticket(request, ticket_id)
    return desk_object_or_404(m.Attachment.objects.filter(ticket=ticket), attachment_id, what="attachment")


def _download(item: m.Attachment | m.Upload) -> HttpResponse:
    if item.file_path:
        try:
            handle = open(item.file_path, "rb")  # noqa: SIM115 - FileResponse closes it
        except OSError:
            raise DeskAPIError(404, "URL_NOT_FOUND", "The file's content is missing.") from None
        response: HttpResponseBase = FileResponse(handle, content_type=item.content_type)
    else:
        response = HttpResponse(bytes(item.data or b""), content_type=item.content_type)
    response["Content-Disposition"] = f'attachment; filename="{item.name.replace(chr(34), "")}"'
    response["Content-Length"] = str(item.size)
    response["X-Content-Type-Options"] = "nosniff"
    # FileResponse streams; the contract layer only sets headers on it, so it passes as a response.
    return cast(HttpResponse, response)


@desk_endpoint(scopes=READ, params=set())
def attachment_content(request: HttpRequest, ticket_id: str, attachment_id: str) -> HttpResponse:
    """The metadata's href: /tickets/{t}/attachments/{a}/content."""
    return _download(_attachment(request, ticket_id, attachment_id))


@desk_endpoint(scopes=READ, params=set())
def thread_attachment_content(
    request: HttpRequest, ticket_id: str, thread_id: str, attachment_id: str
) -> HttpResponse:
    """GET /tickets/{t}/threads/{th}/attachments/{a}/content (getThreadAttachmentContent)."""
    ticket = _ticket(request, ticket_id)
    queryset = m.Attachment.objects.filter(
        ticket=ticket, thread_id=int(thread_id) if thread_id.isdigit() else 0
    )
    return _download(desk_object_or_404(queryset, attachment_id, what="attachment"))


@desk_endpoint(scopes=READ, params=set())
def comment_attachment_content(
    request: HttpRequest, ticket_id: str, comment_id: str, attachment_id: str
) -> HttpResponse:
    """GET /tickets/{t}/comments/{c}/attachments/{a}/content, the href TicketComment.json shows."""
    ticket = _ticket(request, ticket_id)
    links = m.CommentAttachment.objects.filter(
        comment__ticket=ticket, comment_id=int(comment_id) if comment_id.isdigit() else 0
    )
    queryset = m.Attachment.objects.filter(pk__in=links.values("attachment_id"))
    return _download(desk_object_or_404(queryset, attachment_id, what="attachment"))


@desk_endpoint(scopes=READ, params=set())
def attachment_get(request: HttpRequest, ticket_id: str, attachment_id: str) -> HttpResponse:
    """The reference document's GET /tickets/{t}/attachments/{a}: metadata when the client asks for
    JSON, else the bytes. Not in TicketAttachment.json (only PATCH and DELETE)."""
    attachment = _attachment(request, ticket_id, attachment_id)
    if "application/json" in request.headers.get("Accept", ""):
        return desk_json(attachment_json(attachment, base_url=_base_url(request)))
    return _download(attachment)


def _empty_200() -> HttpResponse:
    response = HttpResponse(status=200)
    del response["Content-Type"]
    return response


@desk_endpoint(scopes=UPDATE, params=set())
def attachment_update(request: HttpRequest, ticket_id: str, attachment_id: str) -> HttpResponse:
    """PATCH /tickets/{t}/attachments/{a} {"isPublic": bool} (updateTicketAttachment): 200, empty body."""
    attachment = _attachment(request, ticket_id, attachment_id)
    data = read_json_body(request)
    errors = c.FieldErrors()
    c.reject_unknown_fields(data, {"isPublic"}, errors)
    is_public = c.boolean(data, "isPublic", errors)
    errors.raise_if_any()
    if is_public is not None:
        m.Attachment.objects.filter(pk=attachment.pk).update(is_public=is_public)
    return _empty_200()


@desk_endpoint(scopes=UPDATE, params=set())
def attachment_delete(request: HttpRequest, ticket_id: str, attachment_id: str) -> HttpResponse:
    """DELETE /tickets/{t}/attachments/{a} (deleteTicketAttachment): 200 with an empty body."""
    org: m.Org = request.sandbox_org  # type: ignore[attr-defined]
    attachment = _attachment(request, ticket_id, attachment_id)
    payload = attachment_json(attachment, base_url=_base_url(request))
    path = attachment.file_path
    with transaction.atomic(using=m.SANDBOX_DB):
        attachment.delete()
        m.Ticket.objects.filter(pk=attachment.ticket_id, attachment_count__gt=0).update(
            attachment_count=F("attachment_count") - 1, modified_time=c.now()
        )
        webhooks_out.emit(
            org=org, event_type="Ticket_Attachment_Delete", payload=payload, source_id=c.source_id(request)
        )
    if path:
        Path(path).unlink(missing_ok=True)
    return _empty_200()


attachments_collection = c.by_method(GET=attachments_list, POST=attachment_upload)
_attachment_item_real = c.by_method(PATCH=attachment_update, DELETE=attachment_delete)
_attachment_item_reference = c.by_method(
    GET=attachment_get, PATCH=attachment_update, DELETE=attachment_delete
)


@csrf_exempt
def attachment_item(request: HttpRequest, ticket_id: str, attachment_id: str) -> HttpResponse:
    """/tickets/{t}/attachments/{a}: PATCH and DELETE; GET only with the reference forms."""
    view = _attachment_item_reference if reference_forms() else _attachment_item_real
    return view(request, ticket_id=ticket_id, attachment_id=attachment_id)
