"""The merge page: find tickets of the same org in the mirror (0 Desk calls), choose up to 4, confirm which
subject and contact the merged ticket keeps, then one Desk call merges them into this ticket."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from apps.core.htmx import AuthedHttpRequest
from apps.desk.errors import DeskError, DeskValidationError, RateLimited
from apps.tickets.forms.merge import MergeConfirmForm, MergeSearchForm
from apps.tickets.models import Ticket
from apps.tickets.selectors.merge import merge_candidates, merge_contact_names, merge_tickets_chosen
from apps.tickets.services.merge import MergeRefused, ticket_merge
from apps.tickets.views.common import desk_error_message, retry_context, ticket_or_404


def _label(ticket: Ticket) -> str:
    return f"#{ticket.ticket_number} {ticket.subject or '(no subject)'} · {ticket.status or 'no status'}"


def _confirm_form(ticket: Ticket, others: list[Ticket], data: Any = None) -> MergeConfirmForm:
    everyone = [ticket, *others]
    contacts = merge_contact_names(everyone)
    this = " (this ticket)"
    return MergeConfirmForm(
        data,
        initial={
            "ids": [o.desk_id for o in others],
            "subject_from": ticket.desk_id,
            "contact_from": ticket.desk_id,
        },
        others=[o.desk_id for o in others],
        subjects=[
            (t.desk_id, f"#{t.ticket_number}: {t.subject or '(no subject)'}{this if t is ticket else ''}")
            for t in everyone
        ],
        contacts=[
            (t.desk_id, f"#{t.ticket_number}: {contacts.get(t.desk_id, '')}{this if t is ticket else ''}")
            for t in everyone
        ],
    )


@login_required
@permission_required("core.assign_tickets", raise_exception=True)
def merge(request: AuthedHttpRequest, desk_id: str) -> HttpResponse:
    ticket = ticket_or_404(request, desk_id)
    if request.method == "POST":
        return _merge_post(request, ticket)
    chosen = merge_tickets_chosen(ticket=ticket, desk_ids=request.GET.getlist("ids"))
    query = request.GET.get("q", "")
    results = merge_candidates(ticket=ticket, query=query, exclude=[t.desk_id for t in chosen])
    form = MergeSearchForm(
        request.GET if request.GET else None,
        initial={"ids": [t.desk_id for t in chosen]},
        candidates=[(t.desk_id, _label(t)) for t in [*chosen, *results]],
    )
    context: dict[str, Any] = {
        "ticket": ticket,
        "form": form,
        "query": query,
        "searched": bool(query.strip()),
        "has_candidates": bool(chosen or results),
        "step": "search",
    }
    if request.GET.get("step") == "review" and form.is_valid():
        others = merge_tickets_chosen(ticket=ticket, desk_ids=form.cleaned_data["ids"])
        if not others:
            form.add_error(None, "Pick at least one ticket to merge into this one.")
        else:
            context.update(step="review", others=others, confirm=_confirm_form(ticket, others))
    return render(request, "tickets/merge.html", context)


def _merge_post(request: AuthedHttpRequest, ticket: Ticket) -> HttpResponse:
    posted = [d for d in dict.fromkeys(request.POST.getlist("ids")) if d]
    others = merge_tickets_chosen(ticket=ticket, desk_ids=posted)
    if len(others) != len(posted):
        # An id that is not a ticket of this org (or not one the user may see) is not found here.
        raise Http404("No such ticket")
    confirm = _confirm_form(ticket, others, request.POST)
    context: dict[str, Any] = {"ticket": ticket, "others": others, "confirm": confirm, "step": "review"}
    if confirm.is_valid():
        by_id = {t.desk_id: t for t in [ticket, *others]}
        try:
            merged = ticket_merge(
                actor=request.user,
                ticket=ticket,
                others=others,
                subject_from=by_id.get(confirm.cleaned_data["subject_from"]),
                contact_from=by_id.get(confirm.cleaned_data["contact_from"]),
            )
        except MergeRefused as refused:
            confirm.add_error(None, str(refused))
        except DeskValidationError as error:
            details = "; ".join(m for m in error.fields.values() if m and m != error.message)
            confirm.add_error(
                None, f"Desk refused the merge: {error.message}" + (f" ({details})" if details else "")
            )
        except DeskError as error:
            confirm.add_error(None, desk_error_message(error))
            if isinstance(error, RateLimited):
                context.update(retry_context(error))
        else:
            numbers = ", ".join(f"#{o.ticket_number}" for o in others)
            messages.success(request, f"Merged {numbers} into #{merged.ticket_number}.")
            return redirect("tickets:detail", desk_id=merged.desk_id)
    return render(request, "tickets/merge.html", context, status=200)
