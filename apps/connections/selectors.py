"""Connection reads: which connections a user may see, the one chosen for this request, page facts."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from apps.connections.models import DeskConnection
from apps.core.orgs import Org
from apps.core.selectors import org_ids_for_user
from apps.desk.budget import ApiUsage, api_usage

SESSION_KEY = "current_connection_id"
_REQUEST_CACHE = "_desk_connection"
_REQUEST_LIST_CACHE = "_desk_connections"


def connections_for_user(*, user: User | AnonymousUser) -> QuerySet[DeskConnection]:
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


def connections_for_request(request: HttpRequest) -> list[DeskConnection]:
    """``connections_for_user`` for this request's user, read once per request (the view and the shell's
    org switcher both need it)."""
    if not hasattr(request, _REQUEST_LIST_CACHE):
        setattr(request, _REQUEST_LIST_CACHE, list(connections_for_user(user=request.user)))
    connections: list[DeskConnection] = getattr(request, _REQUEST_LIST_CACHE)
    return connections


def connection_for_request(request: HttpRequest) -> DeskConnection | None:
    """The connection chosen in the session if the user may see it, else their first healthy one."""
    if hasattr(request, _REQUEST_CACHE):
        return getattr(request, _REQUEST_CACHE)
    connections = connections_for_request(request)
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


def connections_for_list(*, user: User) -> QuerySet[DeskConnection]:
    """The Connections page's rows: every connection for admins, the user's own orgs for everyone else."""
    if org_ids_for_user(user=user) is None:
        return connections_for_admin_list()
    return connections_for_user(user=user).select_related("connected_by").order_by("org_name", "pk")


def orgs_for_directory() -> list[Org]:
    """The orgs users can be given access to (the core's org directory): every org not disconnected."""
    rows = DeskConnection.objects.exclude(status=DeskConnection.Status.DISCONNECTED).values_list(
        "org_id", "org_name"
    )
    return [Org(org_id=org_id, name=name) for org_id, name in rows]


def api_usage_for(connection: DeskConnection | None) -> ApiUsage | None:
    """The org's API budget (``apps.desk.budget.ApiUsage``: credits used and left today, the daily limit if
    known, calls in flight, the edition's concurrency cap, ``paused_until`` while credits are spent), or None.
    """
    if connection is None:
        return None
    try:
        return api_usage(connection.org_id, edition=connection.edition or None)
    except Exception:  # the meter must never break a page (e.g. the cache is down)
        return None


@dataclass(frozen=True)
class Freshness:
    """How fresh a connection's mirror is: the one wording every page shows."""

    synced_at: datetime | None
    age_seconds: int | None

    @property
    def label(self) -> str:
        """ "synced 14 s ago", "synced 3 min ago", "not synced yet"."""
        if self.age_seconds is None:
            return "not synced yet"
        return f"synced {age_words(self.age_seconds)} ago"


def age_words(seconds: int) -> str:
    """A duration short enough for a status line: "14 s", "3 min", "2 h", "5 d"."""
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


def mirror_freshness(connection: DeskConnection | None, *, now: datetime | None = None) -> Freshness:
    """When the connection's mirror was last brought up to date with Desk (shown as ``.label``)."""
    if connection is None or connection.last_synced_at is None:
        return Freshness(synced_at=None, age_seconds=None)
    age = max(0, int(((now or timezone.now()) - connection.last_synced_at).total_seconds()))
    return Freshness(synced_at=connection.last_synced_at, age_seconds=age)


def connection_labels(org_id: str, target_ids: list[str]) -> dict[str, str]:
    """The audit log's names for connection targets: the org's name (registered with apps.core.orgs)."""
    pks = [int(i) for i in target_ids if i.isdigit()]
    return {
        str(pk): name or f"org {org}"
        for pk, name, org in DeskConnection.objects.filter(pk__in=pks).values_list("pk", "org_name", "org_id")
    }
