"""Team reads from the mirror (0 API calls): the support addresses a reply may come from."""

from __future__ import annotations

from apps.connections.models import DeskConnection
from apps.team.models import SupportAddress


def support_addresses_for_department(
    *, connection: DeskConnection, department_desk_id: str
) -> list[SupportAddress]:
    """The active addresses a reply on a ticket of this department may come from, default first (0 calls)."""
    if not department_desk_id:
        return []
    return list(
        SupportAddress.objects.filter(
            connection=connection,
            department_desk_id=department_desk_id,
            is_deleted=False,
            is_active=True,
        ).order_by("-is_department_default", "address", "desk_id")
    )


def support_addresses_mirrored(connection: DeskConnection) -> bool:
    return SupportAddress.objects.filter(connection=connection, is_deleted=False).exists()
