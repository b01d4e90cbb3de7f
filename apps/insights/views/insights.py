"""The Insights page (``/insights/``), its metrics fragment (polled: it re-renders only when a mirror changed
or the minute turned), each chart's numbers as CSV, and the drill-down: a number's queue, or its tickets as a
streamed CSV. All reads from the mirror (0 API calls)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from apps.connections.models import DeskConnection
from apps.connections.selectors import connection_for_request, connections_for_request
from apps.core.htmx import AuthedHttpRequest
from apps.insights import metrics
from apps.insights.export import stream_csv, table_csv, ticket_rows
from apps.insights.forms import ALL, RANGES, InsightsChoice, InsightsForm
from apps.insights.refresh import Rendered, metrics_block
from apps.insights.selectors import build_page, filter_options
from apps.insights.views.switch import open_in_org, visible_org
from apps.tickets.forms.queue import QueueFilterForm
from apps.tickets.selectors.queue import tickets_for_queue

POLL_SECONDS = 15


def _chosen(request: AuthedHttpRequest) -> tuple[InsightsChoice, list[DeskConnection], list[DeskConnection]]:
    """The parsed URL, the connections it covers (never one the user may not see) and all the user's."""
    available = connections_for_request(request)
    current = connection_for_request(request)
    zones = {str(c.pk): c.zone for c in available}  # "today" is the chosen org's day
    choice = InsightsForm(request.GET).choice(default_org=str(current.pk) if current else ALL, zones=zones)
    if choice.org == ALL:
        return choice, list(available), available
    chosen = [c for c in available if str(c.pk) == choice.org]
    if not chosen:
        if choice.org and current is not None:
            choice.problems.append("That org is not one you may see; your current org is shown.")
        choice.org = str(current.pk) if current else ALL
        chosen = [current] if current else list(available)
    return choice, chosen, available


def _freshness(connections: list[DeskConnection], as_of) -> dict:
    """When the figures were computed, and how long ago the least fresh org synced."""
    synced = [c.last_synced_at for c in connections if c.last_synced_at is not None]
    oldest = min(synced) if synced else None
    return {
        "as_of": timezone.localtime(as_of),
        "synced_seconds": max(0, int((timezone.now() - oldest).total_seconds())) if oldest else None,
    }


def _context(
    request: AuthedHttpRequest,
    choice: InsightsChoice,
    chosen: list[DeskConnection],
    block: Rendered | None = None,
    stale: bool = False,
) -> dict:
    """The metrics block's context: the latest block computed for these filters (``refresh``), with the time
    it was computed and its stamp (the poll sends it back, so a newer block is swapped in when there is one).
    """
    if block is None:
        block, stale = metrics_block(chosen, choice)
    return {
        "choice": choice,
        # rendered by our own template (refresh.render_now), every value escaped there
        "body": mark_safe(block.html),  # noqa: S308
        "single_org": chosen[0] if len(chosen) == 1 else None,
        "stamp": block.stamp,
        "updating": stale,
        "poll_url": reverse("insights:metrics") + "?" + choice.query(),
        "poll_seconds": POLL_SECONDS,
        "time_zone": chosen[0].zone_name if len(chosen) == 1 else settings.TIME_ZONE,
        "zone_known": len(chosen) == 1 and chosen[0].zone_name == chosen[0].time_zone,
        "zones": sorted({c.zone_name for c in chosen}),
        "all_orgs": len(chosen) > 1 or choice.org == ALL,
        **_freshness(chosen, block.as_of),
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
    """The polled metrics: 204 (nothing to swap) while the page shows the newest block there is: the mirrors'
    stamp did not move, or it did and the recompute it queued has not finished yet."""
    choice, chosen, _ = _chosen(request)
    if not chosen:
        return HttpResponse(status=204)
    since = request.GET.get("since", "")
    if since and since == metrics.stamp(chosen, timezone.now()):
        return HttpResponse(status=204)
    block, stale = metrics_block(chosen, choice)
    if since and block.stamp == since:
        return HttpResponse(status=204)
    return render(request, "insights/_metrics.html", _context(request, choice, chosen, block, stale))


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
    connection = visible_org(request, wanted) if wanted else connection_for_request(request)
    if connection is None:
        raise Http404("No such org")
    params = request.GET.copy()
    for key in ("org", "export"):
        params.pop(key, None)
    filters = QueueFilterForm(params).filters()
    if request.GET.get("export") == "csv":
        tickets = tickets_for_queue(connection=connection, filters=filters)
        return stream_csv(ticket_rows(tickets), f"tickets-{connection.org_id}.csv")
    return open_in_org(request, connection, reverse("tickets:queue") + "?" + filters.to_query())
