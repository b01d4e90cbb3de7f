"""The client's budget, concurrency cap and seed-form switch against the sandbox's enforced contract."""

from __future__ import annotations

import threading

import pytest

from apps.desk.client import DeskClient
from apps.desk.errors import DeskError, DeskNotFound, RateLimited

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)


def _sandbox_statuses(org_id: str) -> list[int]:
    from apps.sandbox.models import RequestLog

    return list(RequestLog.objects.filter(org_id=org_id, kind="api").values_list("status", flat=True))


def _client_like(sandbox, **kwargs) -> DeskClient:
    return DeskClient(
        api_base_url=sandbox.api_base_url, org_id=sandbox.org_id, token_provider=sandbox.tokens, **kwargs
    )


def test_the_learned_minute_budget_stops_calls_before_desk_says_429(sandbox, sandbox_org, settings):
    settings.DESK_MAX_WAIT_INTERACTIVE = 0
    settings.DESK_MAX_WAIT_BACKGROUND = 0
    settings.DESK_BACKGROUND_SHARE = 0.7
    sandbox_org.per_minute_limit = 5
    sandbox_org.save(update_fields=["per_minute_limit"])
    background = _client_like(sandbox, priority="background")

    background_calls = 0
    with pytest.raises(RateLimited) as caught:
        for _ in range(20):
            background.myinfo()
            background_calls += 1
    assert caught.value.error_code == "BUDGET_EXHAUSTED"

    interactive_calls = 0
    with pytest.raises(RateLimited):
        for _ in range(20):
            sandbox.client.myinfo()
            interactive_calls += 1

    assert background_calls >= 1
    assert interactive_calls >= 1  # what background left was kept for people
    assert 429 not in _sandbox_statuses(sandbox.org_id)


def test_twelve_threads_stay_within_the_sandbox_concurrency_cap(sandbox):
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


def test_the_seed_forms_behind_the_unconfirmed_switch_work_too(sandbox):
    client = _client_like(sandbox, unconfirmed_real_forms=False)
    agent = next(client.agents_list(status="ACTIVE", max_items=1))
    department = next(d for d in client.departments_list() if d.email_addresses)
    contact = next(client.contacts_list(max_items=1))

    client.agent_deactivate(agent.id)
    assert client.agent_get(agent.id).status in ("DISABLED", "INACTIVE")
    client.agent_activate(agent.id)
    assert client.agent_get(agent.id).status == "ACTIVE"

    assert client.sla_policies_list()
    ticket = client.ticket_create(subject="Seed SLA", department_id=department.id, contact_id=contact.id)
    sla = client.ticket_sla_get(ticket.id)
    assert sla.response is not None and sla.response.due_time is not None

    invited = client.agent_add(email="seed.form@acme.example", last_name="Seed")
    client.agent_delete(invited.id)
    with pytest.raises(DeskNotFound):
        client.agent_get(invited.id)
