"""Fixtures for connection tests: a fake Zoho accounts server (httpx.MockTransport) and connections."""

import itertools
import threading
from datetime import timedelta
from urllib.parse import parse_qs

import httpx
import pytest
from django.utils import timezone

from apps.connections import flow
from apps.connections.models import DeskConnection
from apps.desk.transport import transports_for_tests

ORGS = [
    {"id": "60001", "name": "Acme Support", "edition": "Enterprise"},
    {"id": "60002", "name": "Globex Help", "edition": "Free"},
]


class FakeAccountsServer:
    """Answers /oauth/v2/token and /revoke like Zoho, counting what it receives (thread-safe)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.numbers = itertools.count(1)
        self.refresh_error = ""
        self.api_domain = "https://www.zohoapis.com"

    def __call__(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        with self.lock:
            self.requests.append((request.url.path, form))
            number = next(self.numbers)
        if request.url.path.endswith("/revoke"):
            return httpx.Response(200, json={})
        if form.get("grant_type") == "refresh_token":
            if self.refresh_error:
                return httpx.Response(200, json={"error": self.refresh_error})
            return httpx.Response(200, json={"access_token": f"1000.access-{number}", "expires_in": 3600})
        if form.get("code") == "bad-code":
            return httpx.Response(200, json={"error": "invalid_code"})
        return httpx.Response(
            200,
            json={
                "access_token": f"1000.access-{number}",
                "refresh_token": f"1000.refresh-{number}",
                "api_domain": self.api_domain,
                "token_type": "Bearer",
                "expires_in": 3600,
            },
        )

    def count(self, kind: str) -> int:
        if kind == "revoke":
            return sum(1 for path, _ in self.requests if path.endswith("/revoke"))
        return sum(1 for path, form in self.requests if form.get("grant_type") == kind)


@pytest.fixture
def accounts_server():
    """Every Zoho Accounts call made without an explicit transport (views, token refreshes) goes here."""
    server = FakeAccountsServer()
    with transports_for_tests("accounts", httpx.MockTransport(server)):
        yield server


@pytest.fixture
def desk_orgs(monkeypatch):
    """What GET /organizations answers (the Desk client is tested on its own)."""
    orgs = [dict(o) for o in ORGS]
    calls = []

    def fetch(*, api_base_url, access_token, transport=None):
        calls.append(api_base_url)
        return orgs

    monkeypatch.setattr(flow, "organizations_fetch", fetch)
    return calls


@pytest.fixture
def make_connection(db):
    def make(
        org_id="60001", *, expires_in=timedelta(hours=1), status=DeskConnection.Status.HEALTHY, **fields
    ):
        connection = DeskConnection(
            org_id=org_id,
            org_name=fields.pop("org_name", "Acme Support"),
            data_center=fields.pop("data_center", "us"),
            accounts_url=fields.pop("accounts_url", "https://accounts.zoho.com"),
            api_domain=fields.pop("api_domain", "https://desk.zoho.com"),
            client_id=fields.pop("client_id", "1000.CLIENT"),
            grant_id=fields.pop("grant_id", f"grant-{org_id}"),
            scopes=["Desk.tickets.ALL"],
            status=status,
            **fields,
        )
        connection.set_client_secret("client-secret-value")
        connection.set_refresh_token(f"1000.refresh-of-{org_id}")
        connection.set_access_token(f"1000.access-of-{org_id}", expires_at=timezone.now() + expires_in)
        connection.save()
        return connection

    return make
