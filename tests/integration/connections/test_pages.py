"""Connection pages: admins manage them, others see their own orgs read-only; what they show, who can see an
org, the offer after connecting, disconnect, the org switcher and the banner."""

import pytest
from django.urls import reverse

from apps.connections.models import DeskConnection
from apps.connections.selectors import SESSION_KEY, connection_for_request, connections_for_user
from apps.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name,args",
    [
        ("connections:connect", []),
        ("connections:pick", []),
        ("connections:callback", []),
        ("connections:disconnect", [1]),
        ("connections:reconnect", [1]),
    ],
)
def test_agents_and_managers_get_403_on_pages_that_manage_connections(
    client, agent_user, manager_user, name, args
):
    for user in (agent_user, manager_user):
        client.force_login(user)
        assert client.get(reverse(name, args=args)).status_code == 403


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(reverse("connections:list"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_empty_list_invites_to_connect(client, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("connections:list")).content.decode()
    assert "No Desk org connected yet" in page
    assert reverse("connections:connect") in page


def test_detail_shows_status_scopes_expiry_and_no_secret(client, admin_user, make_connection):
    connection = make_connection()
    client.force_login(admin_user)
    page = client.get(reverse("connections:detail", args=[connection.pk])).content.decode()
    assert "Acme Support" in page
    assert "Healthy" in page
    assert "Desk.tickets.ALL" in page
    assert "Access token expires" in page
    assert "never" in page  # last sync
    for secret in ("client-secret-value", "1000.refresh-of-60001", "1000.access-of-60001"):
        assert secret not in page
    assert connection.access_token_encrypted not in page
    assert "Org time zone" in page and "not known yet" in page
    connection.time_zone = "Pacific/Niue"
    connection.save()
    page = client.get(reverse("connections:detail", args=[connection.pk])).content.decode()
    assert "<dt>Org time zone</dt><dd>Pacific/Niue</dd>" in page


def test_secret_getters_cannot_be_called_from_a_template(make_connection):
    from django.template import Context, Template

    connection = make_connection()
    rendered = Template(
        "{{ c.get_access_token }}|{{ c.get_refresh_token }}|{{ c.get_client_secret }}|{{ c }}|{{ c.access_token }}"
    ).render(Context({"c": connection}))
    assert "1000." not in rendered and "client-secret-value" not in rendered
    assert "1000." not in repr(connection)


def test_disconnect_revokes_deletes_tokens_and_keeps_the_audit(
    client, admin_user, accounts_server, make_connection
):
    connection = make_connection()
    client.force_login(admin_user)
    confirm = client.get(reverse("connections:disconnect", args=[connection.pk]))
    assert b"revoke" in confirm.content
    response = client.post(reverse("connections:disconnect", args=[connection.pk]))
    assert response.status_code == 302
    connection.refresh_from_db()
    assert connection.status == DeskConnection.Status.DISCONNECTED
    assert connection.refresh_token_encrypted == "" and connection.access_token_encrypted == ""
    assert accounts_server.count("revoke") == 1
    _, form = accounts_server.requests[0]
    assert form["token"] == "1000.refresh-of-60001"
    entry = AuditEntry.objects.get(action="connection.disconnected")
    assert entry.api_calls == 1 and entry.outcome == "success" and entry.actor == admin_user


def test_disconnecting_one_org_of_a_shared_consent_does_not_revoke_it(
    client, admin_user, accounts_server, make_connection
):
    first = make_connection("60001", grant_id="shared")
    make_connection("60002", grant_id="shared", org_name="Globex Help")
    client.force_login(admin_user)
    client.post(reverse("connections:disconnect", args=[first.pk]))
    assert accounts_server.count("revoke") == 0
    assert DeskConnection.objects.get(org_id="60002").has_refresh_token


def test_needs_reconsent_shows_a_reconnect_link_to_admins(client, admin_user, make_connection):
    connection = make_connection(status=DeskConnection.Status.NEEDS_RECONSENT)
    client.force_login(admin_user)
    page = client.get(reverse("connections:list")).content.decode()
    assert reverse("connections:reconnect", args=[connection.pk]) in page
    assert "Needs re-consent" in page


def test_agent_of_the_org_sees_a_banner_not_an_empty_page(client, make_user, make_connection):
    from apps.core.roles import Role

    make_connection("60001", status=DeskConnection.Status.NEEDS_RECONSENT)
    agent = make_user("amy", Role.AGENT, org_ids=["60001"])
    client.force_login(agent)
    page = client.get("/").content.decode()
    assert "needs to be reconnected" in page
    assert "an admin must reconnect it" in page


def test_agents_see_only_their_orgs_and_admins_all(make_user, admin_user, make_connection):
    from apps.core.roles import Role

    make_connection("60001")
    make_connection("60002", org_name="Globex Help")
    make_connection("60003", org_name="Gone", status=DeskConnection.Status.DISCONNECTED)
    agent = make_user("amy", Role.AGENT, org_ids=["60002"])
    assert [c.org_id for c in connections_for_user(user=agent)] == ["60002"]
    assert sorted(c.org_id for c in connections_for_user(user=admin_user)) == ["60001", "60002"]


def test_switch_sets_the_current_org_and_returns_to_a_safe_page(client, make_user, make_connection):
    from apps.core.roles import Role

    make_connection("60001")
    globex = make_connection("60002", org_name="Globex Help")
    agent = make_user("amy", Role.AGENT, org_ids=["60001", "60002"])
    client.force_login(agent)
    response = client.post(reverse("connections:switch"), {"connection": globex.pk, "next": "/audit/?q=x"})
    assert response["Location"] == "/audit/?q=x"
    assert client.session[SESSION_KEY] == globex.pk
    response = client.post(
        reverse("connections:switch"), {"connection": globex.pk, "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("core:dashboard")


def test_switch_to_an_org_the_user_cannot_see_is_refused(client, make_user, make_connection):
    from apps.core.roles import Role

    make_connection("60001")
    hidden = make_connection("60002", org_name="Globex Help")
    agent = make_user("amy", Role.AGENT, org_ids=["60001"])
    client.force_login(agent)
    client.post(reverse("connections:switch"), {"connection": hidden.pk, "next": "/"})
    assert SESSION_KEY not in client.session
    client.post(reverse("connections:switch"), {"connection": "not-a-number", "next": "/"})
    assert SESSION_KEY not in client.session


def test_shell_slots_list_the_orgs_and_pick_the_first_healthy(client, admin_user, make_connection, rf):
    make_connection("60001", org_name="Acme Support", status=DeskConnection.Status.NEEDS_RECONSENT)
    healthy = make_connection("60002", org_name="Globex Help")
    client.force_login(admin_user)
    response = client.get("/")
    context = response.context
    assert [o["name"] for o in context["shell_orgs"]] == ["Acme Support", "Globex Help"]
    assert context["current_org"]["id"] == healthy.pk
    request = rf.get("/")
    request.user = admin_user
    request.session = {}
    assert connection_for_request(request) == healthy


def test_managers_see_their_orgs_connections_read_only_and_others_are_404(client, make_user, make_connection):
    from apps.core.roles import Role

    acme = make_connection("60001")
    globex = make_connection("60002", org_name="Globex Help")
    manager = make_user("mia", Role.MANAGER, org_ids=["60001"])
    client.force_login(manager)
    page = client.get(reverse("connections:list")).content.decode()
    assert "Acme Support" in page and "Globex Help" not in page
    assert reverse("connections:connect") not in page
    detail = client.get(reverse("connections:detail", args=[acme.pk])).content.decode()
    assert "API credits left today" in detail
    assert reverse("connections:disconnect", args=[acme.pk]) not in detail
    assert "Who can see this org" not in detail and "OAuth client" not in detail
    assert client.get(reverse("connections:detail", args=[globex.pk])).status_code == 404


def test_admin_gives_and_takes_access_on_the_connection_page(client, admin_user, make_user, make_connection):
    from apps.core.models import OrgMembership
    from apps.core.roles import Role

    acme = make_connection("60001")
    agent = make_user("amy", Role.AGENT)
    client.force_login(admin_user)
    page = client.get(reverse("connections:detail", args=[acme.pk])).content.decode()
    assert "Who can see this org" in page and "No manager or agent can see this org yet" in page
    assert "amy (agent)" in page
    response = client.post(
        reverse("connections:access_grant", args=[acme.pk]),
        {"user_id": agent.pk},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and b"<html" not in response.content
    assert b'data-user="amy"' in response.content and b"Agent" in response.content
    assert "amy can now see Acme Support" in response["HX-Trigger"]
    assert OrgMembership.objects.filter(user=agent, org_id="60001").exists()
    entry = AuditEntry.objects.get(action="org_access.grant")
    assert entry.actor == admin_user and entry.org_id == "60001" and entry.target_id == str(agent.pk)

    response = client.post(reverse("connections:access_revoke", args=[acme.pk, agent.pk]))
    assert response.status_code == 302
    assert not OrgMembership.objects.filter(user=agent).exists()
    assert AuditEntry.objects.filter(action="org_access.revoke", org_id="60001").exists()
    # Removing access nobody has, or giving it to an unknown user: no 500.
    assert client.post(reverse("connections:access_revoke", args=[acme.pk, agent.pk])).status_code == 404
    bad = client.post(reverse("connections:access_grant", args=[acme.pk]), {"user_id": "x"})
    assert bad.status_code == 302


def test_after_connecting_the_admin_is_offered_to_give_the_team_access(
    client, admin_user, make_user, accounts_server, desk_orgs, settings
):
    from apps.connections import flow
    from apps.core.models import OrgMembership
    from apps.core.roles import Role
    from tests.integration.connections.test_connect_flow import start

    settings.ZOHO_CLIENT_ID, settings.ZOHO_CLIENT_SECRET = "1000.ENV", "env-secret"
    make_user("mia", Role.MANAGER)
    make_user("amy", Role.AGENT)
    client.force_login(admin_user)
    _, query = start(client)
    client.get(reverse("connections:callback"), {"code": "good", "state": query["state"]})
    response = client.post(reverse("connections:pick"), {"orgs": ["60001", "60002"]})
    assert response["Location"] == reverse("connections:list")
    page = client.get(reverse("connections:list")).content.decode()
    assert "Give your team access to Acme Support, Globex Help?" in page
    assert "Give 2 users access" in page and "Not now" in page
    assert not OrgMembership.objects.exists()  # nothing given silently

    response = client.post(reverse("connections:share"), {"grant": "1", "next": "https://evil.example/"})
    assert response["Location"] == reverse("connections:list")
    assert set(OrgMembership.objects.values_list("user__username", "org_id")) == {
        ("mia", "60001"),
        ("mia", "60002"),
        ("amy", "60001"),
        ("amy", "60002"),
    }
    assert AuditEntry.objects.filter(action="org_access.grant", actor=admin_user).count() == 4
    assert "Give your team access" not in client.get(reverse("connections:list")).content.decode()
    assert flow.GRANT_KEY not in client.session


def test_not_now_dismisses_the_offer_and_gives_nothing(client, admin_user, make_user, make_connection):
    from apps.connections.views import SHARE_KEY
    from apps.core.models import OrgMembership
    from apps.core.roles import Role

    acme = make_connection("60001")
    make_user("amy", Role.AGENT)
    client.force_login(admin_user)
    session = client.session
    session[SHARE_KEY] = ["60001"]
    session.save()
    assert (
        "Give your team access to Acme Support?"
        in client.get(reverse("connections:detail", args=[acme.pk])).content.decode()
    )
    client.post(reverse("connections:share"), {"dismiss": "1", "next": f"/connections/{acme.pk}/"})
    assert not OrgMembership.objects.exists()
    assert (
        "Give your team access"
        not in client.get(reverse("connections:detail", args=[acme.pk])).content.decode()
    )
