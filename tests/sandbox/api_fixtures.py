"""Fixtures for the Desk API tests: a small hand-built org, tokens, and an httpx client on the live server."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from django.utils import timezone

from apps.sandbox import models as m
from apps.sandbox import oauth

ALL_SCOPES = [
    "Desk.tickets.ALL",
    "Desk.contacts.ALL",
    "Desk.basic.ALL",
    "Desk.settings.ALL",
    "Desk.search.READ",
    "Desk.events.ALL",
]
API = "/sandbox/desk/api/v1"


@dataclass
class DeskWorld:
    """One org with a little of everything, and an authenticated client for it."""

    base_url: str
    org: m.Org
    other_org: m.Org
    department: m.Department
    second_department: m.Department
    agent: m.Agent
    other_agent: m.Agent
    team: m.Team
    account: m.Account
    contact: m.Contact
    policy: m.SlaPolicy
    token: str
    client: httpx.Client
    extra: dict[str, Any] = field(default_factory=dict)

    def token_for(self, scopes: list[str], *, org: m.Org | None = None) -> str:
        issued = oauth.tokens_issue(
            client=oauth.demo_client_ensure(), user=oauth.demo_user_ensure(), org=org, scopes=scopes
        )
        return issued.access_token

    def client_with(self, token: str, *, org_id: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Zoho-oauthtoken {token}"}
        if org_id is not None:
            headers["orgId"] = org_id
        return httpx.Client(base_url=self.base_url + API, headers=headers, timeout=10)

    def new_ticket(self, **fields: Any) -> dict[str, Any]:
        body = {
            "subject": "Printer on fire",
            "departmentId": str(self.department.pk),
            "contactId": str(self.contact.pk),
            **fields,
        }
        response = self.client.post("/tickets", json=body)
        assert response.status_code == 200, response.text
        return response.json()


def _make_org(org_id: int, name: str, edition: str, prefix: int) -> m.Org:
    return m.Org.objects.create(
        id=org_id,
        company_name=name,
        portal_name=name.lower().replace(" ", ""),
        edition=edition,
        id_prefix=prefix,
        per_minute_limit=1000,
        daily_limit=100_000,
    )


@pytest.fixture
def desk(live_server) -> Iterator[DeskWorld]:
    """Requires `@pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)`."""
    org = _make_org(700001, "Acme Test", m.Org.Edition.ENTERPRISE, 71)
    other_org = _make_org(700002, "Globex Test", m.Org.Edition.FREE, 72)
    now = timezone.now()
    department = m.Department.objects.create(
        id=m.next_id(org),
        org=org,
        name="Support",
        is_default=True,
        email_addresses=["support@acme.test"],
        business_hours="24x7",
    )
    second_department = m.Department.objects.create(id=m.next_id(org), org=org, name="Billing")
    user = oauth.demo_user_ensure()
    user.orgs.add(org, other_org)
    agent = m.Agent.objects.create(
        id=m.next_id(org),
        org=org,
        first_name="Demo",
        last_name="Admin",
        email=user.email,
        department_ids=[department.pk],
    )
    other_agent = m.Agent.objects.create(
        id=m.next_id(org), org=org, first_name="Sam", last_name="Agent", email="sam@acme.test"
    )
    team = m.Team.objects.create(
        id=m.next_id(org), org=org, department=department, name="Tier 1", member_ids=[agent.pk]
    )
    account = m.Account.objects.create(id=m.next_id(org), org=org, account_name="Initech")
    contact = m.Contact.objects.create(
        id=m.next_id(org),
        org=org,
        account=account,
        first_name="Peter",
        last_name="Gibbons",
        email="peter@initech.test",
    )
    policy = m.SlaPolicy.objects.create(
        id=m.next_id(org),
        org=org,
        department=department,
        name="Standard",
        is_default=True,
        targets={
            "High": {"responseHours": 1, "resolutionHours": 8},
            "Medium": {"responseHours": 4, "resolutionHours": 24},
        },
        uses_business_hours=False,
        created_time=now - dt.timedelta(days=1),
    )
    issued = oauth.tokens_issue(client=oauth.demo_client_ensure(), user=user, org=None, scopes=ALL_SCOPES)
    client = httpx.Client(
        base_url=live_server.url + API,
        headers={"Authorization": f"Zoho-oauthtoken {issued.access_token}", "orgId": str(org.pk)},
        timeout=10,
    )
    world = DeskWorld(
        base_url=live_server.url,
        org=org,
        other_org=other_org,
        department=department,
        second_department=second_department,
        agent=agent,
        other_agent=other_agent,
        team=team,
        account=account,
        contact=contact,
        policy=policy,
        token=issued.access_token,
        client=client,
    )
    yield world
    client.close()


@dataclass
class Receiver:
    """A tiny webhook receiver on 127.0.0.1: records each POST and answers with queued status codes."""

    url: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)

    def events(self) -> list[dict[str, Any]]:
        return [event for request in self.requests for event in json.loads(request["body"])]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # Desk's URL check on create (not recorded as a delivery)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            state.requests.append({"body": body, "headers": dict(self.headers.items())})
            status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
