"""sandbox_seed: deterministic, realistic, idempotent demo data; and the sandbox admin page."""

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count

from apps.core.roles import Role
from apps.sandbox.models import (
    Agent,
    Attachment,
    Comment,
    Contact,
    Department,
    Org,
    RequestLog,
    SlaPolicy,
    Team,
    Thread,
    Ticket,
    ZohoUser,
    next_id,
    next_ticket_numbers,
)
from apps.sandbox.seed import seed_sandbox
from tests.sandbox.conftest import ACME_ID, GLOBEX_ID

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])


def _fingerprint() -> list[tuple]:
    return list(
        Ticket.objects.order_by("id").values_list(
            "id", "ticket_number", "subject", "status", "priority", "channel", "assignee_id", "contact_id"
        )
    )


def test_default_seed_makes_two_orgs_on_their_editions():
    seed_sandbox(tickets=40, seed=1)

    acme, globex = Org.objects.get(pk=ACME_ID), Org.objects.get(pk=GLOBEX_ID)
    assert (acme.company_name, acme.edition, acme.effective_per_minute_limit) == (
        "Acme Support",
        "enterprise",
        100,
    )
    assert (globex.company_name, globex.edition, globex.effective_per_minute_limit) == (
        "Globex Help",
        "free",
        10,
    )
    assert Ticket.objects.count() == 40


def test_seed_is_deterministic_for_a_seed():
    seed_sandbox(tickets=60, seed=5)
    first = _fingerprint()
    seed_sandbox(tickets=60, seed=5, reset=True)

    assert _fingerprint() == first


def test_a_different_seed_gives_different_data():
    seed_sandbox(tickets=60, seed=5)
    first = _fingerprint()
    seed_sandbox(tickets=60, seed=6, reset=True)

    assert _fingerprint() != first


def test_seeding_again_keeps_existing_orgs_unless_reset():
    seed_sandbox(tickets=20, seed=1)
    result = seed_sandbox(tickets=50, seed=1)

    assert result.tickets == 0 and len(result.skipped) == 2
    assert Ticket.objects.count() == 20
    seed_sandbox(tickets=50, seed=1, reset=True)
    assert Ticket.objects.count() == 50


def test_records_are_realistic_and_consistent():
    seed_sandbox(tickets=300, seed=3)
    acme = Org.objects.get(pk=ACME_ID)

    assert Department.objects.filter(org=acme).count() == 3
    assert all(d.email_addresses and d.business_hours for d in Department.objects.filter(org=acme))
    assert Team.objects.filter(org=acme).exists() and SlaPolicy.objects.filter(org=acme).count() == 3
    assert Agent.objects.filter(org=acme, status="DISABLED").exists()
    assert Contact.objects.filter(org=acme, account__isnull=False).exists()
    tickets = Ticket.objects.filter(org=acme)
    assert {"Open", "Closed", "On Hold"} <= set(tickets.values_list("status_type", flat=True))
    assert "Waiting on Customer" in set(tickets.values_list("status", flat=True))
    assert len(set(tickets.values_list("priority", flat=True))) == 4
    assert len(set(tickets.values_list("channel", flat=True))) >= 4
    assert Comment.objects.exists() and Attachment.objects.exists()
    assert tickets.exclude(due_date=None).exists()
    # Counters on the ticket match the rows.
    for ticket in tickets.annotate(n=Count("threads"))[:50]:
        assert ticket.thread_count == ticket.n >= 1
    for ticket in tickets.filter(status_type="Closed")[:20]:
        assert ticket.closed_time is not None and ticket.closed_time >= ticket.created_time
    # Ticket numbers run 1..n per org, without gaps.
    numbers = sorted(tickets.values_list("ticket_number", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))


def test_desk_style_ids_and_sequences_continue_after_the_seed():
    seed_sandbox(tickets=10, seed=1)
    acme = Org.objects.get(pk=ACME_ID)

    largest = max(Thread.objects.filter(org=acme).values_list("id", flat=True))
    assert len(str(largest)) == 16 and str(largest).startswith("1892")
    assert next_id(acme) > largest
    assert next_ticket_numbers(acme, 2) == [
        Ticket.objects.filter(org=acme).count() + 1,
        Ticket.objects.filter(org=acme).count() + 2,
    ]


def test_console_demo_admin_is_an_agent_in_every_org_and_a_member_of_both():
    seed_sandbox(tickets=10, seed=1)

    assert Agent.objects.filter(email="admin@deskadmin.local").count() == 2
    user = ZohoUser.objects.get(email="admin@deskadmin.local")
    assert set(user.orgs.values_list("pk", flat=True)) == {ACME_ID, GLOBEX_ID}


