"""What the team app adds to pages other apps own (registered in TeamConfig.ready()): on the Users page, the
Desk agents no console user is linked to, each one step from being one (0 API calls)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.http import HttpRequest

from apps.connections.models import DeskConnection
from apps.core.models import OrgMembership
from apps.core.shell import PageSection
from apps.team.models import Agent


def users_desk_agents(request: HttpRequest) -> PageSection | None:
    """Active Desk agents (per connected org) that no console user is, by link or by email."""
    if not request.user.has_perm("core.manage_users"):
        return None
    emails = {
        e.strip().lower() for e in get_user_model().objects.exclude(email="").values_list("email", flat=True)
    }
    linked = set(OrgMembership.objects.exclude(desk_agent_id="").values_list("org_id", "desk_agent_id"))
    orgs = []
    for connection in DeskConnection.objects.order_by("org_name", "org_id"):
        agents = [
            a
            for a in Agent.objects.filter(connection=connection, is_deleted=False, status="ACTIVE")
            .exclude(email="")
            .order_by("name", "desk_id")
            if (connection.org_id, a.desk_id) not in linked and a.email.strip().lower() not in emails
        ]
        if agents:
            orgs.append({"connection": connection, "agents": agents})
    return PageSection("team/users_section.html", {"orgs": orgs})
