"""Desk client: the concurrency cap shared across clients, the reference model's minute headers, the call log.

Credits (weights, the v3 headers, the two 429s, the background reserve) are in test_credits.py.
"""

from __future__ import annotations

import logging
import threading

import httpx
import pytest

from apps.desk.budget import OrgBudget
from apps.desk.client import DeskClient
from apps.desk.errors import RateLimited

from .conftest import BASE, ORG, FakeTokens


def test_twelve_threads_of_an_express_org_never_have_more_than_ten_calls_in_flight():
    lock = threading.Lock()
    ten_inside = threading.Event()
    in_flight = 0
    peak = 0
    done = 0

    def handler(request):
        nonlocal in_flight, peak, done
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
            if in_flight >= 10:
                ten_inside.set()
        # Hold every call until ten are inside at once, so the cap is really tested (the wait's
        # timeout only guards against a hang; nothing here depends on timing).
        ten_inside.wait(timeout=5)
        with lock:
            in_flight -= 1
            done += 1
        return httpx.Response(200, json={"id": "1"})

    client = DeskClient(
        api_base_url=BASE,
        org_id=ORG,
        token_provider=FakeTokens(),
        transport=httpx.MockTransport(handler),
        edition="EXPRESS",  # Desk's cap for Express: 10 concurrent calls
    )
    errors = []

    def worker():
        try:
            for _ in range(3):
                client.ticket_get("1")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert done == 36
    assert peak == 10
    assert OrgBudget(ORG).in_flight() == 0


def test_slots_are_shared_by_every_client_of_the_same_org_but_not_across_orgs(settings):
    settings.DESK_MAX_WAIT_INTERACTIVE = 0
    budget = OrgBudget(ORG, edition="STANDARD")
    held = [budget.acquire_slot("interactive", max_wait=0) for _ in range(10)]

    def client_for(org_id):
        return DeskClient(
            api_base_url=BASE,
            org_id=org_id,
            token_provider=FakeTokens(),
            transport=httpx.MockTransport(lambda request: httpx.Response(200, json={"id": "1"})),
        )

    try:
        with pytest.raises(RateLimited):
            client_for(ORG).ticket_get("1")
        assert client_for("another-org").ticket_get("1").id == "1"
    finally:
        for key in held:
            budget.release_slot(key)


def test_a_call_waits_no_longer_than_allowed_for_a_free_slot(make_client, settings):
    settings.DESK_MAX_WAIT_INTERACTIVE = 0
    budget = OrgBudget(ORG, edition="FREE")
    held = [budget.acquire_slot("interactive", max_wait=0) for _ in range(5)]
    try:
        with pytest.raises(RateLimited) as caught:
            make_client(lambda request: httpx.Response(200, json={"id": "1"})).ticket_get("1")
        assert caught.value.error_code == "CONCURRENCY_LIMIT"
    finally:
        for key in held:
            budget.release_slot(key)


def test_background_calls_use_only_their_share_of_the_slots(settings):
    settings.DESK_BACKGROUND_SHARE = 0.7
    budget = OrgBudget(ORG, edition="STANDARD")
    held = [budget.acquire_slot("background", max_wait=0) for _ in range(7)]

    with pytest.raises(Exception, match="busy"):
        budget.acquire_slot("background", max_wait=0)
    extra = budget.acquire_slot("interactive", max_wait=0)

    for key in [*held, extra]:
        budget.release_slot(key)


def test_reference_model_headers_are_read_harmlessly_when_present(make_client, clock):
    """The sandbox's opt-in reference model sends X-RateLimit-*: a spent minute waits for its reset."""
    reset = int(clock.now) + 5
    calls = []

    def handler(request):
        calls.append(request)
        return httpx.Response(
            200,
            json={"id": "1"},
            headers={
                "X-RateLimit-Limit": "10",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": str(reset),
            },
        )

    client = make_client(handler)
    client.ticket_get("1")
    assert client.http.budget.minute_state()["limit"] == 10
    client.ticket_get("1")

    assert len(calls) == 2
    assert clock.sleeps == [pytest.approx(5)]


def test_answers_without_any_rate_headers_change_nothing_but_the_counters(make_client):
    client = make_client(lambda request: httpx.Response(200, json={"id": "1"}))

    client.ticket_get("1")

    usage = client.http.budget.usage()
    assert usage.credits_used_today == 1
    assert usage.credits_left is None
    assert usage.paused_until is None


def test_each_call_logs_one_line_with_org_method_path_status_and_attempt(make_client, caplog):
    caplog.set_level(logging.INFO, logger="apps.desk")

    def handler(request):
        return httpx.Response(200, json={"id": "42", "subject": "Secret customer words"})

    make_client(handler).ticket_update("42", description="Secret customer words")

    records = [r for r in caplog.records if r.name == "apps.desk"]
    assert len(records) == 1
    line = records[0].getMessage()
    assert f"org={ORG}" in line
    assert "method=PATCH" in line
    assert "path=/tickets/{ticket_id}" in line
    assert "status=200" in line
    assert "attempt=1" in line
    assert "credits=1" in line
    assert records[0].desk_call["status"] == 200


def test_the_call_log_never_contains_the_token_the_body_or_the_query(make_client, caplog, tokens):
    caplog.set_level(logging.DEBUG)
    answers = [httpx.Response(401, json={"errorCode": "INVALID_OAUTH"}), httpx.Response(204)]

    make_client(lambda request: answers.pop(0)).tickets_search(email="jane@example.com")

    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "1000.first-token" not in text
    assert "1000.fresh-token" not in text
    assert "jane@example.com" not in text
    assert text.count("desk_call") == 2
