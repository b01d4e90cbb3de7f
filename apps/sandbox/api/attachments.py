"""Desk API ticket attachments: multipart upload, list, metadata, download (seed and real paths), delete."""

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

from apps.sandbox import models as m
from apps.sandbox import webhooks_out
from apps.sandbox.api import common as c
from apps.sandbox.api.conversations import _base_url, _ticket
from apps.sandbox.api.serializers import attachment_json
from apps.sandbox.api.tickets import READ, UPDATE
from apps.sandbox.contract import (
    DeskAPIError,
    desk_endpoint,
    desk_json,
    desk_list,
    desk_no_content,
    desk_object_or_404,
    field_error,
)

# Desk's attachment cap is 20 MB (per file); configurable for tests and small demos.
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# Files up to this size are kept in the database row; larger ones on disk.
INLINE_MAX_BYTES = 1024 * 1024


def _max_bytes() -> int:
    return int(getattr(settings, "SANDBOX_MAX_ATTACHMENT_BYTES", DEFAULT_MAX_BYTES))


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


@desk_endpoint(scopes=UPDATE + ("Desk.tickets.CREATE",), params={"isPublic"})
def attachment_upload(request: HttpRequest, ticket_id: str) -> HttpResponse:
    """Multipart field `file`; the real API's `?isPublic=true|false` marks it visible to the customer."""
    org: m.Org = request.sandbox_org  # type: ignore[attr-defined]
    ticket = _ticket(request, ticket_id)
    is_public = c.bool_param(request, "isPublic") or False
    upload = request.FILES.get("file")
    if upload is None:
        message = "The multipart field 'file' is required."
        raise DeskAPIError(422, "INVALID_DATA", message, errors=[field_error("file", "missing", message)])
    size = upload.size or 0
    if size > _max_bytes():
        message = f"The file is larger than the allowed {_max_bytes()} bytes."
        raise DeskAPIError(
            413, "FILE_SIZE_EXCEEDED", message, errors=[field_error("file", "invalid", message)]
        )
    data, file_path = _store(upload, org=org)
    agent = request.sandbox_agent  # type: ignore[attr-defined]
    now = c.now()
    with transaction.atomic(using=m.SANDBOX_DB):
        attachment = m.Attachment.objects.create(
            id=m.next_id(org),
            org=org,
            ticket=ticket,
            name=os.path.basename(upload.name or "file")[:255] or "file",
            size=size,
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


@desk_endpoint(scopes=READ, params={"from", "limit", "sortBy", "isPublic"})
def attachments_list(request: HttpRequest, ticket_id: str) -> HttpResponse:
    ticket = _ticket(request, ticket_id)
    queryset = m.Attachment.objects.filter(ticket=ticket).defer("data")
    is_public = c.bool_param(request, "isPublic")
    if is_public is not None:
        queryset = queryset.filter(is_public=is_public)
    queryset = c.sort_queryset(
        queryset, request, fields={"createdTime": "created_time"}, default="createdTime"
    )
    base = _base_url(request)
    return desk_list([attachment_json(a, base_url=base) for a in c.page(queryset, request, default_limit=50)])


def _attachment(request: HttpRequest, ticket_id: str, attachment_id: str) -> m.Attachment:
    ticket = _ticket(request, ticket_id)
    return desk_object_or_404(m.Attachment.objects.filter(ticket=ticket), attachment_id, what="attachment")


def _download(attachment: m.Attachment) -> HttpResponse:
    if attachment.file_path:
        try:
            handle = open(attachment.file_path, "rb")  # noqa: SIM115 - FileResponse closes it
        except OSError:
            raise DeskAPIError(404, "RESOURCE_NOT_FOUND", "The attachment's content is missing.") from None
        response: HttpResponseBase = FileResponse(handle, content_type=attachment.content_type)
    else:
        response = HttpResponse(bytes(attachment.data or b""), content_type=attachment.content_type)
    response["Content-Disposition"] = f'attachment; filename="{attachment.name.replace(chr(34), "")}"'
    response["Content-Length"] = str(attachment.size)
    response["X-Content-Type-Options"] = "nosniff"
    # FileResponse streams; the contract layer only sets headers on it, so it passes as a response.
    return cast(HttpResponse, response)


@desk_endpoint(scopes=READ, params=set())
def attachment_content(request: HttpRequest, ticket_id: str, attachment_id: str) -> HttpResponse:
    """The real download path: /tickets/{t}/attachments/{a}/content."""
    return _download(_attachment(request, ticket_id, attachment_id))


@desk_endpoint(scopes=READ, params=set())
def attachment_get(request: HttpRequest, ticket_id: str, attachment_id: str) -> HttpResponse:
    """/tickets/{t}/attachments/{a}: metadata JSON (real) when the client asks for JSON, else the
    bytes (the seed reference's download)."""
    attachment = _attachment(request, ticket_id, attachment_id)
    if "application/json" in request.headers.get("Accept", ""):
        return desk_json(attachment_json(attachment, base_url=_base_url(request)))
    return _download(attachment)


@desk_endpoint(scopes=("Desk.tickets.DELETE", "Desk.tickets.UPDATE"), params=set())
def attachment_delete(request: HttpRequest, ticket_id: str, attachment_id: str) -> HttpResponse:
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
    return desk_no_content()


attachments_collection = c.by_method(GET=attachments_list, POST=attachment_upload)
attachment_item = c.by_method(GET=attachment_get, DELETE=attachment_delete)
