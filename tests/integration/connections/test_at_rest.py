"""Secrets at rest: no plaintext token or secret in any stored row; keys rotate with a command."""

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection as db
from django.urls import reverse

from apps.connections.models import DeskConnection
from apps.core.models import AuditEntry

SECRETS = ("env-secret", "1000.refresh-1", "1000.access-1")


def all_rows_text() -> str:
    """Every table of the default database, read with raw SQL, as one string."""
    chunks = []
    with db.cursor() as cursor:
        for table in db.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


@pytest.mark.django_db
def test_database_rows_hold_no_plaintext_token_or_secret(
    client, admin_user, settings, accounts_server, desk_orgs
):
    settings.ZOHO_CLIENT_ID, settings.ZOHO_CLIENT_SECRET = "1000.ENV", "env-secret"
    client.force_login(admin_user)
    response = client.post(
        reverse("connections:connect"), {"data_center": "us", "scopes": ["Desk.tickets.ALL"]}
    )
    state = response["Location"].split("state=")[1].split("&")[0]
    client.get(reverse("connections:callback"), {"code": "good", "state": state})
    client.post(reverse("connections:pick"), {"orgs": ["60001"]})
    connection = DeskConnection.objects.get()
    assert connection.get_access_token() == "1000.access-1"  # the values exist, decryptable

    text = all_rows_text()  # connection rows, sessions (pending consent), audit entries…
    for secret in SECRETS:
        assert secret not in text
    # Sessions are stored encoded: decode them too and look again.
    from django.contrib.sessions.models import Session

    decoded = "\n".join(repr(s.get_decoded()) for s in Session.objects.all())
    for secret in SECRETS:
        assert secret not in decoded


@pytest.mark.django_db
def test_rotate_keys_command_reencrypts_with_the_newest_key(settings, make_connection):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [old]
    connection = make_connection()
    before = connection.refresh_token_encrypted

    settings.ENCRYPTION_KEYS = [new, old]
    out = StringIO()
    call_command("connections_rotate_keys", stdout=out)
    assert "Re-encrypted 1 connection" in out.getvalue()

    settings.ENCRYPTION_KEYS = [new]  # the old key is dropped after the rotation
    connection.refresh_from_db()
    assert connection.refresh_token_encrypted != before
    assert connection.get_refresh_token() == "1000.refresh-of-60001"
    assert connection.get_client_secret() == "client-secret-value"
    assert AuditEntry.objects.filter(action="connection.keys_rotated").exists()


@pytest.mark.django_db
def test_rotate_keys_without_the_old_key_fails_clearly_and_changes_nothing(settings, make_connection):
    from django.core.management import CommandError

    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    connection = make_connection()
    before = connection.refresh_token_encrypted
    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(CommandError, match="missing old key"):
        call_command("connections_rotate_keys", stdout=StringIO())
    connection.refresh_from_db()
    assert connection.refresh_token_encrypted == before


def test_revoke_logs_no_token(caplog, accounts_server):
    import logging

    from apps.desk import accounts

    # The Desk app keeps httpx at WARNING; even at INFO (someone debugging) the token must not show.
    with caplog.at_level(logging.INFO, logger="httpx"):
        accounts.revoke(accounts_url="https://accounts.zoho.com", refresh_token="1000.revoke-me-secret")
    assert caplog.records  # httpx logged the request…
    assert "1000.revoke-me-secret" not in caplog.text  # …without the token
    assert "token=[redacted]" in caplog.text
