"""The "Desk may have saved this — checking" state of a write whose answer was lost: the page asks here
(every few seconds, or with the no-script button) until the console has found out whether Desk saved it.

Saved: the page shows the ticket as Desk has it and the draft is cleared. Not saved: the draft comes back
with a note that sending it again is safe. Still unknown: the same banner, asked again shortly.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.core.htmx import AuthedHttpRequest, toast
from apps.tickets.display import from_address_choices
from apps.tickets.forms.conversation import CommentForm, ReplyForm
from apps.tickets.forms.edit import TicketCreateForm
from apps.tickets.models import Ticket, UnknownWrite
from apps.tickets.selectors.conversation import department_addresses
from apps.tickets.selectors.queue import queue_choices
from apps.tickets.selectors.unknown import unknown_write_for_user
from apps.tickets.services.stale import ticket_seen_token
from apps.tickets.services.unknown import unknown_write_check
from apps.tickets.views.common import ticket_or_404
from apps.tickets.views.detail import detail_context

State = UnknownWrite.State
Kind = UnknownWrite.Kind

SAVED_MESSAGES: dict[str, str] = {
    Kind.COMMENT: "Desk had saved your comment.",
    Kind.REPLY: "Desk had sent your reply.",
    Kind.UPDATE: "Desk had saved the change.",
}


@login_required
@permission_required("core.view_tickets", raise_exception=True)
@require_POST
def write_check(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    write = unknown_write_for_user(user=request.user, pk=pk)
    if write is None:
        raise Http404("No such write")
    if write.state == State.UNKNOWN:
        unknown_write_check(write)
    if write.kind == Kind.CREATE:
        return _create_checked(request, write)
    ticket = ticket_or_404(request, write.ticket_desk_id)
    if write.state == State.SAVED:
        message = SAVED_MESSAGES.get(write.kind, "Desk had saved it.")
        if not request.htmx:
            messages.success(request, message)
            return redirect("tickets:detail", desk_id=ticket.desk_id)
        response = render(request, "tickets/detail.html#main", detail_context(request, ticket))
        return toast(response, message, "success")
    context = detail_context(request, ticket, **_draft_forms(request, ticket, write))
    context.update(unknown_write=write, active_form=f"{write.kind}_form")
    if not request.htmx:
        return render(request, "tickets/detail.html", context)
    return render(request, "tickets/detail.html#main", context)


def _draft_forms(request: AuthedHttpRequest, ticket: Ticket, write: UnknownWrite) -> dict[str, Any]:
    """The draft as it was sent, back in its form (files aside: they must be chosen again)."""
    draft = write.payload or {}
    seen = {"seen": ticket_seen_token(ticket)}
    if write.kind == Kind.COMMENT:
        return {
            "comment_form": CommentForm(
                initial={
                    **seen,
                    "content": draft.get("content", ""),
                    "is_public": draft.get("is_public", False),
                }
            )
        }
    if write.kind == Kind.REPLY:
        addresses = department_addresses(
            connection=ticket.connection, department_desk_id=ticket.department_desk_id
        )
        initial = {key: draft.get(key, "") for key in ("to", "cc", "bcc", "content", "content_type")}
        initial["from_address"] = draft.get("from_email_address", "")
        return {
            "reply_form": ReplyForm(
                initial={**seen, **initial}, from_addresses=from_address_choices(addresses)
            )
        }
    return {}


def _create_checked(request: AuthedHttpRequest, write: UnknownWrite) -> HttpResponse:
    if write.state == State.SAVED:
        ticket = Ticket.objects.filter(connection=write.connection, desk_id=write.result_desk_id).first()
        if ticket is not None:
            messages.success(request, f"Desk had created ticket #{ticket.ticket_number}.")
            url = reverse("tickets:detail", kwargs={"desk_id": ticket.desk_id})
            if request.htmx:
                response = HttpResponse(status=204)
                response["HX-Redirect"] = url
                return response
            return redirect(url)
    if request.htmx:
        return render(request, "tickets/_unknown_write.html", {"unknown_write": write})
    choices = queue_choices(connection=write.connection)
    draft = write.payload or {}
    contact = draft.get("contact") or {}
    initial = {key: value for key, value in draft.items() if isinstance(value, str)}
    initial.update(contact_email=contact.get("email", ""), contact_last_name=contact.get("lastName", ""))
    form = TicketCreateForm(
        initial=initial,
        departments=choices.departments,
        statuses=choices.statuses,
        agents=choices.agents,
        teams=choices.teams,
    )
    return render(
        request, "tickets/new.html", {"form": form, "connection": write.connection, "unknown_write": write}
    )
