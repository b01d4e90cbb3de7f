"""The world the conformance tests drive: one live server, the seeded demo orgs, tokens, and HTTP helpers.

Why not the `live_server` fixture: pytest-django gives every test that uses it a transactional database,
which is flushed after each test, so the seed would have to be rebuilt per test (seconds each). Here one
server thread and one small seed serve the whole module; the tests only talk HTTP to it, and the module
flushes both databases when it is done, as a transactional test would.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.utils import timezone
from pytest_django.live_server_helper import LiveServer

from apps.sandbox import models as m
from apps.sandbox import oauth
from apps.sandbox.seed import DEFAULT_ORGS, seed_sandbox

API = "/sandbox/desk/api/v1"
ACME_ID = DEFAULT_ORGS[0].org_id  # Enterprise: 100,000 + 1,000 per agent credits a day
GLOBEX_ID = DEFAULT_ORGS[1].org_id  # Free: webhooks are edition-limited there
ALL_SCOPES = (
    "Desk.tickets.ALL",
    "Desk.contacts.ALL",
    "Desk.basic.ALL",
    "Desk.settings.ALL",
    "Desk.search.READ",
    "Desk.events.ALL",
    "Desk.agents.ALL",
    "Desk.webhooks.ALL",
)
# A real scope that none of the operations under test accepts.
UNRELATED_SCOPES = ("Desk.articles.READ",)
OUTSIDER_EMAIL = "conformance-outsider@example.test"
DATABASES = ("default", m.SANDBOX_DB)


@dataclass
class Receiver:
    """A webhook endpoint on 127.0.0.1 that answers 200 to Desk's validation GET and to deliveries."""

    url: str
    server: http.server.ThreadingHTTPServer

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def receiver_start() -> Receiver:
    class Handler(http.server.BaseHTTPRequestHandler):
        def _ok(self) -> None:
            length = int(self.headers.get("Content-Length", "0") or 0)
            if length:
                self.rfile.read(length)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = _ok
        do_POST = _ok

        def log_message(self, *args: Any) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/desk-hook", server=server)


@dataclass
class World:
    """What the tests need: the API base URL, ids of seeded records, and tokens with chosen scopes."""

    server_url: str
    token: str
    ids: dict[str, str]
    tokens: dict[str, str] = field(default_factory=dict)
    receiver_url: str = ""
    client: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.client = httpx.Client(base_url=self.server_url + API, timeout=30, follow_redirects=False)

    @property
    def api_url(self) -> str:
        return self.server_url + API

    def path(self, template: str) -> str:
        """Fill {ticket}, {contact}, ... with the seeded ids."""
        return template.format(**self.ids)

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        files: Any = None,
        token: str | None = None,
        org_id: str | None = str(ACME_ID),
        scheme: str = "Zoho-oauthtoken",
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """One API call; `path` may hold {placeholders}. orgId goes in the header, as Desk's docs say."""
        sent: dict[str, str] = {}
        chosen = self.token if token is None else token
        if chosen:
            sent["Authorization"] = f"{scheme} {chosen}"
        if org_id:
            sent["orgId"] = org_id
        sent.update(headers or {})
        filled = {key: str(value).format(**self.ids) for key, value in (params or {}).items()}
        return self.client.request(
            method, self.path(path), params=filled, json=json, files=files, headers=sent
        )


def _token(user: m.ZohoUser, scopes: tuple[str, ...]) -> str:
    issued = oauth.tokens_issue(
        client=oauth.demo_client_ensure(), user=user, org=None, scopes=list(scopes), offline=False
    )
    return issued.access_token


def _relax_reference_rate_model(org_ids: tuple[int, ...]) -> None:
    """The reference per-minute model (opt-in) would throttle a few hundred calls a minute; the real
    credit model has no per-minute limit and ignores this field."""
    fields = {f.name for f in m.Org._meta.get_fields()}
    if "per_minute_limit" in fields:
        m.Org.objects.filter(pk__in=org_ids).update(per_minute_limit=100_000)


