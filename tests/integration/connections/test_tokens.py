"""Token life: refresh near expiry and on rejection, once across threads, needs-re-consent on revoke."""

import threading
from datetime import timedelta

import pytest
from django.db import connection as db_connection

from apps.connections.models import DeskConnection
from apps.connections.tokens import ConnectionTokenProvider
from apps.core.models import AuditEntry
from apps.desk.errors import DeskAuthError, DeskNetworkError


@pytest.mark.django_db
def test_fresh_token_is_used_without_calling_the_accounts_server(accounts_server, make_connection):
    connection = make_connection()
    assert ConnectionTokenProvider(connection).access_token() == "1000.access-of-60001"
    assert accounts_server.requests == []


@pytest.mark.django_db
def test_token_close_to_expiry_is_refreshed_and_stored_encrypted(accounts_server, make_connection):
    connection = make_connection(expires_in=timedelta(minutes=2))
    token = ConnectionTokenProvider(connection).access_token()
    assert token == "1000.access-1"
    assert accounts_server.count("refresh_token") == 1
    connection.refresh_from_db()
    assert connection.get_access_token() == "1000.access-1"
    assert "1000.access-1" not in connection.access_token_encrypted
    assert connection.token_refreshed_at is not None


@pytest.mark.django_db
def test_rejected_token_is_refreshed_even_before_expiry(accounts_server, make_connection):
    connection = make_connection()
    provider = ConnectionTokenProvider(connection)
    assert provider.refresh_access_token(rejected="1000.access-of-60001") == "1000.access-1"
    assert provider.access_token() == "1000.access-1"


@pytest.mark.django_db
def test_rejected_token_already_replaced_by_another_worker_is_not_refreshed_again(
    accounts_server, make_connection
):
    connection = make_connection()
    stale_provider = ConnectionTokenProvider(connection)
    ConnectionTokenProvider(connection).refresh_access_token(rejected="1000.access-of-60001")
    assert stale_provider.refresh_access_token(rejected="1000.access-of-60001") == "1000.access-1"
    assert accounts_server.count("refresh_token") == 1


@pytest.mark.django_db
def test_revoked_refresh_token_moves_the_connection_to_needs_reconsent(accounts_server, make_connection):
    accounts_server.refresh_error = "invalid_code"
    connection = make_connection(expires_in=timedelta(seconds=-5))
    with pytest.raises(DeskAuthError):
        ConnectionTokenProvider(connection).access_token()
    connection.refresh_from_db()
    assert connection.status == DeskConnection.Status.NEEDS_RECONSENT
    assert connection.access_token_encrypted == ""
    entry = AuditEntry.objects.get(action="connection.needs_reconsent")
    assert entry.outcome == "failure" and entry.org_id == "60001"
    # No further refresh attempts: the refresh token is known to be dead.
    with pytest.raises(DeskAuthError):
        ConnectionTokenProvider(connection).access_token()
    assert accounts_server.count("refresh_token") == 1


@pytest.mark.django_db
def test_temporary_refresh_failure_keeps_the_connection_and_says_why(accounts_server, make_connection):
    accounts_server.refresh_error = "Access Denied"
    connection = make_connection(expires_in=timedelta(seconds=-5))
    with pytest.raises(DeskNetworkError):
        ConnectionTokenProvider(connection).access_token()
    connection.refresh_from_db()
    assert connection.status == DeskConnection.Status.HEALTHY
    assert "Access Denied" in connection.last_error
    assert "1000." not in connection.last_error


@pytest.mark.django_db(transaction=True)
def test_threads_sharing_an_expired_token_refresh_exactly_once(accounts_server, make_connection):
    connection = make_connection(expires_in=timedelta(seconds=-60))
    threads_count = 8
    barrier = threading.Barrier(threads_count)
    tokens, errors = [], []

    def work():
        try:
            provider = ConnectionTokenProvider(DeskConnection.objects.get(pk=connection.pk))
            barrier.wait()
            tokens.append(provider.access_token())
        except Exception as exc:
            errors.append(exc)
        finally:
            db_connection.close()

    threads = [threading.Thread(target=work) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert accounts_server.count("refresh_token") == 1
    assert set(tokens) == {"1000.access-1"}


@pytest.mark.django_db
def test_desk_client_from_a_connection_refreshes_once_on_invalid_oauth(accounts_server, make_connection):
    import httpx

    from apps.connections.services import desk_client_for

    connection = make_connection()
    seen = []

    def desk(request: httpx.Request) -> httpx.Response:
        seen.append((request.headers["Authorization"], request.headers.get("orgId")))
        if request.headers["Authorization"] != "Zoho-oauthtoken 1000.access-1":
            return httpx.Response(401, json={"errorCode": "INVALID_OAUTH", "message": "expired"})
        return httpx.Response(200, json={"data": [{"id": "60001", "companyName": "Acme Support"}]})

    with desk_client_for(connection, transport=httpx.MockTransport(desk)) as client:
        orgs = client.organizations()
    assert [o.company_name for o in orgs] == ["Acme Support"]
    assert [auth for auth, _ in seen] == [
        "Zoho-oauthtoken 1000.access-of-60001",
        "Zoho-oauthtoken 1000.access-1",
    ]
    assert accounts_server.count("refresh_token") == 1
