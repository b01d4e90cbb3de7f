"""Team writes: agent admin (invite, edit, deactivate, activate, delete; one audited Desk call each, the
mirror updated from Desk's answer), a Desk agent made a console user, and the org's support email addresses."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from apps.connections.models import DeskConnection
from apps.connections.services import desk_client_for
from apps.core.models import AuditEntry, OrgMembership
from apps.core.roles import Role
from apps.core.services import audit_record, org_agent_link, user_create
from apps.desk.client import DeskClient
from apps.desk.errors import DeskError
from apps.desk.types import UNSET, DeskRecord, FromAddress
from apps.mirror.apply import DeskItem
from apps.team.mirror import mirror_apply_agent
from apps.team.models import Agent, SupportAddress

# One address as the client types it, or as Desk's JSON (a webhook payload).
AddressItem = FromAddress | DeskRecord

# GET /mailReplyAddress (MailReplyAddress.json, getReplyMailAddresses): ``from`` starts at 1 there
# (its schema's minimum and default), ``limit`` is at most 100, and ``departmentId=allDepartment``
# lists every department's addresses in one walk.
ADDRESSES_PAGE_SIZE = 100
# A safety stop: an org with more than this many From addresses is not one DeskAdmin knows.
ADDRESSES_MAX_PAGES = 20


def _value(item: AddressItem, *names: str) -> Any:
    """A field of one address, whether Desk's camelCase JSON or the client's FromAddress (snake_case)."""
    for name in names:
        if isinstance(item, dict):
            if name in item:
                return item[name]
            continue
        if hasattr(item, name):
            return getattr(item, name)
        extra = getattr(item, "extra", None)
        if isinstance(extra, dict) and name in extra:
            return extra[name]
    return None


def _as_dict(item: AddressItem) -> dict[str, Any]:
    """What Desk said about the address, kept in ``raw`` (JSON-safe)."""
    if isinstance(item, dict):
        return item
    if dataclasses.is_dataclass(item) and not isinstance(item, type):
        data = {f.name: getattr(item, f.name) for f in dataclasses.fields(item) if f.name != "extra"}
        return json.loads(json.dumps({**getattr(item, "extra", {}), **data}, default=str))
    return {}


def support_addresses_fetch(client: DeskClient) -> tuple[list[FromAddress], int]:
    """Every From address of the org, as Desk lists them, and the number of calls it took (the client
    walks the pages, 100 a page, until a short one)."""
    items = client.support_email_addresses(max_items=ADDRESSES_PAGE_SIZE * ADDRESSES_MAX_PAGES)
    return items, min(len(items) // ADDRESSES_PAGE_SIZE + 1, ADDRESSES_MAX_PAGES)


def support_addresses_apply(connection: DeskConnection, items: Iterable[AddressItem]) -> int:
    """Make the mirror hold exactly these addresses (the absent ones are marked deleted); returns how many."""
    seen: list[str] = []
    now = timezone.now()
    with transaction.atomic():
        for item in items:
            desk_id = str(_value(item, "id") or "")
            address = str(_value(item, "address") or "").strip()
            if not desk_id or not address:
                continue
            active = _value(item, "isActive", "is_active")
            verified = _value(item, "isVerified", "is_verified")
            SupportAddress.objects.update_or_create(
                connection=connection,
                desk_id=desk_id,
                defaults={
                    "address": address[:254],
                    "display_name": str(_value(item, "displayName", "display_name") or "")[:200],
                    "department_desk_id": str(_value(item, "departmentId", "department_id") or ""),
                    "is_department_default": bool(
                        _value(item, "isDepartmentDefault", "is_department_default")
                    ),
                    "is_active": True if active is None else bool(active),
                    "is_verified": None if verified is None else bool(verified),
                    "raw": _as_dict(item),
                    "is_deleted": False,
                    "synced_at": now,
                },
            )
            seen.append(desk_id)
        SupportAddress.objects.filter(connection=connection, is_deleted=False).exclude(
            desk_id__in=seen
        ).update(is_deleted=True)
    return len(seen)


def support_addresses_refresh(connection: DeskConnection, client: DeskClient) -> int:
    """Mirror the org's support email addresses from Desk; returns the number of API calls made.

    Called by the sync engine's team refresh and initial sync, and once after an org is connected
    if nothing is mirrored yet. One call (a list: 3 credits) for an org with up to 100 addresses.
    """
    items, calls = support_addresses_fetch(client)
    support_addresses_apply(connection, items)
    return calls


def support_addresses_refresh_now(*, actor: User, connection: DeskConnection) -> int:
    """Refresh the From addresses at a person's request (one call), recorded in the audit log."""
    with desk_client_for(connection) as client:
        before = client.credits_spent
        try:
            calls = support_addresses_refresh(connection, client)
        except DeskError as error:
            audit_record(
                actor=actor,
                action="team.from_addresses.refresh",
                org_id=connection.org_id,
                outcome=AuditEntry.Outcome.FAILURE,
                message=error.message,
                api_calls=1,
                credits=client.credits_spent - before,
                detail={"error_code": error.error_code or "", "status": error.status},
            )
            raise
        spent = client.credits_spent - before
    audit_record(
        actor=actor,
        action="team.from_addresses.refresh",
        org_id=connection.org_id,
        api_calls=calls,
        credits=spent,
        detail={"addresses": SupportAddress.objects.filter(connection=connection, is_deleted=False).count()},
    )
    return calls


