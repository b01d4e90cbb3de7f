"""The team's mirror: how Desk's departments, agents and teams map to our tables, and their apply functions.

Registered with ``apps.mirror`` in ``TeamConfig.ready()``; the sync engine finds these entities there.
"""

from __future__ import annotations

from typing import Any

from apps.connections.models import DeskConnection
from apps.desk import types as desk
from apps.mirror import apply as mirror
from apps.mirror.apply import ApplyResult, DeskItem, flag, text
from apps.team.models import Agent, Department, Team


def _department_columns(d: desk.Department) -> dict[str, Any]:
    return {
        "name": text(d.name),
        "description": text(d.description),
        "is_enabled": d.is_enabled if d.is_enabled is not None else True,
        "is_default": flag(d.is_default),
        "created_time": d.created_time,
    }


def _agent_columns(a: desk.Agent) -> dict[str, Any]:
    return {
        "first_name": text(a.first_name),
        "last_name": text(a.last_name),
        "name": text(a.name) or a.display_name,
        "email": text(a.email),
        "phone": text(a.phone),
        "mobile": text(a.mobile),
        "role_id": text(a.role_id),
        "role_name": text(a.role_name),
        "profile_id": text(a.profile_id),
        "status": text(a.status),
        "is_confirmed": a.is_confirmed,
        "associated_department_ids": [str(i) for i in a.associated_department_ids or []],
        "created_time": a.created_time,
    }


def _team_columns(t: desk.Team) -> dict[str, Any]:
    members = t.member_ids if t.member_ids is not None else t.extra.get("members")
    return {
        "name": text(t.name),
        "description": text(t.description),
        "department_desk_id": text(t.department_id),
        "member_ids": [str(m) for m in members or []],
    }


def register() -> None:
    """Called from TeamConfig.ready()."""
    mirror.register(mirror.MirrorEntity("departments", Department, desk.Department, _department_columns))
    mirror.register(mirror.MirrorEntity("agents", Agent, desk.Agent, _agent_columns))
    mirror.register(mirror.MirrorEntity("teams", Team, desk.Team, _team_columns))


def mirror_apply_agent(connection: DeskConnection, desk_agent: DeskItem) -> ApplyResult:
    return mirror.apply_objects(connection, "agents", [desk_agent])


def mirror_apply_department(connection: DeskConnection, desk_department: DeskItem) -> ApplyResult:
    return mirror.apply_objects(connection, "departments", [desk_department])


def mirror_apply_team(connection: DeskConnection, desk_team: DeskItem) -> ApplyResult:
    return mirror.apply_objects(connection, "teams", [desk_team])
