"""Connecting an org: consent redirect, callback checks, code exchange, org picker, saved connections."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from apps.connections.models import DeskConnection
from apps.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def start(client, **data):
    form = {"data_center": "us", "scopes": ["Desk.tickets.ALL", "Desk.basic.ALL"], **data}
    response = client.post(reverse("connections:connect"), form)
    assert response.status_code == 302, response.content[:500]
    location = response["Location"]
    return location, {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def test_connect_redirects_to_the_consent_page_with_state_and_pkce(client, admin_user, settings):
    settings.ZOHO_CLIENT_ID, settings.ZOHO_CLIENT_SECRET = "1000.ENV", "env-secret"
    client.force_login(admin_user)
    location, query = start(client)
    assert location.startswith("https://accounts.zoho.com/oauth/v2/auth?")
    assert query["client_id"] == "1000.ENV"
    assert query["access_type"] == "offline"
    assert query["prompt"] == "consent"
    assert query["redirect_uri"] == "http://testserver/connections/oauth/callback/"
    assert query["code_challenge_method"] == "S256"
    assert len(query["state"]) >= 32
    assert "env-secret" not in location


def test_connect_without_any_client_shows_the_error_on_the_field(client, admin_user, settings):
    settings.ZOHO_CLIENT_ID, settings.ZOHO_CLIENT_SECRET = "", ""
    client.force_login(admin_user)
    response = client.post(
        reverse("connections:connect"), {"data_center": "us", "scopes": ["Desk.tickets.ALL"]}
    )
    assert response.status_code == 400
    assert "No OAuth client is configured" in response.content.decode()


def test_connect_page_preselects_the_sandbox_and_default_scopes(client, admin_user, settings):
    settings.DESK_DEFAULT_DATA_CENTER = "sandbox"
    client.force_login(admin_user)
    page = client.get(reverse("connections:connect")).content.decode()
    assert '<option value="sandbox" selected>' in page
    assert 'value="Desk.tickets.ALL" id="id_scopes_0" checked' in page or 'value="Desk.tickets.ALL"' in page


def test_full_flow_saves_the_chosen_orgs_with_encrypted_tokens(
    client, admin_user, settings, accounts_server, desk_orgs
):
    settings.ZOHO_CLIENT_ID, settings.ZOHO_CLIENT_SECRET = "1000.ENV", "env-secret"
    client.force_login(admin_user)
    _, query = start(client)
    response = client.get(reverse("connections:callback"), {"code": "good", "state": query["state"]})
    assert response.status_code == 302 and response["Location"] == reverse("connections:pick")
    assert accounts_server.count("authorization_code") == 1
    _, exchange_form = accounts_server.requests[0]
    assert exchange_form["code_verifier"]  # PKCE verifier sent with the code
    # Zoho's api_domain www.zohoapis.com is mapped to Desk's own domain.
    assert desk_orgs == ["https://desk.zoho.com/api/v1"]

    page = client.get(reverse("connections:pick")).content.decode()
    assert "Acme Support" in page and "Globex Help" in page
    response = client.post(reverse("connections:pick"), {"orgs": ["60001", "60002"]})
    assert response.status_code == 302

    connections = list(DeskConnection.objects.order_by("org_id"))
    assert [c.org_name for c in connections] == ["Acme Support", "Globex Help"]
    acme = connections[0]
    assert acme.status == DeskConnection.Status.HEALTHY
    assert acme.get_refresh_token() == "1000.refresh-1"
    assert acme.get_client_secret() == "env-secret"
    assert acme.api_base_url == "https://desk.zoho.com/api/v1"
    assert acme.connected_by == admin_user
    assert acme.grant_id == connections[1].grant_id
    assert AuditEntry.objects.filter(action="connection.connected").count() == 2
    assert AuditEntry.objects.filter(action="connection.authorized", api_calls=2).exists()


def test_forged_state_is_refused_and_no_code_is_exchanged(client, admin_user, settings, accounts_server):
    settings.ZOHO_CLIENT_ID, settings.ZOHO_CLIENT_SECRET = "1000.ENV", "env-secret"
    client.force_login(admin_user)
    start(client)
    response = client.get(reverse("connections:callback"), {"code": "good", "state": "forged-state"})
    assert response.status_code == 400
    assert "does not belong to a connection you started" in response.content.decode()
    assert accounts_server.requests == []
    assert AuditEntry.objects.filter(action="connection.state_rejected", outcome="denied").exists()


def test_state_is_used_once(client, admin_user, settings, accounts_server, desk_orgs):
    settings.ZOHO_CLIENT_ID, settings.ZOHO_CLIENT_SECRET = "1000.ENV", "env-secret"
    client.force_login(admin_user)
    _, query = start(client)
    client.get(reverse("connections:callback"), {"code": "good", "state": query["state"]})
    again = client.get(reverse("connections:callback"), {"code": "good", "state": query["state"]})
    assert again.status_code == 400
    assert accounts_server.count("authorization_code") == 1


def test_denied_consent_shows_a_clear_message(client, admin_user, settings, accounts_server):
    settings.ZOHO_CLIENT_ID, settings.ZOHO_CLIENT_SECRET = "1000.ENV", "env-secret"
    client.force_login(admin_user)
    _, query = start(client)
    response = client.get(
        reverse("connections:callback"), {"error": "access_denied", "state": query["state"]}
    )
    assert response.status_code == 200
    assert "Access was denied" in response.content.decode()
    assert accounts_server.requests == []
    assert AuditEntry.objects.filter(action="connection.consent_denied").exists()


def test_location_and_accounts_server_parameters_are_honoured(
    client, admin_user, settings, accounts_server, desk_orgs
):
    settings.ZOHO_CLIENT_ID, settings.ZOHO_CLIENT_SECRET = "1000.ENV", "env-secret"
    accounts_server.api_domain = "https://www.zohoapis.eu"
    client.force_login(admin_user)
    _, query = start(client)
    params = {
        "code": "good",
        "state": query["state"],
        "location": "eu",
        "accounts-server": "https://accounts.zoho.eu",
    }
    client.get(reverse("connections:callback"), params)
    client.post(reverse("connections:pick"), {"orgs": ["60001"]})
    connection = DeskConnection.objects.get()
    assert connection.data_center == "eu"
    assert connection.accounts_url == "https://accounts.zoho.eu"
    assert connection.api_domain == "https://desk.zoho.eu"


def test_unknown_accounts_server_never_receives_the_secret(client, admin_user, settings, accounts_server):
    settings.ZOHO_CLIENT_ID, settings.ZOHO_CLIENT_SECRET = "1000.ENV", "env-secret"
    client.force_login(admin_user)
    _, query = start(client)
    params = {"code": "good", "state": query["state"], "accounts-server": "https://accounts.evil.example"}
    response = client.get(reverse("connections:callback"), params)
    assert response.status_code == 400
    assert accounts_server.requests == []


def test_rejected_code_shows_the_error_without_500(client, admin_user, settings, accounts_server):
    settings.ZOHO_CLIENT_ID, settings.ZOHO_CLIENT_SECRET = "1000.ENV", "env-secret"
    client.force_login(admin_user)
    _, query = start(client)
    response = client.get(reverse("connections:callback"), {"code": "bad-code", "state": query["state"]})
    assert response.status_code == 200
    assert "invalid_code" in response.content.decode()
    assert not DeskConnection.objects.exists()


def test_picking_no_org_shows_the_error_on_the_field(
    client, admin_user, settings, accounts_server, desk_orgs
):
    settings.ZOHO_CLIENT_ID, settings.ZOHO_CLIENT_SECRET = "1000.ENV", "env-secret"
    client.force_login(admin_user)
    _, query = start(client)
    client.get(reverse("connections:callback"), {"code": "good", "state": query["state"]})
    response = client.post(reverse("connections:pick"), {"orgs": ["99999"]})
    assert response.status_code == 400
    assert "99999" in response.content.decode()  # Django's "not one of the available choices"


def test_reconnect_goes_straight_to_consent_and_restores_the_connection(
    client, admin_user, accounts_server, desk_orgs, make_connection
):
    connection = make_connection("60001", status=DeskConnection.Status.NEEDS_RECONSENT)
    client.force_login(admin_user)
    response = client.get(reverse("connections:reconnect", args=[connection.pk]))
    assert response.status_code == 302
    state = parse_qs(urlsplit(response["Location"]).query)["state"][0]
    response = client.get(reverse("connections:callback"), {"code": "good", "state": state})
    assert response["Location"] == reverse("connections:detail", args=[connection.pk])
    connection.refresh_from_db()
    assert connection.status == DeskConnection.Status.HEALTHY
    assert connection.get_refresh_token() == "1000.refresh-1"
    assert AuditEntry.objects.filter(action="connection.reconnected").exists()


def test_organizations_are_listed_through_the_desk_client():
    import httpx

    from apps.connections.services import organizations_fetch

    seen = []

    def desk(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = {
            "data": [
                {
                    "id": "60001",
                    "companyName": "Acme Support",
                    "edition": "ENTERPRISE",
                    "timeZone": "Pacific/Niue",
                },
                {"id": "60002", "companyName": "Globex Help", "timeZone": "Not/AZone"},
            ]
        }
        return httpx.Response(200, json=body)

    orgs = organizations_fetch(
        api_base_url="https://desk.zoho.com/api/v1",
        access_token="1000.tok",
        transport=httpx.MockTransport(desk),
    )
    assert orgs == [
        {"id": "60001", "name": "Acme Support", "edition": "ENTERPRISE", "time_zone": "Pacific/Niue"},
        {"id": "60002", "name": "Globex Help", "edition": "", "time_zone": ""},  # an unknown zone: not kept
    ]
    assert seen[0].url.path == "/api/v1/organizations"
    assert seen[0].headers["Authorization"] == "Zoho-oauthtoken 1000.tok"
    assert "orgId" not in seen[0].headers


def test_saving_a_connection_signals_the_sync_to_start(
    client, admin_user, settings, accounts_server, desk_orgs
):
    from apps.connections.services import connection_connected

    received = []

    def on_connected(sender, connection, created, actor, **kwargs):
        received.append((connection.org_id, created, actor))

    connection_connected.connect(on_connected)
    try:
        settings.ZOHO_CLIENT_ID, settings.ZOHO_CLIENT_SECRET = "1000.ENV", "env-secret"
        client.force_login(admin_user)
        _, query = start(client)
        client.get(reverse("connections:callback"), {"code": "good", "state": query["state"]})
        client.post(reverse("connections:pick"), {"orgs": ["60001"]})
    finally:
        connection_connected.disconnect(on_connected)
    assert received == [("60001", True, admin_user)]


def test_cancelling_at_the_org_picker_revokes_the_consent(
    client, admin_user, settings, accounts_server, desk_orgs
):
    settings.ZOHO_CLIENT_ID, settings.ZOHO_CLIENT_SECRET = "1000.ENV", "env-secret"
    client.force_login(admin_user)
    _, query = start(client)
    client.get(reverse("connections:callback"), {"code": "good", "state": query["state"]})
    response = client.post(reverse("connections:pick"), {"cancel": "1"})
    assert response["Location"] == reverse("connections:list")
    assert accounts_server.count("revoke") == 1
    assert not DeskConnection.objects.exists()
    assert client.get(reverse("connections:pick"))["Location"] == reverse("connections:connect")
    assert AuditEntry.objects.filter(action="connection.consent_abandoned", api_calls=1).exists()