def _pick_ids(org: m.Org) -> dict[str, str]:
    """Ids of seeded records: the ticket with the most conversation, its contact, thread, comment and
    attachment; the demo admin agent and a second agent; a department and an account."""
    tickets = m.Ticket.objects.filter(org=org, is_trashed=False)
    try:
        ticket = tickets.order_by("-comment_count", "-attachment_count", "-thread_count", "id").first()
    except FieldError:  # the counters are the sandbox's own business; any ticket will do then
        ticket = tickets.order_by("id").first()
    assert ticket is not None, "the seed made no ticket for the main org"
    ids = {
        "org": str(org.pk),
        "ticket": str(ticket.pk),
        "contact": str(ticket.contact_id),
        "department": str(ticket.department_id),
    }
    thread = m.Thread.objects.filter(ticket=ticket).order_by("id").first()
    ids["thread"] = str(thread.pk) if thread else "1"
    comment = m.Comment.objects.filter(ticket=ticket).order_by("id").first()
    ids["comment"] = str(comment.pk) if comment else "1"
    attachment = m.Attachment.objects.filter(ticket=ticket).order_by("id").first()
    ids["attachment"] = str(attachment.pk) if attachment else "1"
    account = m.Account.objects.filter(org=org).order_by("id").first()
    ids["account"] = str(account.pk) if account else "1"
    agents = m.Agent.objects.filter(org=org, is_deleted=False).order_by("id")
    admin = agents.filter(email__iexact=oauth.DEMO_USER_EMAIL).first() or agents.first()
    assert admin is not None, "the seed made no agent for the main org"
    others = [agent for agent in agents if agent.pk != admin.pk]
    ids["agent"] = str(admin.pk)
    # Agents the action tests may change: one to deactivate and re-activate, one to delete.
    ids["spare_agent"] = str(others[0].pk) if others else ids["agent"]
    ids["doomed_agent"] = str(others[-1].pk) if len(others) > 1 else ids["spare_agent"]
    team = m.Team.objects.filter(org=org).order_by("id").first()
    ids["team"] = str(team.pk) if team else "1"
    ids["missing"] = "1"  # an id no record has
    return ids


def _unconfirmed_agent(org: m.Org, department_id: str) -> str:
    """An invited agent who has not confirmed, for deleteUnconfirmed."""
    agent = m.Agent.objects.create(
        id=m.next_id(org),
        org=org,
        first_name="Una",
        last_name="Confirmed",
        email="una.confirmed@example.test",
        is_confirmed=False,
        department_ids=[int(department_id)],
    )
    return str(agent.pk)


def _expired_token(user: m.ZohoUser) -> str:
    token = _token(user, ALL_SCOPES)
    m.AccessToken.objects.filter(token_hash=m.hash_token(token)).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    return token


def _decorate_main_ticket(world: World) -> None:
    """Give the main ticket an attachment, a follower and a tag through the API itself (the seed does not
    always make them), so the list operations have something to show. Best effort: when an operation is
    broken its own test says so, and the list tests then report an empty list."""
    ticket = world.ids["ticket"]
    world.call(
        "POST",
        f"/tickets/{ticket}/attachments",
        params={"isPublic": "true"},
        files={"file": ("seed.txt", b"seeded attachment\n", "text/plain")},
    )
    world.call("POST", f"/tickets/{ticket}/addFollowers", json={"followerIds": [world.ids["agent"]]})
    world.call("POST", f"/tickets/{ticket}/associateTag", json={"tags": ["seeded"]})


def world_build(server_url: str, receiver_url: str) -> World:
    seed_sandbox(tickets=16, seed=7, reset=True)
    _relax_reference_rate_model((ACME_ID, GLOBEX_ID))
    acme = m.Org.objects.get(pk=ACME_ID)
    user = oauth.demo_user_ensure()
    user.orgs.add(acme, m.Org.objects.get(pk=GLOBEX_ID))
    outsider, _ = m.ZohoUser.objects.get_or_create(
        email=OUTSIDER_EMAIL, defaults={"first_name": "Out", "last_name": "Sider"}
    )
    outsider.orgs.set([acme])
    ids = _pick_ids(acme)
    ids["unconfirmed_agent"] = _unconfirmed_agent(acme, ids["department"])
    world = World(server_url=server_url, token=_token(user, ALL_SCOPES), ids=ids, receiver_url=receiver_url)
    _decorate_main_ticket(world)
    world.tokens = {
        "unrelated": _token(user, UNRELATED_SCOPES),
        "tickets_read_only": _token(user, ("Desk.tickets.READ",)),
        "contacts_read_only": _token(user, ("Desk.contacts.READ",)),
        "outsider": _token(outsider, ALL_SCOPES),
        "expired": _expired_token(user),
    }
    return world


def _flush() -> None:
    """Leave the databases as empty as a transactional test leaves them."""
    for alias in DATABASES:
        call_command("flush", database=alias, interactive=False, verbosity=0)


@pytest.fixture(name="_django_db_helper")
def no_per_test_database() -> None:
    """Replaces pytest-django's per-test database wrapper for the conformance module. The module's
    `django_db` mark still names the databases to create, but a test gets neither a transaction (with
    SQLite's IMMEDIATE mode it would hold the write lock the live server needs) nor a flush (which would
    drop the module's seed): the tests only speak HTTP, and `world` cleans up after the module."""


@pytest.fixture(scope="module", name="world")
def world_fixture(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """Module-wide: a live server on its own thread, the seed, tokens, a webhook receiver."""
    with django_db_blocker.unblock():
        server = LiveServer("localhost")
        server._live_server_modified_settings.enable()
        receiver = receiver_start()
        built: World | None = None
        try:
            built = world_build(server.url, receiver.url)
            yield built
        finally:
            if built is not None:
                built.client.close()
            receiver.close()
            server._live_server_modified_settings.disable()
            server.stop()
            _flush()
