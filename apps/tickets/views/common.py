"""What every ticket view shares: Desk errors in words for the agent, the page shown without a
connection, and the ticket looked up in the user's scope (404 otherwise)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from apps.connections.selectors import connection_for_request
from apps.core.htmx import AuthedHttpRequest
from apps.desk.errors import (
    DeskError,
    DeskNetworkError,
    DeskNotFound,
    DeskOutcomeUnknown,
    DeskServerError,
    RateLimited,
)
from apps.tickets import credits
from apps.tickets.models import Ticket
from apps.tickets.selectors.detail import ticket_for_user


def rate_limit_message(error: RateLimited) -> str:
    if credits.is_credits_exhausted(error):
        return f"{credits.credits_exhausted_message(error)} Your draft is kept."
    local = timezone.localtime(error.retry_at)
    return f"Desk is rate-limiting, retrying at {local:%H:%M}. Your draft is kept."


def retry_context(error: RateLimited) -> dict[str, Any]:
    """What the page shows after a 429: when to retry, and whether the kept draft is resent by itself.

    A brief concurrency 429 resends the draft when Desk allows; spent credits come back only at the
    reset, hours away, so the draft waits for the agent to send it again.
    """
    if credits.is_credits_exhausted(error):
        return {
            "retry_at": error.retry_at,
            "retry_seconds": None,
            "credits_spent": True,
            "credits_message": credits.credits_exhausted_message(error),
        }
    return {"retry_at": error.retry_at, "retry_seconds": int(error.retry_after) + 1, "credits_spent": False}


def desk_error_message(error: DeskError) -> str:
    """What a Desk failure means for the agent, in one sentence; tokens never appear in Desk messages."""
    if isinstance(error, RateLimited):
        return rate_limit_message(error)
    if error.error_code in ("OUTCOME_UNKNOWN", "NOT_SAVED"):  # services.unknown's, already in words
        return error.message
    if isinstance(error, DeskOutcomeUnknown):
        return "Desk's answer was lost: it may have done this. Your draft is kept; check before trying again."
    if isinstance(error, DeskNetworkError | DeskServerError):
        return "Desk is not answering right now. Your draft is kept; try again in a moment."
    if isinstance(error, DeskNotFound):
        return "Desk no longer has this ticket (it may have been deleted)."
    return f"Desk refused the change: {error.message}"


def no_connection(request: AuthedHttpRequest) -> HttpResponse:
    return render(request, "tickets/no_connection.html", status=200)


def ticket_or_404(request: AuthedHttpRequest, desk_id: str) -> Ticket:
    ticket = ticket_for_user(user=request.user, desk_id=desk_id, connection=connection_for_request(request))
    if ticket is None:
        raise Http404("No such ticket")
    return ticket
