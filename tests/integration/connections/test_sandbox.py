"""Against the sandbox over real HTTP (live server): the refresh happens once across threads, revokes count."""

import threading
from datetime import timedelta

import pytest
from django.db import connection as db_connection
from django.utils import timezone

from apps.connections.models import DeskConnection
from apps.connections.services import connection_disconnect, desk_client_for
from apps.connections.tokens import ConnectionTokenProvider
from apps.desk import accounts
from apps.desk.errors import DeskAuthError
from tests.support.sandbox import connect_sandbox_org

sandbox = pytest.importorskip("apps.sandbox.models")
pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)


def refresh_requests() -> int:
    from apps.sandbox.models import RequestLog

    return RequestLog.objects.filter(kind="accounts", detail="refresh_token").count()


def revoke_requests() -> int:
    from apps.sandbox.models import RequestLog

    return RequestLog.objects.filter(kind="accounts", path__endswith="/revoke").count()


@pytest.fixture
def sandbox_connection(live_server):
    """A connection to the seeded "Acme Support" org, with tokens from the sandbox's accounts server."""
    from apps.sandbox.seed import seed_sandbox

    result = seed_sandbox(tickets=4)
    org = next(o for o in result.orgs if o.company_name == "Acme Support")
    return connect_sandbox_org(
        org=org, base_url=live_server.url, scopes=["Desk.tickets.ALL", "Desk.basic.ALL"]
    )


def expire(connection: DeskConnection) -> None:
    DeskConnection.objects.filter(pk=connection.pk).update(
        access_token_expires_at=timezone.now() - timedelta(minutes=1)
    )


def test_eight_threads_with_an_expired_token_send_exactly_one_refresh(sandbox_connection):
    expire(sandbox_connection)
    before = refresh_requests()
    threads_count = 8
    barrier = threading.Barrier(threads_count)
    tokens, errors = [], []

    def work():
        try:
            provider = ConnectionTokenProvider(DeskConnection.objects.get(pk=sandbox_connection.pk))
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
    assert len(tokens) == threads_count and len(set(tokens)) == 1
    assert refresh_requests() - before == 1
    # …and the shared token is one the sandbox accepts.
    with desk_client_for(DeskConnection.objects.get(pk=sandbox_connection.pk)) as client:
        assert [o.company_name for o in client.organizations()] == ["Acme Support"]


def test_refresh_token_revoked_at_the_sandbox_moves_the_connection_to_needs_reconsent(sandbox_connection):
    accounts.revoke(
        accounts_url=sandbox_connection.accounts_url, refresh_token=sandbox_connection.get_refresh_token()
    )
    expire(sandbox_connection)
    with pytest.raises(DeskAuthError):
        ConnectionTokenProvider(DeskConnection.objects.get(pk=sandbox_connection.pk)).access_token()
    sandbox_connection.refresh_from_db()
    assert sandbox_connection.status == DeskConnection.Status.NEEDS_RECONSENT


def test_disconnect_revokes_at_the_sandbox_so_the_token_stops_working(sandbox_connection):
    refresh_token = sandbox_connection.get_refresh_token()
    before = revoke_requests()
    connection_disconnect(actor=None, connection=sandbox_connection)
    assert revoke_requests() - before == 1
    with pytest.raises(accounts.OAuthInvalidGrant):
        accounts.refresh(
            accounts_url=sandbox_connection.accounts_url,
            client_id=sandbox_connection.client_id,
            client_secret=sandbox_connection.get_client_secret(),
            refresh_token=refresh_token,
        )


def test_check_now_calls_desk_once_and_records_health(sandbox_connection):
    from apps.connections.services import connection_check
    from apps.core.models import AuditEntry
    from apps.sandbox.models import RequestLog

    before = RequestLog.objects.filter(kind="api").count()
    connection = connection_check(actor=None, connection=sandbox_connection)
    assert connection.status == DeskConnection.Status.HEALTHY
    assert RequestLog.objects.filter(kind="api").count() - before == 1
    assert AuditEntry.objects.get(action="connection.checked").api_calls == 1


def test_connecting_a_sandbox_org_stores_its_time_zone_and_check_now_refreshes_it(live_server, admin_user):
    """The org's ``timeZone`` (GET /organizations) is kept on the connection; an unknown one never replaces it."""
    from apps.connections.services import Grant, connection_check, connections_save, organizations_fetch
    from apps.sandbox.models import Org
    from apps.sandbox.seed import seed_sandbox

    seed = seed_sandbox(tickets=1)
    org = next(o for o in seed.orgs if o.company_name == "Acme Support")
    Org.objects.filter(pk=org.pk).update(time_zone="Pacific/Niue")
    # A Self Client grant names the org itself (no zone yet); its tokens then serve the org picker's path.
    made = connect_sandbox_org(org=org, base_url=live_server.url, scopes=["Desk.basic.ALL"])
    assert made.time_zone == ""
    orgs = organizations_fetch(
        api_base_url=made.api_base_url, access_token=ConnectionTokenProvider(made).access_token()
    )
    assert {"id": made.org_id, "name": "Acme Support", "time_zone": "Pacific/Niue"}.items() <= next(
        o for o in orgs if o["id"] == made.org_id
    ).items()
    grant = Grant(
        grant_id=made.grant_id,
        data_center=made.data_center,
        accounts_url=made.accounts_url,
        api_domain=made.api_domain,
        client_id=made.client_id,
        client_secret_encrypted=made.client_secret_encrypted,
        refresh_token_encrypted=made.refresh_token_encrypted,
        access_token_encrypted=made.access_token_encrypted,
        access_token_expires_at=made.access_token_expires_at.isoformat(),
        scopes=made.scopes,
        orgs=orgs,
    )
    [saved] = connections_save(actor=admin_user, grant=grant, org_ids=[made.org_id])
    saved.refresh_from_db()
    assert saved.time_zone == "Pacific/Niue" and saved.time_zone_checked_at is not None
    assert saved.zone_name == "Pacific/Niue" and str(saved.zone) == "Pacific/Niue"

    # The org moved: "Check now" (one GET /organizations) reads it again.
    Org.objects.filter(pk=org.pk).update(time_zone="Europe/Berlin")
    assert connection_check(actor=admin_user, connection=saved).time_zone == "Europe/Berlin"
    # A zone this system does not know is not stored: the last known one stays.
    Org.objects.filter(pk=org.pk).update(time_zone="Mars/Olympus_Mons")
    assert connection_check(actor=admin_user, connection=saved).time_zone == "Europe/Berlin"