# -- agent admin: one audited Desk call each, the mirror updated from Desk's answer ----------------------------

# Desk's rolePermissionType values (Agent.json addAgent); "Custom" needs a role and profile id, not offered here.
ROLE_PERMISSION_TYPES = {
    "AgentPublic": "Agent (sees all tickets of their departments)",
    "AgentPersonal": "Agent (sees only their own tickets)",
    "AgentTeamPersonal": "Agent (sees their own and their teams' tickets)",
    "Admin": "Administrator",
    "Light": "Light agent (reads and comments only)",
}


class AgentActionRefused(Exception):
    """The console will not send this action (Desk would refuse it, or it makes no sense now)."""


def _agent_call[R](
    *,
    actor: User,
    connection: DeskConnection,
    action: str,
    target_id: str,
    call: Callable[[DeskClient], R],
    detail: dict[str, Any] | None = None,
) -> R:
    """One Desk call on a client of the org's connection, recorded in the audit log (refusals too)."""
    with desk_client_for(connection) as client:
        before = client.credits_spent
        try:
            result = call(client)
        except DeskError as error:
            audit_record(
                actor=actor,
                action=action,
                org_id=connection.org_id,
                target_type="agent",
                target_id=target_id,
                outcome=AuditEntry.Outcome.FAILURE,
                message=error.message,
                api_calls=1,
                credits=max(0, client.credits_spent - before),
                detail={**(detail or {}), "error_code": error.error_code or "", "status": error.status},
            )
            raise
        audit_record(
            actor=actor,
            action=action,
            org_id=connection.org_id,
            target_type="agent",
            target_id=target_id,
            api_calls=1,
            credits=max(0, client.credits_spent - before) or 1,
            detail=detail or {},
        )
    return result


def _mirror_agent(connection: DeskConnection, desk_agent: DeskItem) -> Agent:
    result = mirror_apply_agent(connection, desk_agent)
    return Agent.objects.get(connection=connection, desk_id=result.desk_ids[0])


def agent_invite(
    *,
    actor: User,
    connection: DeskConnection,
    email: str,
    first_name: str,
    last_name: str,
    role_permission_type: str,
    department_ids: list[str],
) -> Agent:
    """Add (invite) an agent: Desk emails the invitation; the agent stays unconfirmed until they accept."""
    desk_agent = _agent_call(
        actor=actor,
        connection=connection,
        action="team.agent.invite",
        target_id="",
        call=lambda client: client.agent_add(
            email=email,
            first_name=first_name or UNSET,
            last_name=last_name,
            associated_department_ids=department_ids,
            role_permission_type=role_permission_type,
        ),
        detail={"email": email, "role_permission_type": role_permission_type, "departments": department_ids},
    )
    return _mirror_agent(connection, desk_agent)


