"""The one way Insights and the Overview open a page in a given org: make that org the current one (as the
top bar's switcher does) and redirect to a path of this site. Used by the Overview's links into another
org (``insights:org_open``, ``core.view_tickets``) and by the metrics' drill-down (``insights:drill``,
``core.view_insights``): each view keeps its own permission and builds its own target."""

from __future__ import annotations

from django.http import Http404, HttpResponseRedirect
from django.urls import reverse

from apps.connections.models import DeskConnection
from apps.connections.selectors import SESSION_KEY, connections_for_request
from apps.core.htmx import AuthedHttpRequest
from apps.core.parsing import parse_id, safe_next_url


def visible_org(request: AuthedHttpRequest, pk: object) -> DeskConnection:
    """The org ``pk`` if the user may see it (the switcher's own rule, ``connections_for_request``); any
    other value, an unknown org or one of another team is not found (404), so nothing tells them apart."""
    wanted = parse_id(pk)
    found = (
        next((c for c in connections_for_request(request) if str(c.pk) == wanted), None) if wanted else None
    )
    if found is None:
        raise Http404("No such org")
    return found


def open_in_org(
    request: AuthedHttpRequest, connection: DeskConnection, target: object
) -> HttpResponseRedirect:
    """Make ``connection`` the current org and go to ``target``: a path on this site, else the Overview
    (``safe_next_url``: another site, ``//host``, a scheme or a view name is refused)."""
    request.session[SESSION_KEY] = connection.pk
    return HttpResponseRedirect(safe_next_url(request, target, fallback=reverse("core:dashboard")))
