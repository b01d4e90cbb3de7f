"""Org, agent and target directories: names of Desk orgs, their agents and audited objects, told to the core by
the apps that know them.

The core keeps who may see which org (``OrgMembership``, by Desk orgId) but imports no app above it, so the
connections app registers the connected orgs and the team app each org's Desk agents from their
``AppConfig.ready()``. With nothing registered the core still works: orgs show as their ids, no agents.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.dispatch import Signal


@dataclass(frozen=True)
class Org:
    org_id: str
    name: str


@dataclass(frozen=True)
class DeskAgentChoice:
    desk_id: str
    label: str  # "Jane Doe <jane@example.org>"


OrgDirectory = Callable[[], list[Org]]
# (org_id, target ids) -> {target id: label}, e.g. the tickets app labels "ticket" targets "#123 Printer on fire".
TargetLabeler = Callable[[str, list[str]], dict[str, str]]
_TARGET_LABELERS: dict[str, list[TargetLabeler]] = {}
AgentDirectory = Callable[[str], list[DeskAgentChoice]]  # org_id -> that org's agents
_ORG_DIRECTORIES: list[OrgDirectory] = []
_AGENT_DIRECTORIES: list[AgentDirectory] = []

# Sent after a user is given access to an org (the team app links their Desk agent by email).
# Arguments: membership (OrgMembership).
org_access_granted = Signal()


def register_org_directory(directory: OrgDirectory) -> None:
    if directory not in _ORG_DIRECTORIES:
        _ORG_DIRECTORIES.append(directory)


def register_agent_directory(directory: AgentDirectory) -> None:
    if directory not in _AGENT_DIRECTORIES:
        _AGENT_DIRECTORIES.append(directory)


def known_orgs() -> list[Org]:
    """Every org a user can be given access to, by name."""
    orgs: dict[str, Org] = {}
    for directory in _ORG_DIRECTORIES:
        for org in directory():
            orgs.setdefault(org.org_id, org)
    return sorted(orgs.values(), key=lambda org: (org.name.lower(), org.org_id))


def org_names() -> dict[str, str]:
    return {org.org_id: org.name for org in known_orgs()}


def agents_for_org(org_id: str) -> list[DeskAgentChoice]:
    """The Desk agents of one org a console user can be linked to."""
    agents: dict[str, DeskAgentChoice] = {}
    for directory in _AGENT_DIRECTORIES:
        for agent in directory(org_id):
            agents.setdefault(agent.desk_id, agent)
    return sorted(agents.values(), key=lambda agent: agent.label.lower())


def register_target_labeler(target_type: str, labeler: TargetLabeler) -> None:
    """Let the audit log name objects of one target type ("ticket", "bulk_job", …) the core cannot import."""
    labelers = _TARGET_LABELERS.setdefault(target_type, [])
    if labeler not in labelers:
        labelers.append(labeler)


def target_labels(targets: list[tuple[str, str, str]]) -> dict[tuple[str, str, str], str]:
    """Readable labels for (target_type, org_id, target_id) triples, from the registered labelers; the
    ones no labeler knows are left out (the page falls back to the type and id)."""
    wanted: dict[tuple[str, str], set[str]] = {}
    for target_type, org_id, target_id in targets:
        if target_id and target_type in _TARGET_LABELERS:
            wanted.setdefault((target_type, org_id), set()).add(target_id)
    labels: dict[tuple[str, str, str], str] = {}
    for (target_type, org_id), ids in wanted.items():
        for labeler in _TARGET_LABELERS[target_type]:
            for target_id, label in labeler(org_id, sorted(ids)).items():
                labels.setdefault((target_type, org_id, target_id), label)
    return labels
