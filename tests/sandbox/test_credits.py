"""Real Desk's rate model in the sandbox, over real HTTP: daily API credits by edition, each call's weight
by `from`, the v3 headers, THRESHOLD_EXCEEDED at the org-time-zone midnight, TOO_MANY_REQUESTS past the
edition's concurrency, and the auth refusals that cost nothing. The reference per-minute model is opt-in.

| check | source |
|---|---|
| credits by edition, per agent, reset at midnight | Zoho Desk help "API credits" (H; Standard's per-agent M) |
| weight 1 / 3 / 5 / 10 / 50 / 100 by `from` | Zoho Desk help "API credits" (M) |
| `X-Rate-Limit-Request-Weight-v3`, `X-Rate-Limit-Remaining-v3` | seen on real Desk answers (M) |
| THRESHOLD_EXCEEDED, TOO_MANY_REQUESTS (429) | Common.json errorJson enum (H), which is which (M) |
| concurrency Free 5, Express/Standard 10, Professional 15, Enterprise 25 | Zoho Desk help (H) |
| refused calls (401, 403, 429) cost nothing | our best reading |
"""

from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo

import pytest
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.utils import timezone

from apps.sandbox.contract import credit_day, desk_endpoint, desk_json, desk_list
from apps.sandbox.models import Agent, InFlightRequest, Org, RateWindow

pytestmark = [
    pytest.mark.django_db(databases=["default", "sandbox"], transaction=True),
    pytest.mark.urls("tests.sandbox.test_credits"),
]

WEIGHT = "X-Rate-Limit-Request-Weight-v3"
REMAINING = "X-Rate-Limit-Remaining-v3"
PROBE = "/sandbox/desk/api/v1/credits"


# --- probe endpoints (this module is also the test URLconf) ----------------------------------------


@desk_endpoint(scopes=("Desk.tickets.READ",), params={"from", "limit"})
def _list(request: HttpRequest) -> HttpResponse:
    return desk_list([{"id": "1"}])


@desk_endpoint(scopes=("Desk.tickets.READ",))
def _one(request: HttpRequest) -> HttpResponse:
    return desk_json({"id": "1"})


@desk_endpoint(scopes=("Desk.tickets.READ",), list_call=True)
def _forced_list(request: HttpRequest) -> HttpResponse:
    return desk_list([])


@desk_endpoint(scopes=("Desk.tickets.READ",), params={"from"}, list_call=False)
def _forced_single(request: HttpRequest) -> HttpResponse:
    return desk_json({"id": "1"})


urlpatterns = [
    path("sandbox/desk/api/v1/credits/list", _list),
    path("sandbox/desk/api/v1/credits/one", _one),
    path("sandbox/desk/api/v1/credits/forced-list", _forced_list),
    path("sandbox/desk/api/v1/credits/forced-single", _forced_single),
    path("", include("deskadmin.urls")),
]


def _set(org: Org, **fields: object) -> None:
    Org.objects.filter(pk=org.pk).update(**fields)


def _seconds_to_local_midnight(time_zone: str) -> float:
    now = timezone.now().astimezone(ZoneInfo(time_zone))
    midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(0), tzinfo=ZoneInfo(time_zone))
    return (midnight - now).total_seconds()


# --- weights and headers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "weight"),
    [
        (0, 3),
        (2_000, 3),
        (2_001, 5),
        (10_000, 5),
        (10_001, 10),
        (50_000, 10),
        (50_001, 50),
        (100_000, 50),
        (100_001, 100),
    ],
)
def test_list_weight_follows_the_from_band(http, acme, desk_headers, offset, weight):
    response = http.get(f"{PROBE}/list", params={"from": str(offset)}, headers=desk_headers(acme))

    assert response.status_code == 200
    assert response.headers[WEIGHT] == str(weight)


def test_single_record_call_costs_one_and_a_list_without_from_three(http, acme, desk_headers):
    headers = desk_headers(acme)

    assert http.get(f"{PROBE}/one", headers=headers).headers[WEIGHT] == "1"
    assert http.get(f"{PROBE}/list", headers=headers).headers[WEIGHT] == "3"


def test_list_call_override_beats_the_inference(http, acme, desk_headers):
    headers = desk_headers(acme)

    assert http.get(f"{PROBE}/forced-list", headers=headers).headers[WEIGHT] == "3"
    single = http.get(f"{PROBE}/forced-single", params={"from": "60000"}, headers=headers)
    assert single.headers[WEIGHT] == "1"


def test_remaining_starts_at_the_edition_credits_and_decreases_by_each_weight(http, globex, desk_headers):
    headers = desk_headers(globex)

    first = http.get(f"{PROBE}/list", headers=headers)
    second = http.get(f"{PROBE}/one", headers=headers)
    third = http.get(f"{PROBE}/list", params={"from": "5000"}, headers=headers)

    assert [int(r.headers[REMAINING]) for r in (first, second, third)] == [4_997, 4_996, 4_991]  # Free: 5,000
    assert not any(name.lower().startswith("x-ratelimit-") for name in first.headers)


