"""A Self Client grant code (Zoho's API console) connects one org: tokens stored encrypted, audited with an actor."""

import pytest

from apps.connections.models import DeskConnection
from apps.connections.services import connection_self_client_connect
from apps.core.models import AuditEntry
from apps.desk import accounts

pytestmark = pytest.mark.django_db


def connect(actor, **overrides):
    arguments = {
        "actor": actor,
        "data_center_code": "us",
        "origin": "http://testserver",
        "client_id": "1000.SELF",
        "client_secret": "self-client-secret",
        "grant_code": "1000.grant-code",
        "org_id": "60001",
        "org_name": "Acme Support",
        "edition": "Enterprise",
        "scopes": ["Desk.tickets.ALL", "Desk.basic.ALL"],
    }
    return connection_self_client_connect(**{**arguments, **overrides})


def test_grant_code_is_exchanged_once_and_the_tokens_are_stored_encrypted(accounts_server, admin_user):
    connection = connect(admin_user)

    assert accounts_server.count("authorization_code") == 1
    _, form = accounts_server.requests[0]
    assert form["code"] == "1000.grant-code" and "redirect_uri" not in form
    connection.refresh_from_db()
    assert connection.status == DeskConnection.Status.HEALTHY
    assert connection.accounts_url == "https://accounts.zoho.com"
    # Zoho names its generic API gateway; the Desk host of the same region is stored.
    assert connection.api_domain == "https://desk.zoho.com"
    assert connection.get_refresh_token() == "1000.refresh-1"
    assert "1000.refresh-1" not in connection.refresh_token_encrypted
    assert connection.scopes == ["Desk.tickets.ALL", "Desk.basic.ALL"]
    assert connection.connected_by == admin_user
    entry = AuditEntry.objects.get(action="connection.connected")
    assert entry.org_id == "60001" and entry.api_calls == 1


def test_without_an_actor_nothing_is_audited(accounts_server):
    connect(None)
    assert not AuditEntry.objects.filter(action__startswith="connection.").exists()


def test_a_second_code_for_the_same_org_reconnects_it(accounts_server, admin_user, make_connection):
    existing = make_connection("60001", status=DeskConnection.Status.NEEDS_RECONSENT)
    connection = connect(admin_user)
    assert connection.pk == existing.pk and connection.status == DeskConnection.Status.HEALTHY
    assert AuditEntry.objects.filter(action="connection.reconnected").count() == 1


def test_refused_code_raises_and_stores_nothing(accounts_server, admin_user):
    with pytest.raises(accounts.OAuthInvalidGrant):
        connect(admin_user, grant_code="bad-code")
    assert not DeskConnection.objects.exists()
