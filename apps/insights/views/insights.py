"""The Insights page (``/insights/``), its metrics fragment (polled: it re-renders only when a mirror changed
or the minute turned), each chart's numbers as CSV, and the drill-down: a number's queue, or its tickets as a
streamed CSV. All reads from the mirror (0 API calls)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.core.cache import cache
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET

from apps.connections.models import DeskConnection
from apps.connections.selectors import SESSION_KEY, connection_for_request, connections_for_request
from apps.core.htmx import AuthedHttpRequest
from apps.core.parsing import parse_id
from apps.insights import metrics
from apps.insights.export import stream_csv, table_csv, ticket_rows
from apps.insights.forms import ALL, RANGES, InsightsChoice, InsightsForm
from apps.insights.selectors import build_page, filter_options
from apps.tickets.forms.queue import QueueFilterForm
from apps.tickets.selectors.queue import tickets_for_queue

POLL_SECONDS = 15


def _chosen(request: AuthedHttpRequest) -> tuple[InsightsChoice, list[DeskConnection], list[DeskConnection]]:
    """The parsed URL, the connections it covers (never one the user may not see) and all the user's."""
    available = connections_for_request(request)
    current = connection_for_request(request)
    choice = InsightsForm(request.GET).choice(default_org=str(current.pk) if current else ALL)
    if choice.org == ALL:
        return choice, list(available), available
    chosen = [c for c in available if str(c.pk) == choice.org]
    if not chosen:
        if choice.org and current is not None:
            choice.problems.append("That org is not one you may see; your current org is shown.")
        choice.org = str(current.pk) if current else ALL
        chosen = [current] if current else list(available)
    return choice, chosen, available


def _freshness(connections: list[DeskConnection], now) -> dict:
    synced = [c.last_synced_at for c in connections if c.last_synced_at is not None]
    oldest = min(synced) if synced else None
    return {
        "as_of": timezone.localtime(now),
        "synced_seconds": int((now - oldest).total_seconds()) if oldest else None,
    }


def _metrics_body(choice: InsightsChoice, chosen: list[DeskConnection], *, now, stamp: str) -> SafeString:
    """The metrics' HTML, rendered once per (mirror versions, minute, filters) whoever asks: it holds no
    user's data beyond the orgs in the key (every user who may see them sees the same figures and links)."""
    key = (
        "insights:html:"
        + hashlib.sha1(f"{stamp}|{choice.query()}".encode(), usedforsecurity=False).hexdigest()
    )
    html = cache.get(key)
    if html is None:
        page = build_page(connections=chosen, choice=choice, now=now)
        html = render_to_string(
            "insights/_metrics_body.html",
            {
                "page": page,
                "choice": choice,
                "csv_base": reverse("insights:chart_csv") + "?" + choice.query(),
            },
        )
        cache.set(key, html, metrics.CACHE_SECONDS)
    return mark_safe(html)  # noqa: S308 - rendered by our own template, every value escaped there


def _context(request: AuthedHttpRequest, choice: InsightsChoice, chosen: list[DeskConnection]) -> dict:
    now = timezone.now()
    stamp = metrics.stamp(chosen, now)
    return {
        "choice": choice,
        "body": _metrics_body(choice, chosen, now=now, stamp=stamp),
        "single_org": chosen[0] if len(chosen) == 1 else None,
        "stamp": stamp,
        "poll_url": reverse("insights:metrics") + "?" + choice.query(),
        "poll_seconds": POLL_SECONDS,
        "time_zone": settings.TIME_ZONE,
        "all_orgs": len(chosen) > 1 or choice.org == ALL,
        **_freshness(chosen, now),
    }


@login_required
@permission_required("core.view_insights", raise_exception=True)
@require_GET
def dashboard(request: AuthedHttpRequest) -> HttpResponse:
    choice, chosen, available = _chosen(request)
    if not chosen:
        return render(request, "insights/no_connection.html")
    context = _context(request, choice, chosen)
    context.update(
        {
            "orgs": available,
            "ranges": RANGES,
            "options": filter_options(chosen),
            "range_links": [
                (key, label, "?" + choice.query(range=key, start="", end=""))
                for key, label in RANGES.items()
                if key != "custom"
            ],
        }
    )
    return render(request, "insights/dashboard.html", context)


@login_required
@permission_required("core.view_insights", raise_exception=True)
@require_GET
def metrics_fragment(request: AuthedHttpRequest) -> HttpResponse:
    """The polled metrics: 204 (nothing to swap) while the stamp is the one the page has."""
    choice, chosen, _ = _chosen(request)
    if not chosen:
        return HttpResponse(status=204)
    if request.GET.get("since") and request.GET["since"] == metrics.stamp(chosen, timezone.now()):
        return HttpResponse(status=204)
    return render(request, "insights/_metrics.html", _context(request, choice, chosen))


@login_required
@permission_required("core.view_insights", raise_exception=True)
@require_GET
def chart_csv(request: AuthedHttpRequest) -> HttpResponse:
    choice, chosen, _ = _chosen(request)
    if not chosen:
        raise Http404("No org")
    page = build_page(connections=chosen, choice=choice)
    name = request.GET.get("chart", "volume")
    table = page.tables.get(name)
    if table is None:
        return HttpResponseBadRequest("No such chart.", content_type="text/plain")
    return table_csv(table, f"insights-{name}-{choice.scope.start}-{choice.scope.end}.csv")


@login_required
@permission_required("core.view_insights", raise_exception=True)
@require_GET
def drill(request: AuthedHttpRequest) -> HttpResponseBase:
    """A number's tickets: the queue of its org (``org``, else the current one) with the number's filter
    (the org becomes the current one, as the org switcher would make it), or with ``export=csv`` the
    tickets as a streamed CSV. An org the user may not see is not found."""
    wanted = request.GET.get("org", "")
    connection = (
        next((c for c in connections_for_request(request) if str(c.pk) == parse_id(wanted)), None)
        if wanted
        else connection_for_request(request)
    )
    if connection is None:
        raise Http404("No such org")
    params = request.GET.copy()
    for key in ("org", "export"):
        params.pop(key, None)
    filters = QueueFilterForm(params).filters()
    if request.GET.get("export") == "csv":
        tickets = tickets_for_queue(connection=connection, filters=filters)
        return stream_csv(ticket_rows(tickets), f"tickets-{connection.org_id}.csv")
    request.session[SESSION_KEY] = connection.pk
    return HttpResponseRedirect(reverse("tickets:queue") + "?" + filters.to_query())
