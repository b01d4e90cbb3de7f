"""Connection reads: which connections a user may see, the one chosen for this request, page facts."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest

from apps.connections.models import DeskConnection
from apps.core.selectors import org_ids_for_user

SESSION_KEY = "current_connection_id"
_REQUEST_CACHE = "_desk_connection"


def connections_for_user(*, user: Any) -> QuerySet[DeskConnection]:
    """Connections the user may work in: admins see all, others the orgs they are members of.

    Disconnected connections are left out: nobody can work in them (the admin list shows them).
    """
    if not getattr(user, "is_authenticated", False):
        return DeskConnection.objects.none()
    connections = DeskConnection.objects.exclude(status=DeskConnection.Status.DISCONNECTED)
    allowed = org_ids_for_user(user=user)
    if allowed is not None:
        connections = connections.filter(org_id__in=allowed)
    return connections


def connection_for_request(request: HttpRequest) -> DeskConnection | None:
    """The connection chosen in the session if the user may see it, else their first healthy one."""
    if hasattr(request, _REQUEST_CACHE):
        return getattr(request, _REQUEST_CACHE)
    connections = list(connections_for_user(user=request.user))
    chosen = None
    session = getattr(request, "session", None)
    wanted = session.get(SESSION_KEY) if session is not None else None
    if wanted is not None:
        chosen = next((c for c in connections if c.pk == wanted), None)
    if chosen is None:
        healthy = [c for c in connections if c.status == DeskConnection.Status.HEALTHY]
        chosen = healthy[0] if healthy else (connections[0] if connections else None)
    setattr(request, _REQUEST_CACHE, chosen)
    return chosen


def connections_for_admin_list() -> QuerySet[DeskConnection]:
    """Every connection, the disconnected ones last."""
    return DeskConnection.objects.select_related("connected_by").order_by("status", "org_name", "pk")


def api_usage_for(connection: DeskConnection | None) -> Any:
    """The org's API budget (``apps.desk.budget.ApiUsage``: credits used and left today, the daily limit if
    known, calls in flight, the edition's concurrency cap, ``paused_until`` while credits are spent), or None.
    """
    if connection is None:
        return None
    try:
        from apps.desk.budget import api_usage
    except ImportError:  # the Desk client is not installed yet
        return None
    try:
        return api_usage(connection.org_id, edition=connection.edition or None)
    except Exception:  # the meter must never break a page (e.g. the cache is down)
        return None
