"""Attachments on a ticket: upload (several files, with progress), streamed download, delete."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from apps.core.htmx import AuthedHttpRequest, alert, toast
from apps.desk.errors import DeskError
from apps.tickets.forms.attachments import AttachmentUploadForm
from apps.tickets.models import Ticket, TicketAttachment
from apps.tickets.selectors.attachments import attachment_for
from apps.tickets.selectors.detail import ticket_reloaded
from apps.tickets.services import attachments as attachment_services
from apps.tickets.views.common import desk_error_message, ticket_or_404
from apps.tickets.views.detail import detail_context


def _attachment_or_404(request: AuthedHttpRequest, desk_id: str, attachment_id: str) -> TicketAttachment:
    attachment = attachment_for(ticket=ticket_or_404(request, desk_id), desk_id=attachment_id)
    if attachment is None:
        raise Http404("No such attachment")
    return attachment


def content_disposition(filename: str) -> str:
    """``attachment`` always (never inline), with the original name in both forms browsers read."""
    ascii_name = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in filename) or "download"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


@login_required
@permission_required("core.view_tickets", raise_exception=True)
@require_GET
def attachment_download(
    request: AuthedHttpRequest, desk_id: str, attachment_id: str
) -> HttpResponse | StreamingHttpResponse:
    attachment = _attachment_or_404(request, desk_id, attachment_id)
    try:
        stream = attachment_services.attachment_download_open(actor=request.user, attachment=attachment)
    except DeskError as error:
        messages.error(request, desk_error_message(error))
        return redirect("tickets:detail", desk_id=desk_id)
    response = StreamingHttpResponse(stream.chunks, content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition(stream.filename)
    response["X-Content-Type-Options"] = "nosniff"
    if stream.size is not None:
        response["Content-Length"] = str(stream.size)
    return response


@login_required
@permission_required("core.comment_tickets", raise_exception=True)
@require_POST
def attachment_upload(request: AuthedHttpRequest, desk_id: str) -> HttpResponse:
    ticket = ticket_or_404(request, desk_id)
    files = request.FILES.getlist("file")
    form = AttachmentUploadForm(request.POST)
    form.is_valid()
    is_public = bool(form.cleaned_data.get("is_public"))
    if not files:
        return _upload_answer(request, ticket, error="Choose at least one file.")
    uploaded: list[str] = []
    errors: list[str] = []
    for upload in files:
        name = upload.name or "attachment"
        try:
            attachment_services.attachment_upload(
                actor=request.user,
                ticket=ticket,
                filename=name,
                content=upload,
                size=upload.size or 0,
                content_type=upload.content_type or "application/octet-stream",
                is_public=is_public,
            )
            uploaded.append(name)
        except attachment_services.AttachmentTooLarge as error:
            errors.append(str(error))
        except DeskError as error:
            errors.append(f"{name}: {desk_error_message(error)}")
    return _upload_answer(request, ticket_reloaded(ticket), uploaded=uploaded, error=" ".join(errors))


def _upload_answer(
    request: AuthedHttpRequest, ticket: Ticket, *, uploaded: list[str] | None = None, error: str = ""
) -> HttpResponse:
    status = 200 if not error or uploaded else 400
    if not request.htmx and not request.headers.get("X-Requested-With"):
        if error:
            messages.error(request, error)
        if uploaded:
            messages.success(request, f"Uploaded {', '.join(uploaded)}.")
        return redirect("tickets:detail", desk_id=ticket.desk_id)
    context = detail_context(request, ticket)
    context["upload_error"] = error
    response = render(request, "tickets/detail.html#attachments", context, status=status)
    if uploaded:
        toast(response, f"Uploaded {', '.join(uploaded)}.", "success")
    if error:
        alert(response, error)
    return response


@login_required
@permission_required("core.comment_tickets", raise_exception=True)
@require_POST
def attachment_delete(request: AuthedHttpRequest, desk_id: str, attachment_id: str) -> HttpResponse:
    attachment = _attachment_or_404(request, desk_id, attachment_id)
    error = ""
    try:
        attachment_services.attachment_delete(actor=request.user, attachment=attachment)
    except DeskError as exc:
        error = desk_error_message(exc)
    ticket = ticket_reloaded(attachment.ticket)
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, f"Deleted {attachment.name}.")
        return redirect(reverse("tickets:detail", kwargs={"desk_id": ticket.desk_id}))
    context = detail_context(request, ticket)
    response = render(request, "tickets/detail.html#attachments", context)
    return alert(response, error) if error else toast(response, f"Deleted {attachment.name}.")
