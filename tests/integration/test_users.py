"""Admins manage who can sign in and in which role; nobody else can, and the last admin stays."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from apps.core.models import AuditEntry
from apps.core.roles import Role, user_role

pytestmark = pytest.mark.django_db


def test_admin_adds_a_user_in_a_role_and_it_is_audited(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("core:user_new"),
        {
            "username": "jane",
            "email": "jane@example.org",
            "role": "manager",
            "password": "a-long-passphrase-9",
        },
    )
    assert response.status_code == 302
    jane = get_user_model().objects.get(username="jane")
    assert user_role(jane) == Role.MANAGER
    assert jane.check_password("a-long-passphrase-9")
    entry = AuditEntry.objects.get(action="user.create")
    assert entry.actor == admin_user and entry.target_id == str(jane.pk)
    assert "passphrase" not in str(entry.detail)


def test_bad_user_form_keeps_what_was_typed_and_names_the_fields(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("core:user_new"),
        {"username": "ada", "email": "not-an-email", "role": "boss", "password": "123"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "A user with this username already exists." in html
    assert "Enter a valid email address." in html
    assert "Select a valid choice." in html
    assert 'value="not-an-email"' in html
    assert get_user_model().objects.count() == 1


def test_role_change_over_htmx_returns_the_row_and_a_toast(client, admin_user, agent_user):
    client.force_login(admin_user)
    prefix = f"u{agent_user.pk}"
    response = client.post(
        reverse("core:user_update", args=[agent_user.pk]),
        {f"{prefix}-role": "manager", f"{prefix}-is_active": "on"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert f'id="user-{agent_user.pk}"'.encode() in response.content
    assert b"<html" not in response.content
    assert "Saved alex" in response["HX-Trigger"]
    assert user_role(agent_user) == Role.MANAGER


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(client, admin_user):
    client.force_login(admin_user)
    prefix = f"u{admin_user.pk}"
    response = client.post(
        reverse("core:user_update", args=[admin_user.pk]),
        {f"{prefix}-role": "agent"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "at least one active admin" in response["HX-Trigger"]
    admin_user.refresh_from_db()
    assert user_role(admin_user) == Role.ADMIN and admin_user.is_active
    assert AuditEntry.objects.filter(action="user.update", outcome="denied").exists()


@pytest.mark.parametrize(
    "url_name,args", [("core:users", []), ("core:user_new", []), ("core:user_update", [1])]
)
def test_managers_and_agents_cannot_manage_users(client, manager_user, url_name, args):
    client.force_login(manager_user)
    assert client.get(reverse(url_name, args=args)).status_code in (403, 405)
    assert client.post(reverse(url_name, args=args), {}).status_code == 403


def test_updating_an_unknown_user_is_a_404(client, admin_user):
    client.force_login(admin_user)
    assert client.post(reverse("core:user_update", args=[999999]), {}).status_code == 404


# --- org access, Desk agent links and the new-user setting ------------------------------------------------


@pytest.fixture
def two_orgs(db):
    """Two connected orgs (the connections app tells the core their names) with one Desk agent each."""
    from apps.connections.models import DeskConnection
    from apps.team.models import Agent

    made = []
    for org_id, name in (("70001", "Acme Support"), ("70002", "Globex Help")):
        connection = DeskConnection.objects.create(
            org_id=org_id,
            org_name=name,
            data_center="us",
            accounts_url="https://accounts.zoho.com",
            api_domain="https://desk.zoho.com",
            client_id="1000.CLIENT",
        )
        Agent.objects.create(
            connection=connection, desk_id=f"{org_id}-a1", name="Alex Agent", email="agent@deskadmin.local"
        )
        Agent.objects.create(connection=connection, desk_id=f"{org_id}-a2", name="Bo Other", email="bo@x.org")
        made.append(connection)
    return made


def test_users_page_shows_each_users_orgs_and_what_each_role_may_do(client, admin_user, agent_user, two_orgs):
    from apps.core.services import org_access_grant

    org_access_grant(user=agent_user, org_id="70001", actor=admin_user)
    client.force_login(admin_user)
    page = client.get(reverse("core:users")).content.decode()
    assert "Acme Support" in page
    assert "admins reach every org" in page
    # The role descriptions come from the permissions themselves.
    assert "What each role may do" in page
    assert "Connect and disconnect Desk orgs" in page and "Reply to customers" in page
    assert "New users get access to" in page


def test_admin_gives_access_on_the_users_page_and_the_agent_is_linked_by_email(
    client, admin_user, agent_user, two_orgs
):
    from apps.core.models import OrgMembership
    from apps.core.selectors import agent_desk_id_for

    client.force_login(admin_user)
    response = client.post(
        reverse("core:user_org_grant", args=[agent_user.pk]),
        {f"g{agent_user.pk}-org_id": "70002"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and b"<html" not in response.content
    assert "alex can now see Globex Help" in response["HX-Trigger"]
    assert b"Globex Help" in response.content
    membership = OrgMembership.objects.get(user=agent_user, org_id="70002")
    assert membership.desk_agent_id == "70002-a1"  # matched by the user's email
    assert agent_desk_id_for(agent_user, "70002") == "70002-a1"
    assert agent_desk_id_for(agent_user, "70001") is None
    grant = AuditEntry.objects.get(action="org_access.grant")
    assert grant.actor == admin_user and grant.org_id == "70002"
    link = AuditEntry.objects.get(action="org_access.agent_link")
    assert "matched by email" in link.message and link.actor is None


def test_admin_links_a_user_to_another_desk_agent_and_bad_input_is_no_500(
    client, admin_user, agent_user, two_orgs
):
    from apps.core.selectors import agent_desk_id_for
    from apps.core.services import org_access_grant

    org_access_grant(user=agent_user, org_id="70001", actor=admin_user)
    client.force_login(admin_user)
    url = reverse("core:user_org_agent", args=[agent_user.pk, "70001"])
    prefix = f"a{agent_user.pk}-70001"
    response = client.post(url, {f"{prefix}-desk_agent_id": "70001-a2"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "Saved alex" in response["HX-Trigger"]
    assert agent_desk_id_for(agent_user, "70001") == "70001-a2"
    entry = AuditEntry.objects.filter(action="org_access.agent_link", actor=admin_user).get()
    assert entry.detail == {"before": "70001-a1", "after": "70001-a2"}
    # Another org's agent is not a choice; an org the user cannot see is a 404.
    response = client.post(url, {f"{prefix}-desk_agent_id": "70002-a1"}, headers={"HX-Request": "true"})
    assert "Pick one of the org" in response["HX-Trigger"]
    assert agent_desk_id_for(agent_user, "70001") == "70001-a2"
    assert client.post(reverse("core:user_org_agent", args=[agent_user.pk, "70002"]), {}).status_code == 404
    # Unlinking is a choice too.
    client.post(url, {f"{prefix}-desk_agent_id": ""})
    assert agent_desk_id_for(agent_user, "70001") is None


def test_admin_takes_access_away_and_an_unknown_org_is_refused(client, admin_user, agent_user, two_orgs):
    from apps.core.models import OrgMembership
    from apps.core.services import org_access_grant

    org_access_grant(user=agent_user, org_id="70001", actor=admin_user)
    client.force_login(admin_user)
    response = client.post(reverse("core:user_org_revoke", args=[agent_user.pk, "70001"]))
    assert response.status_code == 302
    assert not OrgMembership.objects.filter(user=agent_user).exists()
    assert AuditEntry.objects.filter(action="org_access.revoke", org_id="70001", actor=admin_user).exists()
    response = client.post(
        reverse("core:user_org_grant", args=[agent_user.pk]), {f"g{agent_user.pk}-org_id": "99999"}
    )
    assert response.status_code == 302
    assert not OrgMembership.objects.filter(user=agent_user).exists()


def test_new_users_get_every_org_when_the_admin_says_so(client, admin_user, two_orgs):
    from apps.core.models import OrgMembership

    client.force_login(admin_user)
    new_user = {"username": "jane", "email": "jane@x.org", "role": "agent", "password": "a-long-passphrase-9"}
    client.post(reverse("core:user_new"), new_user)
    assert not OrgMembership.objects.filter(user__username="jane").exists()  # default: none
    assert "no org: an admin gives access" in client.get(reverse("core:user_new")).content.decode()

    response = client.post(reverse("core:users_access_default"), {"new_user_org_access": "all"})
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="settings.new_user_access", actor=admin_user).exists()
    client.post(reverse("core:user_new"), {**new_user, "username": "joe"})
    assert set(OrgMembership.objects.filter(user__username="joe").values_list("org_id", flat=True)) == {
        "70001",
        "70002",
    }
    response = client.post(reverse("core:users_access_default"), {"new_user_org_access": "bogus"})
    assert response.status_code == 302


def test_agents_synced_later_are_linked_to_members_by_email(admin_user, agent_user, two_orgs):
    from apps.core.selectors import agent_desk_id_for
    from apps.core.services import org_access_grant
    from apps.mirror.apply import apply_objects
    from apps.team.models import Agent

    Agent.objects.filter(email="agent@deskadmin.local").delete()
    org_access_grant(user=agent_user, org_id="70001", actor=admin_user)
    assert agent_desk_id_for(agent_user, "70001") is None
    apply_objects(
        two_orgs[0],
        "agents",
        [{"id": "70001-a9", "name": "Alex Agent", "emailId": "Agent@DeskAdmin.local", "status": "ACTIVE"}],
    )
    assert agent_desk_id_for(agent_user, "70001") == "70001-a9"
