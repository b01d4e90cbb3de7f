"""The Overview's parts (sections of ``core:dashboard``, registered in InsightsConfig.ready()): the cross-org
search box and the per-org cards; the cards' live refresh, the search results, and the org switch that links
to another org's queue, ticket or contact go through."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required, permission_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.connections.models import DeskConnection
from apps.connections.selectors import (
    Freshness,
    api_usage_for,
    connection_for_request,
    connections_for_request,
    mirror_freshness,
)
from apps.core.htmx import AuthedHttpRequest
from apps.core.shell import PageSection
from apps.desk.budget import ApiUsage
from apps.insights.overview import Figure, OrgFigures, card_figures, figures_for, is_stale, versions_of
from apps.insights.search import (
    MAX_QUERY_LENGTH,
    PER_ORG,
    ContactHit,
    OrgResults,
    SearchRefused,
    TicketHit,
    clean_query,
    search_orgs,
)
from apps.insights.views.switch import open_in_org, visible_org

# How often an open Overview asks whether its cards changed (a 204 when nothing did).
POLL_SECONDS = 10
# The cards' API budgets are read together from one short-lived cache entry each (the budget itself is
# several cache reads per org); the top bar's meter reads the current org's live.
BUDGET_SECONDS = 5


def org_link(url: str, *, connection: DeskConnection, direct: bool) -> str:
    """``url`` (a page of ``connection``'s org) as a link. With several orgs on the page it goes through the
    org switch, so it opens in the org it was shown for whichever org is current when it is followed."""
    if direct:
        return url
    return org_switch_path(connection.pk) + "?" + urlencode({"next": url})


def org_switch_path(pk: int) -> str:
    return reverse("insights:org_open", args=[pk])


def _through(switch: str, url: str) -> str:
    """``url`` behind the org switch ``switch`` (its path and "?"), or as it is without one."""
    return switch + urlencode({"next": url}) if switch and url else url


def cards_stamp(
    connections: list[DeskConnection], versions: dict[int, int], figures: dict[int, OrgFigures], now: datetime
) -> str:
    """What the cards show depends on: the orgs, the mirror version each card's figures were computed for and
    whether the mirror has moved since ("updating…"), their last syncs, and the minute (overdue and due-soon
    move with the clock; "synced N s ago" ages). The open page sends it back when it polls."""
    orgs = ",".join(
        f"{c.pk}.{figures[c.pk].version}{'s' if is_stale(figures[c.pk], versions[c.pk]) else ''}"
        f".{int(c.last_synced_at.timestamp()) if c.last_synced_at else 0}"
        for c in connections
    )
    return f"{now:%Y%m%d%H%M}:{orgs}"


def budgets_for(connections: list[DeskConnection]) -> dict[int, ApiUsage | None]:
    """Each org's API budget (``api_usage_for``, as the top bar's meter), at most ``BUDGET_SECONDS`` old."""
    keys = {c.pk: f"insights:overview:budget:{c.pk}" for c in connections}
    found = cache.get_many(list(keys.values())) if keys else {}
    budgets: dict[int, ApiUsage | None] = {}
    for connection in connections:
        usage = found.get(keys[connection.pk])
        if not isinstance(usage, ApiUsage):
            usage = api_usage_for(connection)
            if usage is not None:
                cache.set(keys[connection.pk], usage, BUDGET_SECONDS)
        budgets[connection.pk] = usage
    return budgets


@dataclass(frozen=True)
class OrgCard:
    connection: DeskConnection
    is_current: bool
    figures: list[Figure]
    freshness: Freshness
    budget: ApiUsage | None
    queue_url: str
    # When the figures were computed, if the mirror has moved since (a recompute is queued): "updating…".
    stale_as_of: datetime | None = None


def cards_context(
    request: HttpRequest,
    *,
    now: datetime | None = None,
    versions: dict[int, int] | None = None,
    figures: dict[int, OrgFigures] | None = None,
) -> dict[str, Any]:
    """The cards of every org the user may see (``connections_for_request``: the queue's own access rule).
    A card whose figures are older than its mirror shows them with their own time (``figures_for`` queued
    the recompute; the poll swaps it in)."""
    now = now or timezone.now()
    connections = connections_for_request(request)
    current = connection_for_request(request)
    versions = versions if versions is not None else versions_of(connections)
    figures = figures if figures is not None else figures_for(connections, versions=versions, now=now)
    direct = len(connections) == 1
    budgets = budgets_for(connections)
    queue = reverse("tickets:queue")
    cards = []
    for connection in connections:
        # The org switch reversed once per card, not once per figure.
        switch = "" if direct else org_switch_path(connection.pk) + "?"
        cards.append(
            OrgCard(
                connection=connection,
                is_current=current is not None and current.pk == connection.pk and not direct,
                figures=[
                    replace(f, url=_through(switch, f.url))
                    for f in card_figures(figures[connection.pk], now=now)
                ],
                freshness=mirror_freshness(connection, now=now),
                budget=budgets[connection.pk],
                queue_url=_through(switch, queue),
                stale_as_of=timezone.localtime(figures[connection.pk].computed_at)
                if is_stale(figures[connection.pk], versions[connection.pk])
                else None,
            )
        )
    # The line above the cards speaks for the least fresh org: every figure is at least that fresh.
    ages = [c.freshness for c in cards if c.freshness.age_seconds is not None]
    oldest = max(ages, key=lambda f: f.age_seconds or 0) if ages else None
    return {
        "cards": cards,
        "as_of": timezone.localtime(now),
        "synced_words": oldest.label if oldest else "not synced yet",
        "several": len(cards) > 1,
        "stamp": cards_stamp(connections, versions, figures, now),
        "poll_seconds": POLL_SECONDS,
    }


# -- sections of the Overview (core:dashboard) ----------------------------------------------------------------


def search_section(request: HttpRequest, **objects: Any) -> PageSection | None:
    """The cross-org search box, for whoever may open the search (the ticket queue's permission)."""
    if not request.user.has_perm("core.view_tickets") or not connections_for_request(request):
        return None
    return PageSection("insights/overview_search_box.html", {"max_length": MAX_QUERY_LENGTH})


def cards_section(request: HttpRequest, **objects: Any) -> PageSection | None:
    """One card per org the user may see: agents see their orgs' cards too (the figures are the queue's)."""
    if not request.user.has_perm("core.view_tickets") or not connections_for_request(request):
        return None
    return PageSection("insights/overview_cards.html", cards_context(request))


# -- views ---------------------------------------------------------------------------------------------------


@login_required
@permission_required("core.view_tickets", raise_exception=True)
@never_cache
@require_GET
def overview_cards(request: AuthedHttpRequest) -> HttpResponse:
    """The cards again when anything they show moved since ``stamp`` (the page's), else 204 (htmx keeps the
    cards and polls on). Unchanged, it costs the connections query, one cache read per org and one for the
    figures (and queues a card's recompute if its mirror moved and none is queued: deduplicated)."""
    now = timezone.now()
    connections = connections_for_request(request)
    versions = versions_of(connections)
    figures = figures_for(connections, versions=versions, now=now)
    if request.GET.get("stamp", "") == cards_stamp(connections, versions, figures, now):
        return HttpResponse(status=204)
    section = cards_context(request, now=now, versions=versions, figures=figures)
    return render(request, "insights/overview_cards.html#cards", {"section": section})


@dataclass(frozen=True)
class OrgGroup:
    """One org's search results with the links people follow (each into that org)."""

    results: OrgResults
    tickets: list[tuple[TicketHit, str]]
    contacts: list[tuple[ContactHit, str]]
    queue_url: str
    contacts_url: str


def _group(found: OrgResults, *, direct: bool) -> OrgGroup:
    def link(url: str) -> str:
        return org_link(url, connection=found.connection, direct=direct) if url else ""

    return OrgGroup(
        results=found,
        tickets=[(hit, link(reverse("tickets:detail", args=[hit.desk_id]))) for hit in found.tickets],
        contacts=[(hit, link(reverse("customers:contact", args=[hit.desk_id]))) for hit in found.contacts],
        queue_url=link(found.queue_url),
        contacts_url=link(found.contacts_url),
    )


@login_required
@permission_required("core.view_tickets", raise_exception=True)
@require_GET
def search(request: AuthedHttpRequest) -> HttpResponse:
    """Tickets and contacts matching ``q`` in every org the user may see, grouped by org (mirror only)."""
    connections = connections_for_request(request)
    raw = request.GET.get("q", "")
    can_contacts = request.user.has_perm("core.view_customers")
    message, query = "", " ".join(raw.split())[:MAX_QUERY_LENGTH]
    groups: list[OrgGroup] = []
    if "q" in request.GET:
        try:
            query = clean_query(raw)
        except SearchRefused as refused:
            message = str(refused)
        else:
            direct = len(connections) == 1
            for found in search_orgs(connections=connections, query=query, contacts=can_contacts):
                groups.append(_group(found, direct=direct))
    context = {
        "query": query,
        "message": message,
        "groups": groups,
        "searched": bool(groups),
        "found_any": any(g.results.found for g in groups),
        "connections": connections,
        "can_contacts": can_contacts,
        "max_length": MAX_QUERY_LENGTH,
        "per_org": PER_ORG,
    }
    partial = getattr(request, "htmx", False) and not request.htmx.boosted
    template = "insights/overview_search.html#results" if partial else "insights/overview_search.html"
    return render(request, template, context)


@login_required
@permission_required("core.view_tickets", raise_exception=True)
@require_GET
def org_open(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Make ``pk`` the current org and go to ``next``, a page of that org: the Overview's links into another
    org's queue, tickets and contacts (``switch.open_in_org``). 404 for an org the user may not see."""
    return open_in_org(request, visible_org(request, pk), request.GET.get("next", ""))
