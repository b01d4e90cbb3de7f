"""Console users linked to their Desk agent per org: the agent choices, and matching by email (0 API calls).

The link itself is ``apps.core.models.OrgMembership.desk_agent_id``; the core cannot read the agent mirror, so
this module tells it the agents of each org (``agents_for_org`` choices on the Users page) and links a user by
email when they are given access to an org and whenever agents are mirrored. A link an admin set is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from apps.connections.models import DeskConnection
from apps.core.models import OrgMembership
from apps.core.orgs import DeskAgentChoice, org_access_granted, register_agent_directory
from apps.core.services import org_agent_link
from apps.mirror import apply as mirror
from apps.team.models import Agent

MATCHED_BY_EMAIL = "matched by email"


def agent_choices(org_id: str) -> list[DeskAgentChoice]:
    """The org's mirrored Desk agents, as the Users page offers them."""
    agents = Agent.objects.filter(connection__org_id=org_id, is_deleted=False).order_by("name", "desk_id")
    return [DeskAgentChoice(desk_id=a.desk_id, label=_label(a)) for a in agents]


def _label(agent: Agent) -> str:
    name = agent.name or " ".join(p for p in (agent.first_name, agent.last_name) if p) or agent.desk_id
    return f"{name} <{agent.email}>" if agent.email else name


def agent_for_email(*, org_id: str, email: str) -> Agent | None:
    """The org's one active Desk agent with this email (case-insensitive), or None."""
    email = email.strip()
    if not email:
        return None
    matches = list(Agent.objects.filter(connection__org_id=org_id, email__iexact=email, is_deleted=False)[:2])
    return matches[0] if len(matches) == 1 else None


def membership_link_by_email(membership: OrgMembership) -> bool:
    """Link a membership without an agent to the org's agent with the user's email; True if it linked."""
    if membership.desk_agent_id:
        return False
    agent = agent_for_email(org_id=membership.org_id, email=membership.user.email)
    if agent is None:
        return False
    org_agent_link(membership=membership, desk_agent_id=agent.desk_id, actor=None, how=MATCHED_BY_EMAIL)
    return True


def memberships_link_after_agents_saved(connection: DeskConnection, rows: Sequence[Agent]) -> None:
    """After agents of an org were mirrored: link the org's unlinked members whose email matches one of them."""
    emails = {(row.email or "").strip().lower() for row in rows if not row.is_deleted} - {""}
    if not emails:
        return
    unlinked = OrgMembership.objects.filter(org_id=connection.org_id, desk_agent_id="").select_related("user")
    for membership in unlinked:
        if membership.user.email.strip().lower() in emails:
            membership_link_by_email(membership)


def _on_access_granted(sender: Any, *, membership: OrgMembership, **kwargs: Any) -> None:
    membership_link_by_email(membership)


def connect() -> None:
    """Called from TeamConfig.ready(): the agent choices, and matching on access given and agents mirrored."""
    register_agent_directory(agent_choices)
    org_access_granted.connect(_on_access_granted, dispatch_uid="team.links.access_granted")
    mirror.on_saved("agents", memberships_link_after_agents_saved)
