"""Agent admin against the sandbox: one Desk call each, the mirror and audit log updated, Desk's refusals
shown as clear messages, and deactivation with the agent's open tickets reassigned in the same step (a bulk job)."""

import pytest
from django.urls import reverse

from apps.core.models import AuditEntry, OrgMembership
from apps.team.models import Agent, Department
from apps.tickets.models import Ticket

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)


def sandbox_agent(desk_id: str):
    from apps.sandbox.models import Agent as SandboxAgent

    return SandboxAgent.objects.filter(pk=int(desk_id)).first()


def test_invite_edit_deactivate_activate_and_delete_an_invited_agent(world, member, admin_user):
    client = member(admin_user)
    department = Department.objects.filter(connection=world.connection).first()

    # Invite: one POST /agents; the mirror holds the new, unconfirmed agent.
    response = client.post(
        reverse("team:agent_invite"),
        {
            "email": "new.agent@example.org",
            "first_name": "Nova",
            "last_name": "Agent",
            "role_permission_type": "AgentPublic",
            "departments": [department.desk_id],
        },
    )
    assert response.status_code == 302
    assert world.api_paths() == ["POST /agents"]
    agent = Agent.objects.get(connection=world.connection, email="new.agent@example.org")
    assert agent.is_confirmed is False and sandbox_agent(agent.desk_id).last_name == "Agent"
    assert AuditEntry.objects.filter(action="team.agent.invite", outcome="success").count() == 1
    page = client.get(reverse("team:agent", args=[agent.desk_id])).content.decode()
    assert "Not yet confirmed" in page

    # The same email again: Desk's field error lands on the email field, nothing is mirrored.
    world.clear_log()
    again = client.post(
        reverse("team:agent_invite"),
        {
            "email": "new.agent@example.org",
            "last_name": "Twice",
            "role_permission_type": "AgentPublic",
            "departments": [department.desk_id],
        },
    )
    assert again.status_code == 422
    assert "already exists" in again.content.decode()
    assert world.api_paths() == ["POST /agents"]

    # Edit: one PATCH with only what changed.
    world.clear_log()
    edit = client.post(
        reverse("team:agent_edit", args=[agent.desk_id]),
        {
            "first_name": "Nova",
            "last_name": "Renamed",
            "email": "new.agent@example.org",
            "phone": "",
            "mobile": "",
            "departments": [department.desk_id],
        },
    )
    assert edit.status_code == 302
    assert world.api_paths() == [f"PATCH /agents/{agent.desk_id}"]
    agent.refresh_from_db()
    assert agent.last_name == "Renamed" and sandbox_agent(agent.desk_id).last_name == "Renamed"

    # Deactivate, then activate: one call each, status mirrored.
    world.clear_log()
    assert client.post(reverse("team:agent_deactivate", args=[agent.desk_id])).status_code == 302
    agent.refresh_from_db()
    assert agent.status == "DISABLED" and sandbox_agent(agent.desk_id).status == "DISABLED"
    assert client.post(reverse("team:agent_activate", args=[agent.desk_id])).status_code == 302
    agent.refresh_from_db()
    assert agent.status == "ACTIVE" and sandbox_agent(agent.desk_id).status == "ACTIVE"
    assert world.api_paths() == [f"POST /agents/{agent.desk_id}/deactivate", "POST /agents/activate"]

    # Delete an agent who never accepted the invitation: Desk's deleteUnconfirmed, the mirror marks it.
    world.clear_log()
    assert client.post(reverse("team:agent_delete", args=[agent.desk_id])).status_code == 302
    assert world.api_paths() == ["POST /agents/deleteUnconfirmed"]
    agent.refresh_from_db()
    assert agent.is_deleted and sandbox_agent(agent.desk_id) is None
    actions = set(AuditEntry.objects.filter(target_id=agent.desk_id).values_list("action", flat=True))
    assert {"team.agent.edit", "team.agent.deactivate", "team.agent.activate", "team.agent.delete"} <= actions