def test_seed_command_prints_the_demo_client_and_counts():
    out = StringIO()
    call_command("sandbox_seed", tickets=12, seed=2, stdout=out)
    text = out.getvalue()

    assert "seeded Acme Support" in text and "12 tickets" in text
    assert settings.SANDBOX_CLIENT_ID in text and settings.SANDBOX_CLIENT_SECRET in text


def test_seed_command_refuses_a_negative_ticket_count():
    with pytest.raises(CommandError):
        call_command("sandbox_seed", tickets=-1, stdout=StringIO())


def test_self_client_command_refuses_unknown_org_and_scope():
    seed_sandbox(tickets=5, seed=1)
    with pytest.raises(CommandError):
        call_command("sandbox_self_client", org="Nope Inc", scope="Desk.tickets.ALL", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("sandbox_self_client", org=str(ACME_ID), scope="Desk.bogus.ALL", stdout=StringIO())


# --- the admin page --------------------------------------------------------------------------------


def test_admin_page_is_only_for_connection_managers(client, make_user):
    seed_sandbox(tickets=5, seed=1)
    client.force_login(make_user("alex", Role.AGENT))

    assert client.get("/sandbox/admin/").status_code == 403


def test_admin_page_requires_login(client):
    response = client.get("/sandbox/admin/")

    assert response.status_code == 302


def test_admin_page_lists_orgs_and_saves_fault_knobs(client, admin_user):
    seed_sandbox(tickets=5, seed=1)
    client.force_login(admin_user)

    page = client.get("/sandbox/admin/")
    assert page.status_code == 200
    assert b"Acme Support" in page.content and b"Globex Help" in page.content
    prefix = f"org{GLOBEX_ID}"
    saved = client.post(
        "/sandbox/admin/",
        {
            "org": str(GLOBEX_ID),
            f"{prefix}-edition": "professional",
            f"{prefix}-per_minute_limit": "",
            f"{prefix}-daily_limit": "",
            f"{prefix}-max_concurrent": "10",
            f"{prefix}-latency_ms": "250",
            f"{prefix}-error_rate": "0.1",
            f"{prefix}-burst_429_rate": "",
            f"{prefix}-burst_429_remaining": "0",
            f"{prefix}-timeout_rate": "",
            f"{prefix}-timeout_seconds": "",
        },
    )
    assert saved.status_code == 302
    globex = Org.objects.get(pk=GLOBEX_ID)
    assert (globex.edition, globex.latency_ms, globex.error_rate) == ("professional", 250, 0.1)
    assert globex.effective_per_minute_limit == 50


def test_admin_page_rejects_an_error_rate_above_one(client, admin_user):
    seed_sandbox(tickets=5, seed=1)
    client.force_login(admin_user)
    prefix = f"org{ACME_ID}"

    response = client.post(
        "/sandbox/admin/",
        {
            "org": str(ACME_ID),
            f"{prefix}-edition": "enterprise",
            f"{prefix}-max_concurrent": "10",
            f"{prefix}-burst_429_remaining": "0",
            f"{prefix}-error_rate": "3",
        },
    )
    assert response.status_code == 400
    assert b"between 0 and 1" in response.content
    assert Org.objects.get(pk=ACME_ID).error_rate is None


def test_admin_page_log_partial_lists_recent_requests(client, admin_user):
    seed_sandbox(tickets=5, seed=1)
    RequestLog.objects.create(
        kind="api", method="GET", path="/sandbox/desk/api/v1/tickets", status=429, org_id="1"
    )
    client.force_login(admin_user)

    response = client.get(
        "/sandbox/admin/", {"partial": "log", "kind": "api"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert b"/sandbox/desk/api/v1/tickets" in response.content
    assert b"<html" not in response.content


def test_admin_page_log_filters_by_org_and_ignores_malformed_filters(client, admin_user):
    seed_sandbox(tickets=2, seed=1)
    RequestLog.objects.create(
        kind="api", method="GET", path="/sandbox/desk/api/v1/agents", status=200, org_id="1"
    )
    RequestLog.objects.create(
        kind="api", method="GET", path="/sandbox/desk/api/v1/teams", status=200, org_id="2"
    )
    client.force_login(admin_user)

    by_org = client.get("/sandbox/admin/", {"org": "2"})
    assert b"/v1/teams" in by_org.content and b"/v1/agents" not in by_org.content
    assert b'id="sbx-org"' in by_org.content and b'value="2"' in by_org.content

    malformed = client.get("/sandbox/admin/", {"org": "<script>", "kind": "nonsense"})
    assert malformed.status_code == 200
    assert b"/v1/teams" in malformed.content and b"/v1/agents" in malformed.content
    assert b"<script>" not in malformed.content
