"""What the sync adds to pages other apps own (registered in SyncConfig.ready())."""

from __future__ import annotations

from django.http import HttpRequest

from apps.connections.models import DeskConnection
from apps.core.shell import PageSection
from apps.sync.selectors import search_scope_notice


def connection_search_notice(request: HttpRequest, *, connection: DeskConnection) -> PageSection | None:
    """On a connection's page: what a grant without the search scope costs the sync (no Desk call)."""
    notice = search_scope_notice(connection)
    if notice is None:
        return None
    return PageSection("sync/search_notice.html", {"notice": notice, "connection": connection})
