"""Shared fixtures for the sandbox tests: seeded orgs, tokens, and an httpx client on the live server.

Tests that use these need `pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)`
(the live server runs in another thread).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from apps.sandbox import oauth
from apps.sandbox.models import Org
from apps.sandbox.seed import DEFAULT_ORGS, seed_sandbox

ACME_ID = DEFAULT_ORGS[0].org_id
GLOBEX_ID = DEFAULT_ORGS[1].org_id
ALL_SCOPES = (
    "Desk.tickets.ALL",
    "Desk.contacts.ALL",
    "Desk.basic.ALL",
    "Desk.settings.ALL",
    "Desk.search.READ",
    "Desk.events.ALL",
    "Desk.agents.ALL",
)


@pytest.fixture
def seeded_orgs() -> dict[str, Org]:
    """The two demo orgs with a small, deterministic data set (30 tickets)."""
    seed_sandbox(tickets=30, seed=7)
    return {"acme": Org.objects.get(pk=ACME_ID), "globex": Org.objects.get(pk=GLOBEX_ID)}


@pytest.fixture
def acme(seeded_orgs: dict[str, Org]) -> Org:
    return seeded_orgs["acme"]


@pytest.fixture
def globex(seeded_orgs: dict[str, Org]) -> Org:
    return seeded_orgs["globex"]


@pytest.fixture
def issue_token() -> Callable[..., oauth.IssuedTokens]:
    """issue_token(org, scopes=(...)) mints tokens for the demo user and client without a browser."""

    def issue(org: Org | None, scopes: tuple[str, ...] | list[str] = ALL_SCOPES) -> oauth.IssuedTokens:
        user = oauth.demo_user_ensure()
        if org is not None:
            user.orgs.add(org)
        return oauth.tokens_issue(client=oauth.demo_client_ensure(), user=user, org=org, scopes=list(scopes))

    return issue


@pytest.fixture
def desk_headers(issue_token: Callable[..., oauth.IssuedTokens]) -> Callable[..., dict[str, str]]:
    """desk_headers(org, scopes=...) -> the Authorization and orgId headers of a fresh token."""

    def headers(org: Org, scopes: tuple[str, ...] | list[str] = ALL_SCOPES) -> dict[str, str]:
        issued = issue_token(org, scopes)
        return {"Authorization": f"Zoho-oauthtoken {issued.access_token}", "orgId": str(org.pk)}

    return headers


@pytest.fixture
def http(live_server) -> Iterator[httpx.Client]:
    """An httpx client on the live server (no redirects followed, so tests see Zoho's redirects)."""
    with httpx.Client(base_url=live_server.url, timeout=20, follow_redirects=False) as client:
        yield client


@pytest.fixture
def api_url(live_server) -> str:
    return f"{live_server.url}/sandbox/desk/api/v1"


@pytest.fixture
def accounts_url(live_server) -> str:
    return f"{live_server.url}/sandbox/accounts"


# ---------------------------------------------------------------------------------------------------
# A probe API for contract tests that must not depend on the real endpoints: use it with
# `@pytest.mark.urls(PROBE_URLCONF)`. It sits under the real API prefix, before the sandbox's own URLs.
# ---------------------------------------------------------------------------------------------------

import time  # noqa: E402

from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.urls import include, path  # noqa: E402

from apps.sandbox.contract import DeskAPIError, desk_endpoint, desk_json, desk_list, field_error  # noqa: E402

PROBE_URLCONF = "tests.sandbox.conftest"
PROBE = "/sandbox/desk/api/v1/probe"


@desk_endpoint(scopes=("Desk.tickets.READ",), params={"from", "limit", "sortBy", "status"}, methods=("GET",))
def _probe_tickets(request: HttpRequest) -> HttpResponse:
    if request.GET.get("status") == "none":
        return desk_list([])
    return desk_list([{"id": "1", "orgId": str(request.sandbox_org.pk)}])


@desk_endpoint(scopes=("Desk.tickets.CREATE",), methods=("POST",))
def _probe_create(request: HttpRequest) -> HttpResponse:
    raise DeskAPIError(
        422,
        "INVALID_DATA",
        "subject is required",
        errors=[field_error("subject", "missing", "subject is required")],
    )


@desk_endpoint(scopes=("Desk.tickets.READ",), params={"seconds"})
def _probe_slow(request: HttpRequest) -> HttpResponse:
    time.sleep(float(request.GET.get("seconds", "1")))
    return desk_json({"slept": True})


@desk_endpoint(scopes=("Desk.basic.READ",), org_required=False)
def _probe_orgs(request: HttpRequest) -> HttpResponse:
    return desk_list([{"id": str(org_id)} for org_id in sorted(request.sandbox_token.org_ids())])


@desk_endpoint(scopes=("Desk.tickets.READ",))
def _probe_boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug in a view")


urlpatterns = [
    path("sandbox/desk/api/v1/probe/tickets", _probe_tickets),
    path("sandbox/desk/api/v1/probe/create", _probe_create),
    path("sandbox/desk/api/v1/probe/slow", _probe_slow),
    path("sandbox/desk/api/v1/probe/organizations", _probe_orgs),
    path("sandbox/desk/api/v1/probe/boom", _probe_boom),
    path("", include("deskadmin.urls")),
]
