"""The customers' mirror keeps what the lists need: each contact's stored account name (what "sort by account"
walks) follows its account through applies, and a large apply queues the planner-statistics task (no request
runs ANALYZE itself)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.tasks import default_task_backend

from apps.connections.models import DeskConnection
from apps.customers import maintenance
from apps.customers.mirror import mirror_apply_account, mirror_apply_contact
from apps.customers.models import Account, Contact
from apps.customers.tasks import customers_analyze_task
from apps.desk import types as desk
from apps.mirror import apply as mirror

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def connection():
    cache.clear()
    yield DeskConnection.objects.create(
        org_id="83101",
        org_name="Keys Org",
        data_center="us",
        accounts_url="https://accounts.zoho.com",
        api_domain="https://desk.zoho.com",
        client_id="1000.K",
    )
    cache.clear()


def contact_json(desk_id: str, account_id: str | None, minute: int = 0) -> dict:
    return {
        "id": desk_id,
        "lastName": f"Person {desk_id}",
        "accountId": account_id,
        "modifiedTime": desk.format_datetime(T0 + timedelta(minutes=minute)),
    }


def account_json(desk_id: str, name: str, minute: int = 0) -> dict:
    return {
        "id": desk_id,
        "accountName": name,
        "modifiedTime": desk.format_datetime(T0 + timedelta(minutes=minute)),
    }


def stored(connection, desk_id: str) -> str | None:
    return Contact.objects.get(connection=connection, desk_id=desk_id).account_name


def test_a_contact_keeps_its_account_name_through_applies(connection):
    # The contact arrives before its account (a sync walks contacts first): no name yet.
    mirror_apply_contact(connection, contact_json("1", "900"))
    assert stored(connection, "1") is None
    # The account arrives: its contacts get its name.
    mirror_apply_account(connection, account_json("900", "Globex"))
    assert stored(connection, "1") == "Globex"
    # A new contact of a known account gets it on its own apply.
    mirror_apply_contact(connection, contact_json("2", "900"))
    assert stored(connection, "2") == "Globex"
    # The account is renamed: every contact of it follows.
    mirror_apply_account(connection, account_json("900", "Globex Group", minute=5))
    assert stored(connection, "1") == stored(connection, "2") == "Globex Group"
    # A contact moves to an account without a name (shown by its id), then to none.
    mirror_apply_account(connection, account_json("901", ""))
    mirror_apply_contact(connection, contact_json("1", "901", minute=5))
    assert stored(connection, "1") == "901"
    mirror_apply_contact(connection, contact_json("1", None, minute=10))
    assert stored(connection, "1") is None
    assert stored(connection, "2") == "Globex Group"


def test_a_large_apply_queues_the_analyze_task_and_runs_none_itself(
    connection, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    analyzed = []
    monkeypatch.setattr(maintenance, "ANALYZE_AFTER_ROWS", 10)
    monkeypatch.setattr(maintenance, "customers_analyze", lambda **kwargs: analyzed.append(kwargs))
    with django_capture_on_commit_callbacks(execute=True):
        mirror.apply_objects(connection, "contacts", [contact_json(str(n), None) for n in range(6)])
    assert default_task_backend.results == []
    with django_capture_on_commit_callbacks(execute=True):  # contacts and accounts count together: 12 rows
        mirror.apply_objects(connection, "accounts", [account_json(str(900 + n), f"A{n}") for n in range(6)])
    assert analyzed == []  # the apply did not analyze
    [queued] = default_task_backend.results
    assert queued.task.name == customers_analyze_task.name
    with django_capture_on_commit_callbacks(execute=True):  # counting starts again
        mirror.apply_objects(connection, "contacts", [contact_json(str(n), None) for n in range(20, 26)])
    assert len(default_task_backend.results) == 1
    assert customers_analyze_task.call() == {"analyzed": True, "tables": list(maintenance.TABLES)}
    assert len(analyzed) == 1


def test_the_task_analyzes_for_real_and_a_failure_is_logged_not_raised(monkeypatch, caplog):
    assert customers_analyze_task.call()["analyzed"] is True

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(maintenance, "customers_analyze", broken)
    assert customers_analyze_task.call() == {"analyzed": False}
    assert "ANALYZE of the customers' mirror failed" in caplog.text


def agent_json(desk_id: str, name: str, minute: int = 0) -> dict:
    return {
        "id": desk_id,
        "name": name,
        "emailId": f"{name.split()[0].lower()}@example.org",
        "modifiedTime": desk.format_datetime(T0 + timedelta(minutes=minute)),
    }


def test_contacts_and_accounts_keep_their_owner_sort_key(connection):
    def keys():
        return (
            Contact.objects.get(connection=connection, desk_id="1").owner_name,
            Account.objects.get(connection=connection, desk_id="900").owner_name,
        )

    # Owned by an agent the mirror does not have yet: the owner's id is the key; no owner: "".
    mirror_apply_contact(connection, {**contact_json("1", None), "ownerId": "700"})
    mirror_apply_account(connection, {**account_json("900", "Globex"), "ownerId": "700"})
    mirror_apply_contact(connection, contact_json("2", None))
    assert keys() == ("700", "700")
    assert Contact.objects.get(connection=connection, desk_id="2").owner_name == ""
    # The agent arrives, then is renamed: both follow (the label in lower case, as the list sorted by).
    mirror.apply_objects(connection, "agents", [agent_json("700", "Zoe Quill")])
    assert keys() == ("zoe quill <zoe@example.org>",) * 2
    mirror.apply_objects(connection, "agents", [agent_json("700", "Ann Quill", minute=5)])
    assert keys() == ("ann quill <ann@example.org>",) * 2
    # A record applied later with a known owner gets the name at once.
    mirror_apply_contact(connection, {**contact_json("3", None), "ownerId": "700"})
    assert Contact.objects.get(connection=connection, desk_id="3").owner_name == "ann quill <ann@example.org>"
