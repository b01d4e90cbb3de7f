"""The ticket page (``/tickets/<desk id>/``, or the queue's side drawer), the conversation's refresh from
Desk behind it, and its field writes (status, priority, assignment), with the shape every write on a ticket
shares: validate, stale-write guard, one Desk call, re-render with a toast."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from apps.core.htmx import AuthedHttpRequest, alert, toast
from apps.desk.errors import DeskError, DeskNotFound, DeskValidationError, RateLimited
from apps.tickets.display import from_address_choices, sla_targets
from apps.tickets.forms.attachments import AttachmentUploadForm
from apps.tickets.forms.common import GuardedForm, add_desk_errors
from apps.tickets.forms.conversation import CommentForm, ReplyForm
from apps.tickets.forms.detail import AssignForm, PriorityForm, StatusForm
from apps.tickets.models import Ticket, UnknownWrite
from apps.tickets.selectors.attachments import attachments_for
from apps.tickets.selectors.conversation import conversation_for, conversation_is_stale, department_addresses
from apps.tickets.selectors.detail import cards_for, ticket_reloaded
from apps.tickets.selectors.presence import presence_others
from apps.tickets.selectors.queue import queue_choices, statuses_for
from apps.tickets.services import fields as field_services
from apps.tickets.services.conversation import ticket_conversation_refresh
from apps.tickets.services.presence import heartbeat_seconds
from apps.tickets.services.stale import (
    StaleTicket,
    seen_fields_unchanged,
    ticket_seen_read,
    ticket_seen_token,
)
from apps.tickets.services.unknown import WriteNotSaved, WriteOutcomeUnknown
from apps.tickets.views.common import desk_error_message, rate_limit_message, retry_context, ticket_or_404


def detail_context(request: AuthedHttpRequest, ticket: Ticket, **forms: GuardedForm) -> dict[str, Any]:
    """Everything the ticket page shows; ``forms`` replaces a form (bound, with errors) by name."""
    connection = ticket.connection
    choices = queue_choices(connection=connection)
    seen = ticket_seen_token(ticket)
    cards = cards_for(ticket)
    addresses = department_addresses(connection=connection, department_desk_id=ticket.department_desk_id)
    order = request.GET.get("order") or request.POST.get("order") or "newest"
    order = order if order in ("newest", "oldest") else "newest"
    contact_email = (cards.contact.email if cards.contact else "") or ticket.email
    initial_seen = {"seen": seen}
    context = {
        "ticket": ticket,
        "connection": connection,
        "cards": cards,
        "sla": sla_targets(ticket),
        "conversation": conversation_for(ticket=ticket, newest_first=order == "newest"),
        "order": order,
        "attachments": attachments_for(ticket=ticket),
        "attachment_max_mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024),
        "attachment_max_bytes": settings.ATTACHMENT_MAX_BYTES,
        "status_form": StatusForm(
            initial={**initial_seen, "status": ticket.status}, statuses=choices.statuses
        ),
        "priority_form": PriorityForm(initial={**initial_seen, "priority": ticket.priority}),
        "assign_form": AssignForm(
            initial={**initial_seen, "assignee": ticket.assignee_desk_id, "team": ticket.team_desk_id},
            agents=choices.agents,
            teams=choices.teams,
        ),
        "comment_form": CommentForm(initial=initial_seen),
        "reply_form": ReplyForm(
            initial={
                **initial_seen,
                "to": contact_email,
                "from_address": addresses[0].address if addresses else "",
            },
            from_addresses=from_address_choices(addresses),
        ),
        "upload_form": AttachmentUploadForm(initial=initial_seen),
        "seen": seen,
        "perms_can": {
            "reply": request.user.has_perm("core.reply_tickets"),
            "comment": request.user.has_perm("core.comment_tickets"),
            "assign": request.user.has_perm("core.assign_tickets"),
            "close": request.user.has_perm("core.close_tickets"),
            "edit": request.user.has_perm("core.edit_tickets"),
            "delete": request.user.has_perm("core.delete_tickets"),
            "refresh_addresses": request.user.has_perm("core.manage_connections"),
        },
        "stale": None,
        "retry_at": None,
        "conversation_error": "",
        "conversation_loading": False,
        "presence": presence_others(ticket=ticket, user=request.user),
        "presence_heartbeat": heartbeat_seconds(),
    }
    context.update({name: form for name, form in forms.items() if form is not None})
    return context


DRAWER_TARGET = "ticket-drawer"


@login_required
@permission_required("core.view_tickets", raise_exception=True)
@require_GET
def detail(request: AuthedHttpRequest, desk_id: str) -> HttpResponse:
    """The ticket from the mirror at once (0 Desk calls); a stale conversation is fetched afterwards by
    the page itself (``conversation_refresh``), so opening never waits on Desk."""
    ticket = ticket_or_404(request, desk_id)
    context = detail_context(request, ticket)
    partial = request.htmx and not request.htmx.history_restore_request
    if partial and request.GET.get("part") == "conversation":
        return render(request, "tickets/detail.html#conversation", context)
    context["conversation_loading"] = conversation_is_stale(ticket)
    if partial and request.htmx.target == DRAWER_TARGET:
        return render(request, "tickets/_drawer.html", context)
    return render(request, "tickets/detail.html", context)


@login_required
@permission_required("core.view_tickets", raise_exception=True)
@require_POST
def conversation_refresh(request: AuthedHttpRequest, desk_id: str) -> HttpResponse:
    """Fetch the conversation from Desk and answer with the conversation partial (the page asks for it
    right after it showed the mirrored copy). POST: it spends API credits and writes the mirror, which a
    GET must not do (link prefetchers, crawlers, a reload of a history entry would spend them).

    If the ticket's fields are as the page's forms saw them, the answer carries a new stale-guard note
    (``seen_update``) that tickets.js puts in those forms: what arrived is now on screen, so a reply sent
    next does not stop to show it again. Desk's failures come back inline in the partial, never as an
    error page.
    """
    ticket = ticket_or_404(request, desk_id)
    error = ""
    if conversation_is_stale(ticket):  # another viewer may have fetched it a moment ago
        try:
            ticket_conversation_refresh(ticket=ticket, force=True)
        except DeskNotFound:
            error = "Desk no longer has this ticket; this is the last mirrored copy."
        except DeskError as desk_error:
            error = f"Showing the mirrored conversation: {desk_error_message(desk_error)}"
        ticket = ticket_reloaded(ticket)
    order = request.POST.get("order") or "newest"
    order = order if order in ("newest", "oldest") else "newest"
    sent = request.POST.get("seen", "")
    token = ticket_seen_token(ticket)
    context = detail_context(request, ticket)  # the partial sees what the page's copy of it saw
    context.update(
        order=order,
        conversation=conversation_for(ticket=ticket, newest_first=order == "newest"),
        conversation_error=error,
        seen_before=sent,
        seen_update=token
        if token != sent and seen_fields_unchanged(ticket_seen_read(sent), ticket_seen_read(token))
        else "",
    )
    if not request.htmx:  # the no-script button: back to the page, now fresh
        if error:
            messages.warning(request, error)
        return redirect("tickets:detail", desk_id=ticket.desk_id)
    response = render(request, "tickets/detail.html#conversation", context)
    # What else the refresh brought: the attachments card rides along out of band, and the tags and
    # followers cards re-read the mirror when they hear "ticket-refreshed" (no Desk call).
    attachments = render(request, "tickets/detail.html#attachments", {**context, "oob": True})
    response.content += attachments.content
    response["HX-Trigger-After-Settle"] = "ticket-refreshed"
    return response


# --- the shape of every write on a ticket ----------------------------------------------------------------


def ticket_write[F: GuardedForm](
    request: AuthedHttpRequest,
    desk_id: str,
    *,
    form_name: str,
    form_class: type[F],
    form_kwargs: Callable[[Ticket], dict[str, Any]] = lambda ticket: {},
    perform: Callable[[Ticket, F, dict[str, Any] | None, bool], Ticket],
    success: str,
    aliases: dict[str, str] | None = None,
) -> HttpResponse:
    """Validate, guard, one Desk call, re-render with a toast.

    On any failure the same form comes back bound, so nothing the agent typed is lost.
    """
    ticket = ticket_or_404(request, desk_id)
    kwargs = form_kwargs(ticket)
    form = form_class(request.POST, **kwargs)
    if not form.is_valid():
        return _rerender(request, ticket, form_name, form, message="Check the highlighted fields.")
    seen = form.seen_snapshot()
    confirmed = bool(form.cleaned_data.get("confirm_stale"))
    try:
        ticket = perform(ticket, form, seen, confirmed)
    except StaleTicket as stale:
        # The agent confirms by sending the same form again, now marked as seen-and-confirmed.
        data = request.POST.copy()
        data["confirm_stale"] = "on"
        data["seen"] = ticket_seen_token(ticket)
        return _rerender(request, ticket, form_name, form_class(data, **kwargs), stale=stale)
    except DeskValidationError as error:
        if not add_desk_errors(form, error.fields, aliases=aliases):
            form.add_error(None, error.message)
        return _rerender(
            request, ticket, form_name, form, message=f"Desk refused the change: {error.message}"
        )
    except RateLimited as error:
        return _rerender(request, ticket, form_name, form, message=rate_limit_message(error), retry=error)
    except (WriteOutcomeUnknown, WriteNotSaved) as lost:
        # The answer was lost: "checking" until Desk says (the draft kept, nothing resent), or not saved.
        return _rerender(request, ticket, form_name, form, message=lost.message, unknown=lost.write)
    except DeskError as error:
        return _rerender(request, ticket, form_name, form, message=desk_error_message(error))
    if not request.htmx:
        messages.success(request, success)
        return redirect("tickets:detail", desk_id=ticket.desk_id)
    response = render(request, "tickets/detail.html#main", detail_context(request, ticket))
    return toast(response, success, "success")


def _rerender(
    request: AuthedHttpRequest,
    ticket: Ticket,
    form_name: str,
    form: GuardedForm,
    *,
    message: str = "",
    stale: StaleTicket | None = None,
    retry: RateLimited | None = None,
    unknown: UnknownWrite | None = None,
) -> HttpResponse:
    context = detail_context(request, ticket, **{form_name: form})
    context["active_form"] = form_name
    if unknown is not None:
        context["unknown_write"] = unknown
    if stale is not None:
        context["stale"] = stale
        context["stale_form"] = form_name
        message = "The ticket changed in Desk since you opened it. Review the changes, then confirm."
    if retry is not None:
        context.update(retry_context(retry))
    if not request.htmx:
        return render(request, "tickets/detail.html", context, status=200)
    response = render(request, "tickets/detail.html#main", context)
    if unknown is not None:
        return toast(response, message, "warning")  # the banner says it all and keeps asking
    if stale is not None or retry is not None:
        return toast(response, message, "warning")
    return alert(response, message) if message else response


# --- field writes --------------------------------------------------------------------------------------------


@login_required
@permission_required("core.close_tickets", raise_exception=True)
@require_POST
def status_change(request: AuthedHttpRequest, desk_id: str) -> HttpResponse:
    def perform(ticket: Ticket, form: StatusForm, seen: dict[str, Any] | None, confirmed: bool) -> Ticket:
        return field_services.ticket_status_change(
            actor=request.user,
            ticket=ticket,
            status=form.cleaned_data["status"],
            resolution=form.cleaned_data["resolution"],
            seen=seen,
            confirmed=confirmed,
        )

    status = request.POST.get("status", "")
    return ticket_write(
        request,
        desk_id,
        form_name="status_form",
        form_class=StatusForm,
        form_kwargs=lambda ticket: {"statuses": statuses_for(connection=ticket.connection)},
        perform=perform,
        success=f"Status changed to {status}." if status.lower() != "closed" else "Ticket closed.",
    )


@login_required
# Priority is triage, like status: whoever may change a ticket's status may set its priority.
@permission_required("core.close_tickets", raise_exception=True)
@require_POST
def priority_change(request: AuthedHttpRequest, desk_id: str) -> HttpResponse:
    def perform(ticket: Ticket, form: PriorityForm, seen: dict[str, Any] | None, confirmed: bool) -> Ticket:
        return field_services.ticket_priority_change(
            actor=request.user,
            ticket=ticket,
            priority=form.cleaned_data["priority"],
            seen=seen,
            confirmed=confirmed,
        )

    return ticket_write(
        request,
        desk_id,
        form_name="priority_form",
        form_class=PriorityForm,
        perform=perform,
        success="Priority changed.",
    )


@login_required
@permission_required("core.assign_tickets", raise_exception=True)
@require_POST
def assign(request: AuthedHttpRequest, desk_id: str) -> HttpResponse:
    def form_kwargs(ticket: Ticket) -> dict[str, Any]:
        choices = queue_choices(connection=ticket.connection)
        return {"agents": choices.agents, "teams": choices.teams}

    def perform(ticket: Ticket, form: AssignForm, seen: dict[str, Any] | None, confirmed: bool) -> Ticket:
        return field_services.ticket_assign(
            actor=request.user,
            ticket=ticket,
            assignee_id=form.cleaned_data["assignee"],
            team_id=form.cleaned_data["team"],
            seen=seen,
            confirmed=confirmed,
        )

    return ticket_write(
        request,
        desk_id,
        form_name="assign_form",
        form_class=AssignForm,
        form_kwargs=form_kwargs,
        perform=perform,
        success="Assignment saved.",
        aliases={"assignee_id": "assignee", "team_id": "team"},
    )