def test_enterprise_credits_add_one_thousand_per_licensed_agent(http, acme, desk_headers):
    licensed = (
        Agent.objects.filter(org=acme, status="ACTIVE", is_confirmed=True, is_deleted=False)
        .exclude(profile_name__icontains="light")
        .count()
    )
    assert licensed > 0
    # Light, unconfirmed and disabled agents earn nothing.
    agent = Agent.objects.filter(org=acme, status="ACTIVE", is_confirmed=True, is_deleted=False).first()
    Agent.objects.filter(pk=agent.pk).update(profile_name="Light Agent")
    licensed -= 1

    response = http.get(f"{PROBE}/one", headers=desk_headers(acme))
    assert int(response.headers[REMAINING]) == 100_000 + 1_000 * licensed - 1


def test_daily_limit_override_replaces_the_edition_credits(http, acme, desk_headers):
    _set(acme, daily_limit=40)

    assert http.get(f"{PROBE}/one", headers=desk_headers(acme)).headers[REMAINING] == "39"


def test_express_edition_credits_and_concurrency(http, globex, desk_headers):
    _set(globex, edition="express")
    licensed = Agent.objects.filter(org=globex, status="ACTIVE", is_confirmed=True, is_deleted=False).count()

    response = http.get(f"{PROBE}/one", headers=desk_headers(globex))
    assert int(response.headers[REMAINING]) == 25_000 + 100 * licensed - 1
    assert Org.objects.get(pk=globex.pk).effective_max_concurrent == 10


def test_edition_concurrency_defaults_and_override():
    expected = {"free": 5, "express": 10, "standard": 10, "professional": 15, "enterprise": 25}
    for edition, cap in expected.items():
        assert Org(edition=edition).effective_max_concurrent == cap
    assert Org(edition="free", max_concurrent=2).effective_max_concurrent == 2


# --- the day's credits spent -----------------------------------------------------------------------


def test_spent_credits_answer_threshold_exceeded_until_the_org_midnight(http, globex, desk_headers):
    _set(globex, daily_limit=7, time_zone="Pacific/Kiritimati")  # UTC+14: its midnight is not UTC's
    headers = desk_headers(globex)

    first = http.get(f"{PROBE}/list", headers=headers)
    second = http.get(f"{PROBE}/list", headers=headers)
    refused = http.get(f"{PROBE}/list", headers=headers)  # 3 more than the 1 left

    assert [first.status_code, second.status_code] == [200, 200]
    assert refused.status_code == 429
    body = refused.json()
    assert body["errorCode"] == "THRESHOLD_EXCEEDED"
    assert set(body) == {"errorCode", "message"}
    assert (refused.headers[WEIGHT], refused.headers[REMAINING]) == ("0", "1")
    expected = _seconds_to_local_midnight("Pacific/Kiritimati")
    assert abs(int(refused.headers["Retry-After"]) - math.ceil(expected)) <= 5
    # The last credit still buys a single-record call; then nothing does.
    assert http.get(f"{PROBE}/one", headers=headers).headers[REMAINING] == "0"
    last = http.get(f"{PROBE}/one", headers=headers)
    assert last.status_code == 429 and last.json()["errorCode"] == "THRESHOLD_EXCEEDED"


def test_refused_calls_cost_nothing(http, globex, desk_headers):
    _set(globex, daily_limit=3)
    headers = desk_headers(globex)
    assert http.get(f"{PROBE}/list", headers=headers).status_code == 200
    for _ in range(3):
        assert http.get(f"{PROBE}/one", headers=headers).status_code == 429

    assert RateWindow.objects.get(org=globex, kind="credits").count == 3


def test_credits_spent_yesterday_do_not_count_today(http, globex, desk_headers):
    start, _reset = credit_day(globex)
    yesterday = int((start - dt.timedelta(days=1)).timestamp())
    RateWindow.objects.create(org=globex, kind="credits", window_start=yesterday, count=5_000)

    response = http.get(f"{PROBE}/one", headers=desk_headers(globex))
    assert response.status_code == 200
    assert response.headers[REMAINING] == "4999"


def test_credit_day_runs_midnight_to_midnight_in_the_org_time_zone(globex):
    globex.time_zone = "America/New_York"
    noon_utc = dt.datetime(2026, 7, 1, 2, 0, tzinfo=dt.UTC)  # 22:00 on June 30 in New York (EDT)

    start, reset = credit_day(globex, noon_utc)
    assert start == dt.datetime(2026, 6, 30, 4, 0, tzinfo=dt.UTC)
    assert reset == dt.datetime(2026, 7, 1, 4, 0, tzinfo=dt.UTC)


