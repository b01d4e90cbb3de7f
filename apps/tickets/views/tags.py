"""A ticket's tags panel: shown from the mirror (0 calls), suggestions from the org's known tags (0 calls),
add and remove (one Desk call each, stale-write guard, audited). Also the panel-write shape the followers
panel shares: validate, guard, call, re-render the panel with a toast."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from apps.core.htmx import AuthedHttpRequest, alert, toast
from apps.desk.errors import DeskError, DeskValidationError
from apps.tickets.forms.common import GuardedForm
from apps.tickets.forms.tags import TagAddForm, TagRemoveForm
from apps.tickets.models import Ticket
from apps.tickets.selectors.tags import tags_known
from apps.tickets.services import tags as tag_services
from apps.tickets.services.stale import StaleTicket, ticket_seen_token
from apps.tickets.views.common import desk_error_message, ticket_or_404

TAG_PERMISSION = "core.close_tickets"  # tagging is triage, like status and priority


def tags_context(
    request: AuthedHttpRequest, ticket: Ticket, form: TagAddForm | None = None
) -> dict[str, Any]:
    seen = ticket_seen_token(ticket)
    return {
        "ticket": ticket,
        "seen": seen,
        "tags_panel": True,
        "can_tag": request.user.has_perm(TAG_PERMISSION),
        "tag_form": form or TagAddForm(initial={"seen": seen}),
    }


@login_required
@permission_required("core.view_tickets", raise_exception=True)
@require_GET
def tags_panel(request: AuthedHttpRequest, desk_id: str) -> HttpResponse:
    ticket = ticket_or_404(request, desk_id)
    return render(request, "tickets/_tags.html", tags_context(request, ticket))


@login_required
@permission_required("core.view_tickets", raise_exception=True)
@require_GET
def tag_suggestions(request: AuthedHttpRequest, desk_id: str) -> HttpResponse:
    """<option>s for the add-tag input's datalist: tags already used in the org's mirror."""
    ticket = ticket_or_404(request, desk_id)
    have = {t.lower() for t in ticket.tags}
    names = [
        n
        for n in tags_known(connection=ticket.connection, prefix=request.GET.get("tag", ""))
        if n.lower() not in have
    ]
    return render(request, "tickets/_tags.html#suggestions", {"tag_suggestions": names})


def panel_write[F: GuardedForm](
    request: AuthedHttpRequest,
    desk_id: str,
    *,
    form: Callable[[Ticket], F],
    perform: Callable[[Ticket, F, dict[str, Any] | None, bool], Ticket],
    context: Callable[[Ticket, F | None], dict[str, Any]],
    template: str,
    success: Callable[[F], str],
) -> HttpResponse:
    """A write from a side panel: validate, stale-write guard, one Desk call, the panel re-rendered."""
    ticket = ticket_or_404(request, desk_id)
    bound = form(ticket)

    def again(message: str, **extra: Any) -> HttpResponse:
        response = render(request, template, {**context(ticket, bound), **extra})
        return alert(response, message) if request.htmx else response

    if not bound.is_valid():
        errors = "; ".join(str(e) for errors in bound.errors.values() for e in errors)
        return again(errors or "Check the highlighted field.")
    try:
        ticket = perform(ticket, bound, bound.seen_snapshot(), bool(bound.cleaned_data.get("confirm_stale")))
    except StaleTicket as stale:
        changed = ", ".join(c.label for c in stale.changes) or "new messages"
        return again(
            "The ticket changed in Desk since you opened it.",
            stale_note=f"The ticket changed in Desk since you opened it ({changed}). Send again to confirm.",
            confirm_stale=True,
            seen=ticket_seen_token(ticket),
        )
    except DeskValidationError as error:
        bound.add_error(None, error.message)
        return again(f"Desk refused the change: {error.message}")
    except DeskError as error:
        return again(desk_error_message(error))
    if not request.htmx:
        return redirect("tickets:detail", desk_id=ticket.desk_id)
    return toast(render(request, template, context(ticket, None)), success(bound), "success")


def _tag_write(request: AuthedHttpRequest, desk_id: str, *, remove: bool) -> HttpResponse:
    def perform(ticket: Ticket, form: GuardedForm, seen: dict[str, Any] | None, confirmed: bool) -> Ticket:
        service = tag_services.ticket_tags_remove if remove else tag_services.ticket_tags_add
        return service(
            actor=request.user,
            ticket=ticket,
            names=[form.cleaned_data["tag"]],
            seen=seen,
            confirmed=confirmed,
        )

    def context(ticket: Ticket, form: GuardedForm | None) -> dict[str, Any]:
        return tags_context(request, ticket, None if remove else form)  # type: ignore[arg-type]

    form_class = TagRemoveForm if remove else TagAddForm
    return panel_write(
        request,
        desk_id,
        form=lambda ticket: form_class(request.POST),
        perform=perform,
        context=context,
        template="tickets/_tags.html",
        success=lambda form: f"Tag “{form.cleaned_data['tag']}” {'removed' if remove else 'added'}.",
    )


@login_required
@permission_required(TAG_PERMISSION, raise_exception=True)
@require_POST
def tag_add(request: AuthedHttpRequest, desk_id: str) -> HttpResponse:
    return _tag_write(request, desk_id, remove=False)


@login_required
@permission_required(TAG_PERMISSION, raise_exception=True)
@require_POST
def tag_remove(request: AuthedHttpRequest, desk_id: str) -> HttpResponse:
    return _tag_write(request, desk_id, remove=True)