def agent_edit(
    *,
    actor: User,
    agent: Agent,
    first_name: str,
    last_name: str,
    email: str,
    phone: str,
    mobile: str,
    department_ids: list[str],
) -> Agent:
    """Change an agent's name, email, phone numbers and departments (only what changed is sent)."""
    changes: dict[str, Any] = {}
    current = {
        "first_name": agent.first_name,
        "last_name": agent.last_name,
        "email": agent.email,
        "phone": agent.phone,
        "mobile": agent.mobile,
    }
    wanted = {
        "first_name": first_name,
        "last_name": last_name,
        "email": email,
        "phone": phone,
        "mobile": mobile,
    }
    for key, value in wanted.items():
        if value != current[key]:
            changes[key] = value
    if sorted(department_ids) != sorted(str(d) for d in agent.associated_department_ids or []):
        changes["associated_department_ids"] = department_ids
    if not changes:
        raise AgentActionRefused("Nothing changed.")
    desk_agent = _agent_call(
        actor=actor,
        connection=agent.connection,
        action="team.agent.edit",
        target_id=agent.desk_id,
        call=lambda client: client.agent_update(agent.desk_id, **changes),
        detail={"changes": sorted(changes)},
    )
    return _mirror_agent(agent.connection, desk_agent)


def _mirror_status(agent: Agent, status: str) -> Agent:
    """Desk answers 204 to (de)activation: the mirror takes the status Desk just accepted."""
    raw = dict(agent.raw) if isinstance(agent.raw, dict) else {}
    raw["status"] = status
    agent.status = status
    agent.raw = raw
    agent.synced_at = timezone.now()
    agent.save(update_fields=["status", "raw", "synced_at"])
    return agent


def agent_deactivate(*, actor: User, agent: Agent) -> Agent:
    if agent.status == "DISABLED":
        raise AgentActionRefused(f"{agent} is already deactivated.")
    _agent_call(
        actor=actor,
        connection=agent.connection,
        action="team.agent.deactivate",
        target_id=agent.desk_id,
        call=lambda client: client.agent_deactivate(agent.desk_id),
    )
    return _mirror_status(agent, "DISABLED")


def agent_activate(*, actor: User, agent: Agent) -> Agent:
    if agent.status != "DISABLED":
        raise AgentActionRefused(f"{agent} is already active.")
    _agent_call(
        actor=actor,
        connection=agent.connection,
        action="team.agent.activate",
        target_id=agent.desk_id,
        call=lambda client: client.agent_activate(agent.desk_id),
    )
    return _mirror_status(agent, "ACTIVE")


def agent_delete(*, actor: User, agent: Agent) -> Agent:
    """Delete an agent the way Desk allows: ``DELETE /agents/{id}`` for a confirmed agent,
    ``POST /agents/deleteUnconfirmed`` for one who never accepted the invitation. Desk's refusals (e.g. the
    connection's own agent) come back as ``DeskError`` after the audit entry."""
    unconfirmed = agent.is_confirmed is False
    _agent_call(
        actor=actor,
        connection=agent.connection,
        action="team.agent.delete",
        target_id=agent.desk_id,
        call=(
            (lambda client: client.agents_delete_unconfirmed([agent.desk_id]))
            if unconfirmed
            else (lambda client: client.agent_delete(agent.desk_id))
        ),
        detail={"unconfirmed": unconfirmed},
    )
    raw = dict(agent.raw) if isinstance(agent.raw, dict) else {}
    raw["status"] = "DELETED"
    agent.status, agent.raw, agent.is_deleted, agent.synced_at = "DELETED", raw, True, timezone.now()
    agent.save(update_fields=["status", "raw", "is_deleted", "synced_at"])
    return agent


def agent_console_user_invite(*, actor: User, agent: Agent, username: str, password: str, role: Role) -> User:
    """Make a Desk agent a console user in one step: the user (with the agent's name and email), access to
    the agent's org, and the link to the agent. No Desk call."""
    first, last = agent.first_name, agent.last_name
    with transaction.atomic():
        user = user_create(
            username=username,
            password=password,
            role=role,
            email=agent.email,
            first_name=first[:150],
            last_name=last[:150],
            org_ids=[agent.connection.org_id],
            actor=actor,
        )
        membership = OrgMembership.objects.get(user=user, org_id=agent.connection.org_id)
        if membership.desk_agent_id != agent.desk_id:
            org_agent_link(membership=membership, desk_agent_id=agent.desk_id, actor=actor)
    return user