# --- concurrency -----------------------------------------------------------------------------------


def test_calls_past_the_edition_cap_answer_too_many_requests(http, globex, desk_headers):
    headers = desk_headers(globex)
    InFlightRequest.objects.bulk_create(InFlightRequest(org=globex) for _ in range(5))  # Free: 5

    refused = http.get(f"{PROBE}/one", headers=headers)
    assert refused.status_code == 429
    assert refused.json()["errorCode"] == "TOO_MANY_REQUESTS"
    assert 1 <= int(refused.headers["Retry-After"]) <= 5
    assert (refused.headers[WEIGHT], refused.headers[REMAINING]) == ("0", "5000")

    InFlightRequest.objects.filter(org=globex).first().delete()
    assert http.get(f"{PROBE}/one", headers=headers).status_code == 200


def test_enterprise_cap_is_twenty_five_and_stale_slots_are_ignored(http, acme, desk_headers):
    headers = desk_headers(acme)
    InFlightRequest.objects.bulk_create(InFlightRequest(org=acme) for _ in range(24))
    assert http.get(f"{PROBE}/one", headers=headers).status_code == 200

    InFlightRequest.objects.create(org=acme)
    assert http.get(f"{PROBE}/one", headers=headers).json()["errorCode"] == "TOO_MANY_REQUESTS"

    InFlightRequest.objects.filter(org=acme).update(started_at=timezone.now() - dt.timedelta(minutes=10))
    assert http.get(f"{PROBE}/one", headers=headers).status_code == 200


# --- auth: accepted and refused (refusals cost nothing) --------------------------------------------


def test_bearer_token_is_accepted_and_charged(http, acme, issue_token):
    token = issue_token(acme).access_token

    response = http.get(f"{PROBE}/one", headers={"Authorization": f"Bearer {token}", "orgId": str(acme.pk)})
    assert response.status_code == 200
    assert response.headers[WEIGHT] == "1"


def test_org_the_user_is_not_in_is_oauth_org_mismatch(http, acme, globex, issue_token):
    token = issue_token(acme).access_token  # a token for Acme only
    headers = {"Authorization": f"Zoho-oauthtoken {token}", "orgId": str(globex.pk)}

    response = http.get(f"{PROBE}/one", headers=headers)
    assert response.status_code == 403
    assert response.json()["errorCode"] == "OAUTH_ORG_MISMATCH"
    assert response.headers[WEIGHT] == "0"
    assert REMAINING not in response.headers  # neither Globex's credits nor another org's
    assert not RateWindow.objects.filter(org=globex).exists()


def test_missing_scope_is_scope_mismatch_and_costs_nothing(http, acme, desk_headers):
    response = http.get(f"{PROBE}/one", headers=desk_headers(acme, scopes=["Desk.contacts.READ"]))

    assert response.status_code == 403
    assert response.json()["errorCode"] == "SCOPE_MISMATCH"
    assert response.headers[WEIGHT] == "0"
    assert not RateWindow.objects.filter(org=acme, kind="credits").exists()


def test_bad_token_is_invalid_oauth_and_costs_nothing(http, acme):
    response = http.get(f"{PROBE}/one", headers={"Authorization": "Bearer 1000.nope", "orgId": str(acme.pk)})

    assert response.status_code == 401
    assert response.json()["errorCode"] == "INVALID_OAUTH"
    assert response.headers[WEIGHT] == "0"
    assert not RateWindow.objects.filter(org=acme).exists()


# --- the reference model, opt-in -------------------------------------------------------------------


def test_reference_model_keeps_the_per_minute_headers(http, acme, desk_headers, settings):
    settings.SANDBOX_RATE_MODEL = "reference"

    response = http.get(f"{PROBE}/list", params={"from": "60000"}, headers=desk_headers(acme))
    assert response.status_code == 200
    assert response.headers["X-RateLimit-Limit"] == "100"  # Enterprise, calls a minute
    assert WEIGHT not in response.headers and REMAINING not in response.headers
    assert not RateWindow.objects.filter(org=acme, kind="credits").exists()


# --- the sandbox admin page ------------------------------------------------------------------------


def test_admin_page_shows_edition_credits_reset_and_concurrency(
    client, admin_user, http, globex, desk_headers
):
    http.get(f"{PROBE}/list", headers=desk_headers(globex))
    InFlightRequest.objects.create(org=globex)
    client.force_login(admin_user)

    page = client.get("/sandbox/admin/").content.decode()
    assert "Credits left today" in page and "Calls in flight" in page and "Concurrency cap" in page
    assert "3 of 5,000" in page  # Globex (Free) spent one list call
    assert "4,997" in page
    assert "Europe/London" in page
    assert "calls a minute" not in page
