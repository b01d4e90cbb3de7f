"""Fixtures for the Desk client against the sandbox over real HTTP: a seeded org and a client with a token."""

from __future__ import annotations

import json
from dataclasses import dataclass
from io import StringIO

import httpx
import pytest
from django.core.cache import cache
from django.core.management import call_command

from apps.desk.client import DeskClient

SCOPES = ",".join(
    [
        "Desk.tickets.ALL",
        "Desk.contacts.ALL",
        "Desk.basic.ALL",
        "Desk.settings.ALL",
        "Desk.search.READ",
        "Desk.events.ALL",
        "Desk.agents.ALL",
    ]
)


class SandboxTokens:
    """A minimal TokenProvider: the real flow and its row lock belong to the connections app."""

    def __init__(self, *, accounts_url: str, client_id: str, client_secret: str, code: str) -> None:
        self.accounts_url = accounts_url
        self.client_id = client_id
        self.client_secret = client_secret
        answer = self._grant({"grant_type": "authorization_code", "code": code})
        self.token = answer["access_token"]
        self.refresh_token = answer["refresh_token"]
        self.api_domain = answer.get("api_domain")
        self.rejected: list[str] = []

    def _grant(self, params: dict[str, str]) -> dict:
        response = httpx.post(
            f"{self.accounts_url}/oauth/v2/token",
            data={**params, "client_id": self.client_id, "client_secret": self.client_secret},
            timeout=30,
        )
        body = response.json()
        assert "error" not in body, body
        return body

    def access_token(self) -> str:
        return self.token

    def refresh_access_token(self, *, rejected: str) -> str:
        self.rejected.append(rejected)
        answer = self._grant({"grant_type": "refresh_token", "refresh_token": self.refresh_token})
        self.token = answer["access_token"]
        return self.token


@dataclass
class Sandbox:
    client: DeskClient
    tokens: SandboxTokens
    org_id: str
    api_base_url: str


@pytest.fixture
def sandbox_org():
    from apps.sandbox.seed import DEFAULT_ORGS, seed_sandbox

    result = seed_sandbox(tickets=40, orgs=DEFAULT_ORGS[:1])
    return result.orgs[0]


@pytest.fixture
def sandbox(live_server, sandbox_org) -> Sandbox:
    cache.clear()
    out = StringIO()
    call_command(
        "sandbox_self_client", org=str(sandbox_org.pk), scope=SCOPES, base_url=live_server.url, stdout=out
    )
    grant = json.loads(out.getvalue())
    tokens = SandboxTokens(
        accounts_url=grant["accounts_url"],
        client_id=grant["client_id"],
        client_secret=grant["client_secret"],
        code=grant["code"],
    )
    # The token response's api_domain is where the API lives, as with a real Zoho data center.
    api_base_url = f"{tokens.api_domain}/api/v1" if tokens.api_domain else grant["api_url"]
    client = DeskClient(api_base_url=api_base_url, org_id=str(sandbox_org.pk), token_provider=tokens)
    yield Sandbox(client=client, tokens=tokens, org_id=str(sandbox_org.pk), api_base_url=api_base_url)
    client.close()
    cache.clear()
