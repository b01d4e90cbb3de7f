"""No 500 from input: every form and query string of the console and the sandbox's Desk API, fuzzed.

Driven by the URL maps, like tests/integration/test_view_authorization.py: every console view in its RULES
(an admin, so every view opens; path parameters name real objects), every Desk API route of the sandbox
(a token with every scope; its declared query parameters). Each gets the field names its page shows
(``name="…"`` in the HTML) plus the usual ones, filled with values that broke things before: Unicode
digits that pass ``str.isdigit()`` ("²", "①", "٣"), huge and negative numbers, view names as ``next``,
NUL bytes, long strings, then random text from Hypothesis. The answer may be 200, a redirect, 4xx: never
a 5xx. Bounded: a few examples per view (the whole file runs in well under 30 s).
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.integration import test_view_authorization as authz

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])

world = authz.world  # the two-org world of the authorization test (org B objects, every role)

# What broke before, and its cousins.
NASTY = (
    "²",
    "①",
    "٣٤",
    "-1",
    "99999999999999999999999",
    " 7 ",
    "tickets",
    "//evil.example/x",
    "a\x00b",
    "x" * 3000,
)
COMMON_KEYS = (
    "page",
    "per_page",
    "due_within",
    "next",
    "q",
    "sort",
    "connection",
    "status",
    "cursor",
    "ids",
    "id",
    "from",
    "limit",
    "tab",
)
FIELD_NAME = re.compile(r'name="([A-Za-z0-9_\-\[\]]{1,60})"')
# Requests per console view: every field gets this many of the values above (plus Hypothesis's).
CONSOLE_ROUNDS = 3
value_strategy = st.one_of(
    st.sampled_from(NASTY), st.text(max_size=40), st.integers(-(10**20), 10**20).map(str)
)
FUZZ = hypothesis_settings(
    max_examples=2,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def rotated(keys: list[str] | tuple[str, ...], rounds: int) -> list[dict[str, str]]:
    """``rounds`` queries setting every key at once, each key to a different nasty value in each round, so
    every key meets ``rounds`` of them in ``rounds`` requests (the crucial ones, Unicode digits, first)."""
    return [
        {key: NASTY[(round_ + index) % len(NASTY)] for index, key in enumerate(keys)}
        for round_ in range(rounds)
    ]


def _no_server_error(response, what: str) -> None:
    assert response.status_code < 500, f"{what} answered {response.status_code}"


# --- the console -------------------------------------------------------------------------------------------
def _admin(world) -> Client:
    client = Client(raise_request_exception=True)
    client.force_login(world.users["admin"])
    return client


_FIELDS_SEEN: dict[str, list[str]] = {}


def _field_names(client: Client, url: str) -> list[str]:
    """The names of the fields the page at ``url`` shows, plus the usual ones (a page's are read once)."""
    if url not in _FIELDS_SEEN:
        page = client.get(url)
        names = FIELD_NAME.findall(page.content.decode(errors="replace")) if page.status_code == 200 else []
        _FIELDS_SEEN[url] = sorted(set(names) - {"csrfmiddlewaretoken"} | set(COMMON_KEYS))
    return _FIELDS_SEEN[url]


@pytest.mark.parametrize("name", sorted(authz.RULES))
def test_console_view_never_answers_500_whatever_the_input(name, world, settings):
    # Views that call Desk meet a closed port (the world's api_domain): fail fast, no backoff sleeps.
    settings.DESK_BACKOFF_BASE = settings.DESK_BACKOFF_CAP = 0
    rule = authz.RULES[name]
    url = authz._url(name, rule, world)
    client = _admin(world)
    keys = _field_names(client, url) if rule.method == "GET" else list(COMMON_KEYS)
    if rule.method == "POST":
        keys = sorted(set(keys) | set(_field_names(client, _page_of(name, world))))

    def send(data: dict[str, str], *, htmx: bool = False) -> None:
        if rule.method == "GET":
            response = client.get(url, data, headers={"HX-Request": "true"} if htmx else {})
        else:
            response = client.post(url, data)
        _no_server_error(response, f"{rule.method} {url} {'(HTMX) ' if htmx else ''}{data!r}"[:300])

    for index, data in enumerate(rotated(keys, CONSOLE_ROUNDS)):
        send(data, htmx=index == 0 and rule.method == "GET")

    @FUZZ
    @given(st.dictionaries(st.sampled_from(keys), value_strategy, max_size=len(keys)))
    def random_input(data: dict[str, str]) -> None:
        send(data)

    random_input()


def _page_of(name: str, world) -> str:
    """The page whose form posts to a POST-only view: its namespace's first GET page, else the Overview."""
    namespace = name.split(":", 1)[0]
    for other, rule in sorted(authz.RULES.items()):
        if other.startswith(f"{namespace}:") and rule.method == "GET" and not rule.params:
            return reverse(other)
    return reverse("core:dashboard")


def test_switching_org_to_a_view_name_or_another_site_redirects_home(world):
    client = _admin(world)
    for target in ("tickets", "core:dashboard", "https://evil.example/", "//evil.example", "javascript:x"):
        response = client.post(reverse("connections:switch"), {"connection": "²", "next": target})
        assert response.status_code == 302 and response["Location"] == reverse("core:dashboard")
    response = client.post(reverse("connections:switch"), {"next": "/tickets/?page=2"})
    assert response["Location"] == "/tickets/?page=2"


# --- the sandbox's Desk API ------------------------------------------------------------------------------------
def _api_routes() -> list[tuple[str, object]]:
    found: list[tuple[str, object]] = []

    def walk(resolver: URLResolver, prefix: str) -> None:
        for pattern in resolver.url_patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern, route)
            elif isinstance(pattern, URLPattern) and "desk/api/v1/" in route and ".*" not in route:
                found.append((route, pattern.callback))

    walk(get_resolver(), "")
    return found


