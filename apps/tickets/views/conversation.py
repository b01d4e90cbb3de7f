"""The conversation's writes on the ticket page: a comment, a reply by email (from one of the department's
From addresses), and an admin's "Check Desk now" for those addresses."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.core.htmx import AuthedHttpRequest, alert, toast
from apps.desk.errors import DeskError
from apps.team import services as team_services
from apps.tickets.display import from_address_choices
from apps.tickets.forms.conversation import CommentForm, ReplyForm
from apps.tickets.models import Ticket
from apps.tickets.selectors.conversation import department_addresses
from apps.tickets.selectors.queue import statuses_for
from apps.tickets.services import conversation as conversation_services
from apps.tickets.services.conversation import ReplySentStatusFailed
from apps.tickets.views.common import desk_error_message, ticket_or_404
from apps.tickets.views.detail import ticket_write


@login_required
@permission_required("core.comment_tickets", raise_exception=True)
@require_POST
def comment_add(request: AuthedHttpRequest, desk_id: str) -> HttpResponse:
    def perform(ticket: Ticket, form: CommentForm, seen: dict[str, Any] | None, confirmed: bool) -> Ticket:
        return conversation_services.ticket_comment_add(
            actor=request.user,
            ticket=ticket,
            content=form.cleaned_data["content"],
            is_public=form.cleaned_data["is_public"],
            seen=seen,
            confirmed=confirmed,
            retry_of=request.POST.get("retry_of") or None,
        )

    return ticket_write(
        request,
        desk_id,
        form_name="comment_form",
        form_class=CommentForm,
        perform=perform,
        success="Comment added.",
    )


@login_required
@permission_required("core.reply_tickets", raise_exception=True)
@require_POST
def reply_send(request: AuthedHttpRequest, desk_id: str) -> HttpResponse:
    """Send a reply (HTML from the editor, or plain text without JS), with files, cc/bcc, and optionally
    a status set once it is sent. On any failure the draft comes back as typed."""
    status_failed: list[ReplySentStatusFailed] = []

    def form_kwargs(ticket: Ticket) -> dict[str, Any]:
        addresses = department_addresses(
            connection=ticket.connection, department_desk_id=ticket.department_desk_id
        )
        may_set_status = request.user.has_perm("core.close_tickets")
        return {
            "from_addresses": from_address_choices(addresses),
            "statuses": statuses_for(connection=ticket.connection) if may_set_status else None,
            "files": request.FILES,
        }

    def perform(ticket: Ticket, form: ReplyForm, seen: dict[str, Any] | None, confirmed: bool) -> Ticket:
        data = form.cleaned_data
        try:
            return conversation_services.ticket_reply_send(
                actor=request.user,
                ticket=ticket,
                from_address=data["from_address"],
                to=data["to"],
                cc=data["cc"],
                bcc=data["bcc"],
                content=data["content"],
                content_type=data["content_type"],
                files=data["files"],
                then_status=data["then_status"],
                seen=seen,
                confirmed=confirmed,
                retry_of=request.POST.get("retry_of") or None,
            )
        except ReplySentStatusFailed as failure:
            status_failed.append(failure)
            return failure.ticket

    then_status = request.POST.get("then_status", "")
    response = ticket_write(
        request,
        desk_id,
        form_name="reply_form",
        form_class=ReplyForm,
        form_kwargs=form_kwargs,
        perform=perform,
        success=f"Reply sent; status set to {then_status}." if then_status else "Reply sent.",
        aliases={"attachmentIds": "files"},
    )
    if status_failed:
        failure = status_failed[0]
        message = (
            f"Your reply was sent, but the status could not be set to {failure.status}: "
            f"{desk_error_message(failure.error)} Set it again under Triage."
        )
        if request.htmx:
            toast(response, "Reply sent.", "success")
            alert(response, message)
        else:
            messages.error(request, message)
    return response


@login_required
@permission_required("core.manage_connections", raise_exception=True)
@require_POST
def from_addresses_refresh(request: AuthedHttpRequest, desk_id: str) -> HttpResponse:
    """An admin who just configured a From address in Desk need not wait for the next team refresh."""
    ticket = ticket_or_404(request, desk_id)
    try:
        team_services.support_addresses_refresh_now(actor=request.user, connection=ticket.connection)
    except DeskError as error:
        messages.error(request, f"Could not read the From addresses: {desk_error_message(error)}")
    else:
        found = department_addresses(
            connection=ticket.connection, department_desk_id=ticket.department_desk_id
        )
        if found:
            messages.success(request, f"Found {len(found)} From address{'es' if len(found) != 1 else ''}.")
        else:
            messages.warning(request, "Desk still lists no active From address for this department.")
    return redirect(reverse("tickets:detail", kwargs={"desk_id": ticket.desk_id}) + "#reply")
