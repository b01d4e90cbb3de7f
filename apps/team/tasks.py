"""Background tasks (django.tasks): fill the support-address mirror of a newly connected org."""

from __future__ import annotations

from typing import Any

from django.tasks import task

from apps.connections.models import DeskConnection
from apps.connections.services import desk_client_for
from apps.desk.errors import DeskError
from apps.team.selectors import support_addresses_mirrored
from apps.team.services import support_addresses_refresh


@task(queue_name="default")
def support_addresses_fill(connection_id: int) -> dict[str, Any]:
    """Mirror the org's From addresses if none are mirrored yet (the sync's team refresh keeps them fresh)."""
    connection = DeskConnection.objects.filter(pk=connection_id).first()
    if connection is None or not connection.is_usable:
        return {"connection": connection_id, "api_calls": 0, "skipped": "not usable"}
    if support_addresses_mirrored(connection):
        return {"connection": connection_id, "api_calls": 0, "skipped": "already mirrored"}
    try:
        with desk_client_for(connection, priority="background") as client:
            calls = support_addresses_refresh(connection, client)
    except DeskError as error:
        # The next team refresh tries again; a missing scope or a spent budget is no reason to fail loudly.
        return {"connection": connection_id, "api_calls": 1, "error": str(error)}
    return {"connection": connection_id, "api_calls": calls}
