"""Whole-ticket pages: create a ticket, edit its fields, move it to Desk's trash."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import redirect, render

from apps.connections.selectors import connection_for_request
from apps.core.htmx import AuthedHttpRequest
from apps.customers.selectors.detail import contact_in_org
from apps.customers.services.contacts import contact_mirror_from_ticket
from apps.desk.errors import DeskError, DeskValidationError, RateLimited
from apps.tickets.forms.common import add_desk_errors
from apps.tickets.forms.edit import TicketCreateForm, TicketEditForm
from apps.tickets.selectors.queue import queue_choices
from apps.tickets.services import fields as field_services
from apps.tickets.services.stale import StaleTicket, ticket_seen_token
from apps.tickets.services.unknown import WriteNotSaved, WriteOutcomeUnknown
from apps.tickets.views.common import desk_error_message, no_connection, retry_context, ticket_or_404


@login_required
@permission_required("core.edit_tickets", raise_exception=True)
def ticket_edit(request: AuthedHttpRequest, desk_id: str) -> HttpResponse:
    ticket = ticket_or_404(request, desk_id)
    departments = queue_choices(connection=ticket.connection).departments
    if request.method != "POST":
        form = TicketEditForm(
            initial={
                "seen": ticket_seen_token(ticket),
                "subject": ticket.subject,
                "description": ticket.description,
                "department_id": ticket.department_desk_id,
                "priority": ticket.priority,
                "channel": ticket.channel,
                "classification": ticket.classification,
                "category": ticket.category,
                "phone": ticket.phone,
            },
            departments=departments,
        )
        return render(request, "tickets/edit.html", {"ticket": ticket, "form": form})
    form = TicketEditForm(request.POST, departments=departments)
    context: dict[str, Any] = {"ticket": ticket, "form": form}
    if form.is_valid():
        data = dict(form.cleaned_data)
        seen, confirmed = form.seen_snapshot(), bool(data.pop("confirm_stale", False))
        data.pop("seen", None)
        changes = {
            name: (value or None) if name in ("priority", "channel", "classification") else value
            for name, value in data.items()
        }
        try:
            ticket = field_services.ticket_update(
                actor=request.user, ticket=ticket, changes=changes, seen=seen, confirmed=confirmed
            )
        except StaleTicket as stale:
            post = request.POST.copy()
            post["confirm_stale"] = "on"
            post["seen"] = ticket_seen_token(ticket)
            context.update(form=TicketEditForm(post, departments=departments), stale=stale)
        except DeskValidationError as error:
            if not add_desk_errors(form, error.fields):
                form.add_error(None, error.message)
        except DeskError as error:
            form.add_error(None, desk_error_message(error))
            if isinstance(error, RateLimited):
                context.update(retry_context(error))
        else:
            messages.success(request, "Ticket saved.")
            return redirect("tickets:detail", desk_id=ticket.desk_id)
    return render(request, "tickets/edit.html", context)


@login_required
@permission_required("core.delete_tickets", raise_exception=True)
def trash(request: AuthedHttpRequest, desk_id: str) -> HttpResponse:
    ticket = ticket_or_404(request, desk_id)
    if request.method != "POST":
        return render(request, "tickets/trash.html", {"ticket": ticket})
    try:
        field_services.ticket_move_to_trash(actor=request.user, ticket=ticket)
    except DeskError as error:
        return render(request, "tickets/trash.html", {"ticket": ticket, "error": desk_error_message(error)})
    messages.success(request, f"Ticket #{ticket.ticket_number} moved to Desk's trash.")
    return redirect("tickets:queue")


@login_required
@permission_required("core.edit_tickets", raise_exception=True)
def ticket_new(request: AuthedHttpRequest) -> HttpResponse:
    connection = connection_for_request(request)
    if connection is None:
        return no_connection(request)
    choices = queue_choices(connection=connection)
    if request.method != "POST":
        # "New ticket for this contact" (the contact's 360° page) and "New contact…" coming back: pre-filled.
        contact = contact_in_org(connection=connection, desk_id=request.GET.get("contact", ""))
        form = TicketCreateForm(
            initial={"contact_email": contact.email, "contact_last_name": contact.last_name}
            if contact
            else None,
            departments=choices.departments,
            statuses=choices.statuses,
            agents=choices.agents,
            teams=choices.teams,
        )
        return render(
            request, "tickets/new.html", {"form": form, "connection": connection, "contact": contact}
        )
    form = TicketCreateForm(
        request.POST,
        departments=choices.departments,
        statuses=choices.statuses,
        agents=choices.agents,
        teams=choices.teams,
    )
    context: dict[str, Any] = {"form": form, "connection": connection}
    if form.is_valid():
        try:
            ticket = field_services.ticket_create(
                actor=request.user,
                connection=connection,
                fields=form.desk_fields(),
                retry_of=request.POST.get("retry_of") or None,
            )
        except (WriteOutcomeUnknown, WriteNotSaved) as lost:
            # The answer was lost: "checking" until Desk says (the draft kept, nothing resent), or not saved.
            context["unknown_write"] = lost.write
        except DeskValidationError as error:
            if not add_desk_errors(form, error.fields):
                form.add_error(None, error.message)
        except DeskError as error:
            form.add_error(None, desk_error_message(error))
            if isinstance(error, RateLimited):
                context.update(retry_context(error))
        else:
            # A contact Desk made for a new email is usable at once (no Desk call; the sync completes it).
            contact_mirror_from_ticket(
                connection=connection,
                desk_id=ticket.contact_desk_id,
                email=form.cleaned_data["contact_email"],
                last_name=form.cleaned_data["contact_last_name"],
            )
            messages.success(request, f"Ticket #{ticket.ticket_number} created.")
            return redirect("tickets:detail", desk_id=ticket.desk_id)
    return render(request, "tickets/new.html", context, status=200)
