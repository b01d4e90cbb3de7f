"""No secret in a URL's log or any other log: a whole OAuth life (code exchange, a refresh, Desk calls, the
revoke, whose token Zoho takes in the query string) against the sandbox, then every log the stack wrote is
grepped for the secrets it handled and for anything token-shaped: the console's log lines (as captured and
as written to stdout/stderr), the sandbox's request log, the audit log; and gunicorn's access line for URLs
carrying ?token= and ?code=."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from apps.connections.services import connection_disconnect, desk_client_for
from apps.core.models import AuditEntry
from tests.support.sandbox import connect_sandbox_org

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)

# Zoho's token shape (the sandbox mints the same): 1000.<32 hex>.<32 hex>; and a client secret's 42 hex.
TOKEN_SHAPED = re.compile(r"1000\.[0-9a-f]{32}\.[0-9a-f]{32}")
SECRET_SHAPED = re.compile(r"(?<![0-9a-f])[0-9a-f]{42}(?![0-9a-f])")


def _sandbox_logs() -> str:
    from apps.sandbox.models import RequestLog

    rows = RequestLog.objects.values_list("path", "query", "detail", "client_id")
    return "\n".join(" ".join(str(v) for v in row) for row in rows)


def _audit_logs() -> str:
    return "\n".join(f"{e.message} {json.dumps(e.detail, default=str)}" for e in AuditEntry.objects.all())


def test_an_oauth_life_leaves_no_token_or_secret_in_any_log(live_server, admin_user, caplog, capfd):
    from apps.sandbox.models import AccessToken, OAuthClient, Org, RefreshToken
    from apps.sandbox.seed import DEFAULT_ORGS, seed_sandbox

    caplog.set_level("DEBUG")
    seed_sandbox(tickets=5, orgs=DEFAULT_ORGS[:1], seed=5)
    org = Org.objects.get(pk=DEFAULT_ORGS[0].org_id)
    connection = connect_sandbox_org(org=org, base_url=live_server.url)
    secrets = {connection.get_refresh_token(), connection.get_access_token()} - {""}
    # The access token runs out: the next call refreshes it first.
    connection.set_access_token("1000." + "0" * 32 + "." + "0" * 32, expires_at=timezone.now() - timedelta(1))
    connection.save()
    with desk_client_for(connection) as client:
        client.organizations()
        client.tickets_list()
    connection.refresh_from_db()
    secrets |= {connection.get_access_token()}
    secrets |= set(OAuthClient.objects.values_list("client_secret", flat=True))
    connection_disconnect(actor=admin_user, connection=connection)
    assert RefreshToken.objects.filter(revoked_at__isnull=False).exists()  # the revoke reached the sandbox
    assert not AccessToken.objects.filter(revoked_at__isnull=True).exists()

    out, err = capfd.readouterr()
    logs = {
        "console log records": caplog.text,
        "stdout/stderr": out + err,
        "sandbox request log": _sandbox_logs(),
        "audit log": _audit_logs(),
    }
    assert "refresh_token" in logs["sandbox request log"]  # the expired access token was refreshed
    assert "token/revoke" in logs["sandbox request log"] and "token=[redacted]" in logs["sandbox request log"]
    for name, text in logs.items():
        leaked = [s[:12] for s in secrets if s and s in text]
        assert not leaked, f"{name} holds a secret: {leaked}"
        assert not TOKEN_SHAPED.search(text), f"{name} holds a token-shaped string"
        assert not SECRET_SHAPED.search(text), f"{name} holds a secret-shaped string"


def test_the_access_log_line_has_no_query_string_so_no_code_or_token():
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    from deskadmin import gunicorn_conf

    config = Config()
    config.set("access_log_format", gunicorn_conf.access_log_format)
    logger = Logger(config)
    for uri in (
        "/connections/callback/?code=1000.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb&state=s",
        "/sandbox/accounts/oauth/v2/token/revoke?token=1000.cccccccccccccccccccccccccccccccc.dddddddddddddddddddddd",
    ):
        path, _, query = uri.partition("?")
        environ = {
            "REQUEST_METHOD": "POST",
            "RAW_URI": uri,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_REFERER": f"http://127.0.0.1:8000{uri}",
        }
        response = SimpleNamespace(status="200 OK", sent=10, headers=[])
        request = SimpleNamespace(headers=[])
        line = gunicorn_conf.access_log_format % logger.atoms(
            response, request, environ, timedelta(0, 0, 5000)
        )
        assert path in line
        assert "1000." not in line and "code=" not in line and "token=" not in line, line
