"""Desk client: API credits (weights, v3 headers, shared counters), the two 429s, the background reserve,
and the concurrency cap by edition."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from apps.desk.budget import (
    OrgBudget,
    api_usage,
    call_weight,
    concurrency_for_edition,
    next_reset,
)
from apps.desk.errors import CreditsExhausted, DeskNotFound, RateLimited

from .conftest import ORG


def credits(weight: int, remaining: int, *, status: int = 200, body: dict | None = None, **headers: str):
    return httpx.Response(
        status,
        json=body if body is not None else {"id": "1"},
        headers={
            "X-Rate-Limit-Request-Weight-v3": str(weight),
            "X-Rate-Limit-Remaining-v3": str(remaining),
            **headers,
        },
    )


# Weights ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "template", "params", "weight"),
    [
        ("GET", "/tickets/{ticket_id}", None, 1),
        ("PATCH", "/tickets/{ticket_id}", None, 1),
        ("POST", "/tickets", None, 1),
        ("POST", "/tickets/moveToTrash", None, 1),
        ("GET", "/tickets", {"from": 0, "limit": 100}, 3),
        ("GET", "/tickets", None, 3),
        ("GET", "/tickets/search", {"from": 2000}, 3),
        ("GET", "/tickets/search", {"from": 2001}, 5),
        ("GET", "/contacts", {"from": 10_000}, 5),
        ("GET", "/contacts", {"from": 10_001}, 10),
        ("GET", "/accounts", {"from": "50000"}, 10),
        ("GET", "/accounts", {"from": 50_001}, 50),
        ("GET", "/agents", {"from": 100_000}, 50),
        ("GET", "/agents", {"from": 100_001}, 100),
        # The same operation whatever its placeholder is called.
        ("GET", "/tickets/{id}/threads", {"from": 0}, 3),
        # Collections without paging (no ``from`` in their OAS) cost what a single record does.
        ("GET", "/tickets/{ticket_id}/tags", None, 1),
        ("GET", "/contacts/contactsByIds", {"ids": "1,2"}, 1),
        ("GET", "/webhooks", None, 1),
        ("GET", "/tickets/{ticket_id}/metrics", None, 1),
    ],
)
def test_call_weight_knows_each_operations_cost_before_the_call(method, template, params, weight):
    assert call_weight(method, template, params) == weight


def test_the_weight_desk_reports_is_what_the_client_counts(make_client, clock):
    answers = [credits(3, 4_997, body={"data": [{"id": "1"}]}), credits(1, 4_996)]
    client = make_client(lambda request: answers.pop(0))

    client.tickets_search(query="printer")
    client.ticket_get("1")

    assert client.http.credits_spent == 4
    assert client.credits_spent == 4
    assert client.http.last_call_credits == 1
    usage = client.http.budget.usage()
    assert (usage.credits_used_today, usage.credits_left) == (4, 4_996)


def test_without_a_weight_header_the_computed_weight_is_counted(make_client):
    client = make_client(lambda request: httpx.Response(200, json={"data": [{"id": "1"}]}))

    client.http.json("GET", "/tickets", retry="idempotent", params={"from": 2_500, "limit": 1})

    assert client.http.credits_spent == 5
    assert client.http.budget.credits_used_today() == 5


def test_an_error_without_a_weight_header_costs_nothing(make_client):
    answers = [
        httpx.Response(401, json={"errorCode": "INVALID_OAUTH"}),
        httpx.Response(200, json={"id": "1"}),
    ]
    client = make_client(lambda request: answers.pop(0))

    client.ticket_get("1")  # refused once, refreshed, answered

    assert client.credits_spent == 1


def test_two_clients_of_one_org_share_todays_credits_through_the_cache(make_client):
    first = make_client(lambda request: credits(3, 900, body={"data": []}))
    second = make_client(lambda request: credits(1, 899))

    list(first.tickets_list(max_items=1))
    second.ticket_get("1")

    usage = second.http.budget.usage()
    assert usage.credits_used_today == 4
    assert usage.credits_left == 899
    assert (usage.daily_limit, usage.daily_limit_estimated) == (903, True)
    assert first.http.budget.usage() == usage
    assert OrgBudget("another-org").credits_used_today() == 0


def test_a_configured_daily_limit_wins_over_the_estimate(make_client, settings):
    settings.DESK_DAILY_LIMIT = 25_000
    client = make_client(lambda request: credits(1, 900))
    client.ticket_get("1")

    usage = client.http.budget.usage()
    assert (usage.daily_limit, usage.daily_limit_estimated) == (25_000, False)
    assert usage.credits_left_percent == 4


def test_credits_used_start_again_the_next_day(make_client, clock):
    client = make_client(lambda request: credits(1, 100))
    client.ticket_get("1")
    clock.now = next_reset(clock.now) + 5

    usage = client.http.budget.usage()
    assert (usage.credits_used_today, usage.credits_left) == (0, None)


# 429 THRESHOLD_EXCEEDED: credits spent ----------------------------------------------------------------
def test_threshold_exceeded_raises_credits_exhausted_until_the_reset_without_retrying(make_client, clock):
    calls = []

    def handler(request):
        calls.append(request)
        return credits(
            0,
            0,
            status=429,
            body={"errorCode": "THRESHOLD_EXCEEDED", "message": "API credits exhausted"},
            **{"Retry-After": "3600"},
        )

    with pytest.raises(CreditsExhausted) as caught:
        make_client(handler).ticket_update("1", subject="x")

    assert len(calls) == 1
    assert clock.sleeps == []
    reset = datetime.fromtimestamp(clock.now, tz=UTC) + timedelta(seconds=3600)
    assert caught.value.retry_at == reset
    assert caught.value.error_code == "THRESHOLD_EXCEEDED"
    assert isinstance(caught.value, RateLimited)  # callers that catch RateLimited still do
    usage = OrgBudget(ORG, clock=clock.time).usage()
    assert usage.paused_until == reset
    assert usage.credits_left == 0


def test_threshold_exceeded_without_retry_after_pauses_until_midnight(make_client, clock):
    answer = httpx.Response(429, json={"errorCode": "THRESHOLD_EXCEEDED", "message": "spent"})

    with pytest.raises(CreditsExhausted) as caught:
        make_client(lambda request: answer).ticket_get("1")

    assert caught.value.retry_at == datetime.fromtimestamp(next_reset(clock.now), tz=UTC)
    assert caught.value.retry_at.time() == datetime.min.time()


def test_background_work_does_not_even_try_while_credits_are_spent(make_client, clock):
    budget = OrgBudget(ORG, clock=clock.time)
    budget.pause_until(clock.now + 600)
    calls = []

    def handler(request):
        calls.append(request)
        return credits(1, 50)

    with pytest.raises(CreditsExhausted) as caught:
        make_client(handler, priority="background").ticket_get("1")
    assert calls == []
    assert caught.value.error_code == "CREDITS_PAUSED"
    assert caught.value.retry_after == pytest.approx(600)

    # A person's click still tries (credits may be back early: an add-on); its success ends the pause.
    assert make_client(handler).ticket_get("1").id == "1"
    assert budget.paused_until() is None
    assert make_client(handler, priority="background").ticket_get("1").id == "1"


# 429 TOO_MANY_REQUESTS: concurrency -------------------------------------------------------------------
def test_too_many_requests_is_retried_after_a_brief_backoff(make_client, clock):
    answers = [
        credits(0, 4_000, status=429, body={"errorCode": "TOO_MANY_REQUESTS", "message": "concurrency"}),
        credits(1, 3_999, body={"id": "5"}),
    ]

    ticket = make_client(lambda request: answers.pop(0)).ticket_get("5")

    assert ticket.id == "5"
    assert len(clock.sleeps) == 1
    assert 0 < clock.sleeps[0] <= 0.5  # DESK_BACKOFF_BASE, first attempt
    assert OrgBudget(ORG, clock=clock.time).paused_until() is None


def test_too_many_requests_is_retried_only_up_to_max_attempts(make_client, clock, settings):
    settings.DESK_MAX_ATTEMPTS = 3
    calls = []

    def handler(request):
        calls.append(request)
        return httpx.Response(429, json={"errorCode": "TOO_MANY_REQUESTS", "message": "busy"})

    with pytest.raises(RateLimited) as caught:
        make_client(handler).ticket_create(subject="New", department_id="1")

    assert not isinstance(caught.value, CreditsExhausted)
    assert caught.value.error_code == "TOO_MANY_REQUESTS"
    assert len(calls) == 3
    assert len(clock.sleeps) == 2
    assert all(wait <= 8 for wait in clock.sleeps)


# Background reserve -----------------------------------------------------------------------------------
def test_background_leaves_the_last_share_of_the_days_credits_to_people(make_client, settings):
    settings.DESK_DAILY_LIMIT = 1_000
    settings.DESK_BACKGROUND_SHARE = 0.7  # background may not go below 300 credits left
    left = {"value": 305}
    calls = []

    def handler(request):
        calls.append(request)
        weight = 3 if request.url.path.endswith("/tickets") else 1
        left["value"] -= weight
        return credits(weight, left["value"], body={"data": [], "id": "1"})

    background = make_client(handler, priority="background")
    list(background.tickets_list(max_items=1))  # 305 -> 302: still above the reserve
    with pytest.raises(CreditsExhausted) as caught:
        list(background.tickets_list(max_items=1))  # would leave 299
    assert caught.value.error_code == "BACKGROUND_SHARE_SPENT"
    assert len(calls) == 1

    assert make_client(handler).ticket_get("1").id == "1"  # people may spend the reserve
    assert len(calls) == 2


def test_without_any_known_limit_background_work_is_not_held_back(make_client):
    client = make_client(lambda request: credits(1, 10), priority="background")

    client.ticket_get("1")
    client.ticket_get("1")  # 10 left of an unknown day: nothing says it is the people's share


# Concurrency cap by edition -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("edition", "cap"),
    [
        ("FREE", 5),
        ("NEW_FREE", 5),
        ("FREE_2019", 5),
        ("EXPRESS", 10),
        ("STANDARD", 10),
        ("Professional", 15),
        ("ENTERPRISE", 25),
        ("ZOHOONE", 25),
        ("", 5),
        ("SOMETHING_NEW", 5),
    ],
)
def test_each_edition_has_desks_concurrency_cap(edition, cap):
    assert concurrency_for_edition(edition) == cap
    assert OrgBudget(ORG, edition=edition or None).max_concurrent == cap


def test_desk_max_concurrent_overrides_the_edition(settings):
    settings.DESK_MAX_CONCURRENT = 7

    assert OrgBudget(ORG, edition="ENTERPRISE").max_concurrent == 7


def test_a_free_org_gets_no_sixth_call_in_flight(make_client, settings):
    settings.DESK_MAX_WAIT_INTERACTIVE = 0
    budget = OrgBudget(ORG, edition="FREE")
    held = [budget.acquire_slot("interactive", max_wait=0) for _ in range(5)]
    calls = []
    try:
        with pytest.raises(RateLimited) as caught:
            make_client(lambda request: calls.append(request) or credits(1, 10), edition="FREE").ticket_get(
                "1"
            )
        assert caught.value.error_code == "CONCURRENCY_LIMIT"
        assert calls == []
        usage = budget.usage()
        assert (usage.in_flight, usage.concurrency_cap) == (5, 5)
    finally:
        for key in held:
            budget.release_slot(key)


def test_the_edition_from_organizations_is_remembered_for_every_client(make_client):
    body = {"data": [{"id": ORG, "companyName": "Acme", "edition": "PROFESSIONAL"}]}
    make_client(lambda request: httpx.Response(200, json=body), org_id=None).organizations()

    assert OrgBudget(ORG).max_concurrent == 15
    assert api_usage(ORG).concurrency_cap == 15
    assert api_usage(ORG).edition == "PROFESSIONAL"


def test_any_successful_answer_ends_a_pause_even_without_the_remaining_header(make_client, clock):
    """A person's call that Desk serves ends the pause, whether or not it says how many credits are left."""
    budget = OrgBudget(ORG, clock=clock.time)
    budget.pause_until(clock.now + 600)

    # A refusal does not end it ...
    def refused(request):
        return httpx.Response(404, json={"errorCode": "URL_NOT_FOUND", "message": "no"})

    with pytest.raises(DeskNotFound):
        make_client(refused).ticket_get("1")
    assert budget.paused_until() is not None

    # ... a success does, with no X-Rate-Limit-Remaining-v3 at all.
    assert make_client(lambda request: httpx.Response(200, json={"id": "1"})).ticket_get("1").id == "1"
    assert budget.paused_until() is None