def _path_for(route: str) -> str:
    # Path parameters get an id that exists in no org: the answer is a 404 or 422, never a crash; the
    # query string is what is fuzzed.
    return "/" + re.sub(r"<(?:\w+:)?\w+>", "1892000000000001", route.lstrip("^").rstrip("$"))


API_ROUTES = _api_routes()


@pytest.fixture
def desk_auth(db):
    """A token with every scope for an empty org: the queries are parsed and run all the same (a bad
    number crashes the query whether or not rows match), without seeding a data set per route."""
    from apps.sandbox import oauth
    from apps.sandbox.models import Org
    from tests.sandbox.conftest import ALL_SCOPES

    org = Org.objects.create(id=70009990001, company_name="Fuzz Org", id_prefix=7000999)
    user = oauth.demo_user_ensure()
    user.orgs.add(org)
    issued = oauth.tokens_issue(
        client=oauth.demo_client_ensure(), user=user, org=org, scopes=list(ALL_SCOPES)
    )
    return {"HTTP_AUTHORIZATION": f"Zoho-oauthtoken {issued.access_token}", "HTTP_ORGID": str(org.pk)}


# Sent one parameter at a time (a bad value in another parameter must not hide a crash): "²" to every
# parameter, 25 digits to those that take a number or an id.
UNICODE_DIGIT, TOO_BIG = "²", "99999999999999999999999"
NUMERIC_NAME = re.compile(r"(?i)id|from|limit|number|count|days|index")
ROUTES = dict(API_ROUTES)


@pytest.mark.parametrize("route", sorted(ROUTES), ids=[r.split("v1/", 1)[-1] for r in sorted(ROUTES)])
def test_sandbox_api_route_never_answers_500_whatever_the_query(route, desk_auth, settings):
    settings.SANDBOX_REQUEST_LOG = False  # (speed: the log is not under test here)
    path = _path_for(route)
    client = Client()
    # The parameters the route declares (desk_endpoint's params), else the usual paging ones.
    keys = tuple(sorted(getattr(ROUTES[route], "desk_params", ()) or ("from", "limit")))

    def send(data: dict[str, str]) -> None:
        url = f"{path}?{urlencode(data)}"
        _no_server_error(client.get(url, **desk_auth), f"GET {url}"[:300])

    for data in rotated(keys, 2):
        send(data)
    for key in keys:
        send({key: UNICODE_DIGIT})
        if NUMERIC_NAME.search(key):
            send({key: TOO_BIG})

    @FUZZ
    @given(st.dictionaries(st.sampled_from(keys), value_strategy, max_size=4))
    def random_query(data: dict[str, str]) -> None:
        send(data)

    random_query()


def test_the_sandbox_search_answers_422_for_unicode_digits(desk_auth):
    client = Client()
    for query in ("searchStr=%C2%B2", "ticketNumber=%C2%B2", "_all=%C2%B2", "from=%C2%B2", "limit=%E2%91%A0"):
        response = client.get(f"/sandbox/desk/api/v1/tickets/search?{query}", **desk_auth)
        assert response.status_code in (204, 422), (query, response.status_code)


def test_a_nul_character_in_a_query_or_a_form_is_a_400_before_any_database_sees_it(world):
    client = _admin(world)
    assert client.get(reverse("tickets:queue"), {"q": "a\x00b"}).status_code == 400
    form = urlencode({"next": "/\x00"})  # as a browser posts a form
    assert (
        client.post(
            reverse("connections:switch"), form, content_type="application/x-www-form-urlencoded"
        ).status_code
        == 400
    )
    assert client.get(reverse("tickets:queue"), {"q": "printer"}).status_code == 200
