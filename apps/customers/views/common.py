"""What every customer view shares: Desk errors in words, the page shown without a connection, the list
context, and records looked up in the user's scope (404 otherwise)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from apps.connections.selectors import connection_for_request
from apps.core.htmx import AuthedHttpRequest
from apps.customers.models import Account, Contact
from apps.customers.selectors.detail import record_for_user
from apps.desk.errors import (
    CreditsExhausted,
    DeskError,
    DeskNetworkError,
    DeskNotFound,
    DeskServerError,
    RateLimited,
)


def desk_error_message(error: DeskError, *, what: str = "record") -> str:
    """What a Desk failure means for the user, in one sentence (Desk's messages never hold a token)."""
    if isinstance(error, RateLimited):
        local = timezone.localtime(error.retry_at)
        if isinstance(error, CreditsExhausted) or (error.error_code or "").upper() == "THRESHOLD_EXCEEDED":
            return f"The org's Desk API credits for today are spent (they come back at {local:%H:%M}). Your draft is kept."
        return f"Desk is rate-limiting, try again at {local:%H:%M}. Your draft is kept."
    if isinstance(error, DeskNetworkError | DeskServerError):
        return "Desk is not answering right now. Your draft is kept; try again in a moment."
    if isinstance(error, DeskNotFound):
        return f"Desk no longer has this {what} (it may have been deleted)."
    return f"Desk refused the change: {error.message}"


def no_connection(request: AuthedHttpRequest) -> HttpResponse:
    return render(request, "customers/no_connection.html", status=200)


def record_or_404(request: AuthedHttpRequest, model: type[Contact] | type[Account], desk_id: str) -> Any:
    """The contact or account in the user's orgs (the current org's first); 404 otherwise."""
    record = record_for_user(
        model, user=request.user, desk_id=desk_id, connection=connection_for_request(request)
    )
    if record is None:
        raise Http404(f"No such {model._meta.model_name}")
    return record


def safe_next(request: AuthedHttpRequest) -> str:
    """A ``next`` URL on this site only (the ticket form sends people to create a contact and come back)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=False
    ):
        return target
    return ""


def is_partial(request: AuthedHttpRequest) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


def header_context(filters: Any) -> list[dict[str, Any]]:
    """The sortable headers of a list: label, the URL that sorts by it, and its aria-sort state."""
    return [
        {
            "key": key,
            "label": label,
            "query": filters.sort_query(key),
            "state": "ascending"
            if filters.sort == key
            else ("descending" if filters.sort == f"-{key}" else ""),
        }
        for key, label in filters.columns.items()
    ]
