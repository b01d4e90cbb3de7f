"""The client's credits, the two 429s and the concurrency cap against the sandbox's real rate model."""

from __future__ import annotations

import threading

import pytest

from apps.desk.budget import OrgBudget, api_usage
from apps.desk.client import DeskClient
from apps.desk.errors import CreditsExhausted, DeskError

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)


def _sandbox_statuses(org_id: str) -> list[int]:
    from apps.sandbox.models import RequestLog

    return list(RequestLog.objects.filter(org_id=org_id, kind="api").values_list("status", flat=True))


def _client_like(sandbox, **kwargs) -> DeskClient:
    return DeskClient(
        api_base_url=sandbox.api_base_url, org_id=sandbox.org_id, token_provider=sandbox.tokens, **kwargs
    )


def test_background_keeps_the_peoples_share_then_everyone_pauses_until_the_reset(
    sandbox, sandbox_org, settings
):
    settings.DESK_BACKGROUND_SHARE = 0.7
    sandbox_org.daily_limit = 40  # credits a day: background stops with 12 left
    sandbox_org.save(update_fields=["daily_limit"])
    background = _client_like(sandbox, priority="background")

    background_calls = 0
    with pytest.raises(CreditsExhausted) as caught:
        for _ in range(60):
            background.myinfo()
            background_calls += 1
    assert caught.value.error_code == "BACKGROUND_SHARE_SPENT"
    assert background_calls == 40 - 12
    assert 429 not in _sandbox_statuses(sandbox.org_id)

    people_calls = 0
    with pytest.raises(CreditsExhausted) as caught:
        for _ in range(60):
            sandbox.client.myinfo()
            people_calls += 1
    assert people_calls == 12  # what background left was kept for people
    assert caught.value.error_code == "THRESHOLD_EXCEEDED"  # Desk's own answer, not retried
    assert caught.value.retry_after > 0
    assert _sandbox_statuses(sandbox.org_id).count(429) == 1

    usage = api_usage(sandbox.org_id)
    assert usage.paused_until is not None and usage.credits_left == 0
    asked = len(_sandbox_statuses(sandbox.org_id))
    with pytest.raises(CreditsExhausted) as caught:
        background.myinfo()
    assert caught.value.error_code == "CREDITS_PAUSED"
    assert len(_sandbox_statuses(sandbox.org_id)) == asked  # not even tried


def test_too_many_requests_from_a_small_cap_is_retried_until_every_call_succeeds(
    sandbox, sandbox_org, settings
):
    settings.SANDBOX_LATENCY_MS = 60
    settings.DESK_MAX_ATTEMPTS = 8
    sandbox_org.max_concurrent = 2  # the client believes Free (5): Desk's cap is the stricter one
    sandbox_org.save(update_fields=["max_concurrent"])
    client = _client_like(sandbox, edition="FREE")
    errors: list[Exception] = []

    def worker():
        try:
            for _ in range(2):
                client.myinfo()
        except DeskError as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert _sandbox_statuses(sandbox.org_id).count(200) == 10
    assert api_usage(sandbox.org_id).paused_until is None


def test_twelve_threads_stay_within_the_editions_concurrency_cap(sandbox):
    sandbox.client.organizations()  # Enterprise: 25 at once
    assert OrgBudget(sandbox.org_id).max_concurrent == 25
    client = sandbox.client
    errors: list[Exception] = []

    def worker():
        try:
            for _ in range(2):
                list(client.departments_list())
        except DeskError as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert 429 not in _sandbox_statuses(sandbox.org_id)


def test_the_seed_sla_path_behind_the_unconfirmed_switch_works_too(sandbox):
    client = _client_like(sandbox, unconfirmed_real_forms=False)

    assert client.sla_policies_list()
