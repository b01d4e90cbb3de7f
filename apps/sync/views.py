"""Sync pages: the status page with its HTMX-polled progress bar, and the admins' "Sync now" button."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from apps.connections.selectors import connection_for_request, mirror_freshness
from apps.core.htmx import AuthedHttpRequest, toast
from apps.sync import selectors, services

MANAGE = "core.manage_connections"
# After "Sync now" the page keeps polling until that sync finished, or at most this long (no worker running).
WATCH_LIMIT = timedelta(minutes=5)


def _context(request: HttpRequest, *, requested_at: str = "") -> dict:
    """``requested_at``: when "Sync now" was pressed; the progress keeps polling until a sync finished after it."""
    connection = connection_for_request(request)
    progress = selectors.sync_progress(connection) if connection else None
    requested = parse_datetime(requested_at) if requested_at else None
    waiting = bool(
        progress is not None
        and requested is not None
        and not progress.running
        and (progress.last_success_at is None or progress.last_success_at < requested)
        and timezone.now() - requested < WATCH_LIMIT
    )
    return {
        "connection": connection,
        "freshness": mirror_freshness(connection),
        "progress": progress,
        "can_sync": request.user.has_perm(MANAGE),
        # Queued but not started yet: say so and keep polling.
        "waiting": waiting,
        "requested_at": requested.isoformat()
        if requested and (waiting or progress and progress.running)
        else "",
    }


@login_required
@permission_required("core.view_tickets", raise_exception=True)
@never_cache
@require_GET
def sync_status(request: HttpRequest) -> HttpResponse:
    template = "sync/status.html#progress" if getattr(request, "htmx", False) else "sync/status.html"
    return render(request, template, _context(request))


@login_required
@permission_required("core.view_tickets", raise_exception=True)
@never_cache
@require_GET
def sync_progress(request: HttpRequest) -> HttpResponse:
    """The progress fragment alone: polled every 2 s while a sync runs, then it stops polling itself."""
    return render(
        request, "sync/status.html#progress", _context(request, requested_at=request.GET.get("since", ""))
    )


@login_required
@require_POST
def sync_now(request: AuthedHttpRequest) -> HttpResponse:
    if not request.user.has_perm(MANAGE):
        raise PermissionDenied("Only admins can start a sync.")
    connection = connection_for_request(request)
    if connection is None or not connection.is_usable:
        response = render(request, "sync/status.html#progress", _context(request))
        return toast(response, "Connect a Desk org first: there is nothing to sync.", "warning")
    full = request.POST.get("full") == "1"
    requested_at = timezone.now()
    services.sync_request(actor=request.user, connection=connection, full=full)
    response = render(
        request, "sync/status.html#progress", _context(request, requested_at=requested_at.isoformat())
    )
    return toast(response, f"{'Full' if full else 'A'} sync of {connection.org_name} is queued.", "success")