def test_desk_refusing_to_delete_is_explained_then_an_agent_becomes_a_console_user(world, member, admin_user):
    """The connection signs in as admin@deskadmin.local: Desk will not delete the caller."""
    client = member(admin_user)
    me = Agent.objects.get(connection=world.connection, email__iexact="admin@deskadmin.local")
    confirm = client.get(reverse("team:agent_delete", args=[me.desk_id]))
    assert confirm.status_code == 200 and "Deactivate instead" in confirm.content.decode()

    response = client.post(reverse("team:agent_delete", args=[me.desk_id]))
    assert response.status_code == 422
    html = response.content.decode()
    assert "Desk will not delete this agent" in html and "Deactivate them instead" in html
    assert world.api_paths() == [f"DELETE /agents/{me.desk_id}"]
    me.refresh_from_db()
    assert not me.is_deleted and sandbox_agent(me.desk_id) is not None
    failure = AuditEntry.objects.get(action="team.agent.delete")
    assert failure.outcome == "failure" and failure.detail["status"] == 422

    # A Desk agent becomes a console user in one step, from the Users page's list (no Desk call).
    world.clear_log()
    agent = (
        Agent.objects.filter(connection=world.connection, status="ACTIVE", is_deleted=False)
        .exclude(email__iexact="admin@deskadmin.local")
        .first()
    )
    users = client.get(reverse("core:users")).content.decode()
    assert reverse("team:agent_console_user", args=[agent.desk_id]) in users

    response = client.post(
        reverse("team:agent_console_user", args=[agent.desk_id]),
        {"username": "from-desk", "password": "a-long-enough-passphrase", "role": "manager"},
    )
    assert response.status_code == 302
    membership = OrgMembership.objects.get(user__username="from-desk", org_id=world.connection.org_id)
    assert membership.desk_agent_id == agent.desk_id
    assert membership.user.email == agent.email and membership.user.groups.filter(name="manager").exists()
    assert world.api_calls() == 0
    users = client.get(reverse("core:users")).content.decode()
    assert reverse("team:agent_console_user", args=[agent.desk_id]) not in users


def test_deactivate_reassigns_open_tickets_and_deactivates_in_one_step(world, member, admin_user):
    client = member(admin_user)
    open_tickets = (
        Ticket.objects.filter(connection=world.connection, is_deleted=False)
        .exclude(status_type="Closed")
        .exclude(assignee_desk_id="")
    )
    leaving_id = open_tickets.values_list("assignee_desk_id", flat=True).first()
    leaving = Agent.objects.get(connection=world.connection, desk_id=leaving_id)
    ids = sorted(open_tickets.filter(assignee_desk_id=leaving_id).values_list("desk_id", flat=True))
    successor = (
        Agent.objects.filter(connection=world.connection, status="ACTIVE", is_deleted=False)
        .exclude(desk_id=leaving_id)
        .exclude(is_confirmed=False)
        .first()
    )
    url = reverse("team:agent_deactivate", args=[leaving.desk_id])
    world.clear_log()

    page = client.get(url).content.decode()
    assert f"data-open-count>{len(ids)}<" in page and f'<option value="{successor.desk_id}">' in page
    assert client.post(url, {"reassign": "1", "reassign_to": "not-an-agent"}).status_code == 422
    assert world.api_calls() == 0

    # One form: the reassignment runs as the queue's bulk "Assign" (one Desk call per ticket), then the
    # deactivation; the bulk job's page shows the outcome.
    done = client.post(url, {"reassign": "1", "reassign_to": successor.desk_id}, follow=True)
    assert done.redirect_chain[-1][0].startswith("/tickets/bulk/")
    shown = done.content.decode()
    assert f"Deactivated {leaving}" in shown and f"being reassigned to {successor}" in shown
    assert sorted(p for p in world.api_paths() if p.startswith("PATCH")) == [
        f"PATCH /tickets/{i}" for i in ids
    ]
    assert world.api_paths()[-1] == f"POST /agents/{leaving.desk_id}/deactivate"
    assert all(world.sandbox_ticket(i).assignee_id == int(successor.desk_id) for i in ids)
    assert (
        not Ticket.objects.filter(connection=world.connection, assignee_desk_id=leaving_id, is_deleted=False)
        .exclude(status_type="Closed")
        .exists()
    )
    leaving.refresh_from_db()
    assert leaving.status == "DISABLED"
