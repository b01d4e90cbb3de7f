"""Every DeskClient method against the sandbox over real HTTP (pytest-django's live server)."""

from __future__ import annotations

import os

import pytest

from apps.desk.client import DeskClient
from apps.desk.errors import DeskNotFound, DeskValidationError

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)


def _department(client: DeskClient):
    return next(d for d in client.departments_list() if client.support_email_addresses(department_id=d.id))


def _from_address(client: DeskClient, department) -> str:
    """A From address the department may reply from (GET /mailReplyAddress), as the console picks one."""
    addresses = client.support_email_addresses(department_id=department.id)
    return next(a.address for a in addresses if a.is_active is not False)


def test_organizations_and_myinfo(sandbox):
    orgs = sandbox.client.organizations()

    assert sandbox.org_id in [org.id for org in orgs]
    assert next(org for org in orgs if org.id == sandbox.org_id).company_name == "Acme Support"
    me = sandbox.client.myinfo()
    assert me.id and me.email


def test_ticket_lifecycle_create_get_update_status_assign_search_count_trash(sandbox):
    client = sandbox.client
    department = _department(client)
    contact = next(client.contacts_list(max_items=1))
    agent = next(client.agents_list(status="ACTIVE", max_items=1))

    created = client.ticket_create(
        subject="Integration: cannot log in",
        department_id=department.id,
        contact_id=contact.id,
        description="Since this morning",
        priority="High",
        channel="Email",
    )
    assert created.id and created.subject == "Integration: cannot log in"

    fetched = client.ticket_get(created.id, include=["contacts", "assignee"])
    assert fetched.contact_id == contact.id
    assert fetched.priority == "High"

    assert client.ticket_update(created.id, priority="Low").priority == "Low"
    assigned = client.ticket_assign(created.id, assignee_id=agent.id)
    assert assigned.assignee_id == agent.id
    assert client.ticket_assign(created.id, assignee_id=None).assignee_id is None
    closed = client.ticket_set_status(created.id, status="Closed")
    assert closed.status == "Closed"
    assert closed.closed_time is not None

    newest = next(client.tickets_list(sort_by="-createdTime", max_items=1))
    assert newest.id == created.id
    assert all(t.status == "Closed" for t in client.tickets_list(status="Closed"))
    assert client.tickets_count(status="Closed") >= 1
    assert created.id in [t.id for t in client.tickets_search(subject="Integration: cannot log in")]

    client.tickets_move_to_trash(ticket_ids=[created.id])
    assert created.id not in [t.id for t in client.tickets_list(status="Closed")]


def test_ticket_list_walks_every_page_to_the_count(sandbox):
    total = sandbox.client.tickets_count()

    ids = [ticket.id for ticket in sandbox.client.tickets_list(page_size=7)]

    assert len(ids) == total == len(set(ids))


def test_comments_threads_and_reply(sandbox):
    client = sandbox.client
    department = _department(client)
    contact = next(c for c in client.contacts_list() if c.email)
    ticket = client.ticket_create(subject="Conversation", department_id=department.id, contact_id=contact.id)

    assert list(client.comments_list(ticket.id)) == []  # a 204 ends the iteration
    comment = client.comment_create(ticket.id, content="Looking into it", is_public=False)
    assert [c.id for c in client.comments_list(ticket.id)] == [comment.id]
    assert client.comment_update(ticket.id, comment.id, content="Fixed soon").content == "Fixed soon"
    client.comment_delete(ticket.id, comment.id)
    assert list(client.comments_list(ticket.id)) == []

    sent = client.reply_send(
        ticket.id,
        to=contact.email,
        from_email_address=_from_address(client, department),
        content="<p>Please try again now.</p>",
    )
    summaries = list(client.threads_list(ticket.id))
    assert sent.id in [thread.id for thread in summaries]
    full = client.thread_get(ticket.id, sent.id)
    assert "Please try again now." in (full.content or "")
    assert full.direction == "out"


def test_reply_from_an_unknown_address_is_a_validation_error_on_that_field(sandbox):
    client = sandbox.client
    department = _department(client)
    contact = next(c for c in client.contacts_list() if c.email)
    ticket = client.ticket_create(subject="Wrong sender", department_id=department.id, contact_id=contact.id)

    with pytest.raises(DeskValidationError) as caught:
        client.reply_send(
            ticket.id, to=contact.email, from_email_address="nobody@elsewhere.invalid", content="x"
        )

    assert "from_email_address" in caught.value.fields


def test_attachment_round_trip_is_byte_for_byte(sandbox):
    client = sandbox.client
    ticket = next(client.tickets_list(max_items=1))
    payload = os.urandom(300_000)

    uploaded = client.attachment_upload(
        ticket.id,
        filename="capture.bin",
        content=payload,
        content_type="application/octet-stream",
        is_public=True,
    )
    assert uploaded.name == "capture.bin"
    assert uploaded.size == len(payload)
    assert uploaded.id in [a.id for a in client.attachments_list(ticket.id)]

    with client.attachment_download(ticket.id, uploaded.id, href=uploaded.href) as download:
        received = b"".join(download.iter_bytes())
    assert received == payload

    client.attachment_delete(ticket.id, uploaded.id)
    assert uploaded.id not in [a.id for a in client.attachments_list(ticket.id)]


def test_accounts_and_contacts_create_get_update_search_trash(sandbox):
    client = sandbox.client

    account = client.account_create(account_name="Initech Integration", website="https://initech.example")
    assert client.account_get(account.id).account_name == "Initech Integration"
    assert client.account_update(account.id, phone="+1 555 0100").phone == "+1 555 0100"
    # Account.json's ``annualrevenue``: a decimal string on the wire, a number on our side.
    assert client.account_update(account.id, annual_revenue=1250000).annual_revenue == 1250000
    listed = [a.id for a in client.accounts_list()]
    assert account.id in listed and len(listed) == len(set(listed))  # ``from`` counts from 1 there
    assert account.id in [a.id for a in client.accounts_search(account_name="Initech Integration")]

    contact = client.contact_create(
        last_name="Lumbergh", first_name="Bill", email="bill@initech.example", account_id=account.id
    )
    assert client.contact_get(contact.id).account_id == account.id
    assert client.contact_update(contact.id, title="VP").title == "VP"
    assert contact.id in [c.id for c in client.contacts_search(email="bill@initech.example")]

    client.contacts_move_to_trash(contact_ids=[contact.id])
    assert contact.id not in [c.id for c in client.contacts_list()]
    client.accounts_move_to_trash(account_ids=[account.id])
    assert account.id not in [a.id for a in client.accounts_list()]


def test_agents_add_update_deactivate_activate_delete(sandbox):
    client = sandbox.client
    department = next(client.departments_list())
    existing, other = list(client.agents_list(status="ACTIVE", max_items=2))
    assert client.agent_get(existing.id).email == existing.email
    assert [a.id for a in client.agents_by_ids([existing.id, other.id])] == [existing.id, other.id]

    agent = client.agent_add(
        email="new.agent@acme.example",
        last_name="Nguyen",
        first_name="Lin",
        associated_department_ids=[department.id],
    )
    assert agent.email == "new.agent@acme.example"
    assert client.agent_update(agent.id, first_name="Linh").first_name == "Linh"
    assert client.agent_update(agent.id, language_code="fr_FR").language_code == "fr_FR"
    ordered = [a.last_name or "" for a in client.agents_list(field_name="lastName", sort_order="desc")]
    assert ordered == sorted(ordered, reverse=True)

    client.agent_deactivate(existing.id)
    assert client.agent_get(existing.id).status == "DISABLED"
    client.agents_activate([existing.id])
    assert client.agent_get(existing.id).status == "ACTIVE"

    client.agents_delete_unconfirmed([agent.id])
    assert agent.id not in [a.id for a in client.agents_list()]
    client.agent_delete(other.id)
    assert other.id not in [a.id for a in client.agents_list(status="ACTIVE")]


def test_departments_and_teams(sandbox):
    client = sandbox.client
    departments = list(client.departments_list())
    assert departments
    assert client.department_get(departments[0].id).name == departments[0].name

    teams = client.teams_list()
    assert teams
    team = client.team_get(teams[0].id)
    assert team.name == teams[0].name
    assert team.id in [t.id for t in client.teams_list(department_id=team.department_id)]


def test_sla_policies_and_a_tickets_targets(sandbox):
    client = sandbox.client
    department = _department(client)
    contact = next(client.contacts_list(max_items=1))

    assert client.sla_policies_list(department_id=department.id)
    ticket = client.ticket_create(
        subject="SLA check", department_id=department.id, contact_id=contact.id, priority="High"
    )
    sla = client.ticket_sla_get(ticket.id)
    assert sla.response is not None and sla.response.due_time is not None
    assert sla.resolution is not None and sla.resolution.due_time is not None


def test_webhooks_create_list_get_update_delete(sandbox, settings):
    settings.SANDBOX_WEBHOOK_URL_CHECK = False  # nobody serves this URL (Desk's URL check has its own tests)
    client = sandbox.client

    webhook = client.webhook_create(
        name="DeskAdmin test",
        url="https://console.example/hooks/secret-part",
        subscriptions={"Ticket_Add": None, "Ticket_Update": None},
    )
    assert webhook.id in [w.id for w in client.webhooks_list()]
    assert client.webhook_get(webhook.id).url == "https://console.example/hooks/secret-part"
    assert client.webhook_update(webhook.id, is_enabled=False).is_enabled is False

    client.webhook_delete(webhook.id)
    with pytest.raises(DeskNotFound):
        client.webhook_get(webhook.id)


def test_errors_come_back_typed_with_field_names(sandbox):
    client = sandbox.client
    department = _department(client)

    with pytest.raises(DeskNotFound):
        client.ticket_get("1")
    with pytest.raises(DeskValidationError) as caught:
        client.ticket_create(subject="", department_id=department.id)
    assert "subject" in caught.value.fields


def test_a_rejected_token_is_refreshed_once_and_the_call_succeeds(sandbox):
    sandbox.tokens.token = "1000.not-a-valid-token"

    assert sandbox.client.myinfo().id

    assert sandbox.tokens.rejected == ["1000.not-a-valid-token"]


def test_credits_are_learned_from_the_sandbox_v3_headers(sandbox):
    from apps.desk.budget import api_usage

    sandbox.client.organizations()  # remembers the org's edition (the sandbox's first org is Enterprise)
    sandbox.client.myinfo()
    list(sandbox.client.tickets_list(max_items=1))

    usage = api_usage(sandbox.org_id)
    assert usage.credits_used_today == 1 + 1 + 3
    assert sandbox.client.credits_spent == 5
    assert usage.credits_left is not None and usage.credits_left > 0
    assert usage.daily_limit >= 100_000  # Enterprise: 100,000 + 1,000 per agent
    assert usage.concurrency_cap == 25
    assert usage.paused_until is None


def test_ticket_create_with_a_new_contact_and_full_thread_text(sandbox):
    client = sandbox.client
    department = _department(client)

    ticket = client.ticket_create(
        subject="From a new customer",
        department_id=department.id,
        contact={"last_name": "Newcomer", "email": "newcomer@example.com"},
    )

    contact = client.contact_get(ticket.contact_id)
    assert contact.email == "newcomer@example.com"
    sent = client.reply_send(
        ticket.id,
        from_email_address=_from_address(client, department),
        content="<b>Welcome</b>",
    )
    assert "Welcome" in (client.thread_get(ticket.id, sent.id, include_plain_text=True).content or "")


def test_search_by_time_ranges_reports_the_total_and_pages_by_from(sandbox):
    from datetime import UTC, datetime, timedelta

    client = sandbox.client
    everything = (datetime(2000, 1, 1, tzinfo=UTC), datetime.now(UTC) + timedelta(days=1))

    first = client.tickets_search(created_time_range=everything, sort_by="createdTime", limit=10)
    second = client.tickets_search(
        created_time_range=everything, sort_by="createdTime", from_index=10, limit=10
    )
    modified = client.tickets_search(modified_time_range=everything, sort_by="-modifiedTime", limit=5)

    total = client.tickets_count()
    assert first.count == second.count == modified.count == total
    assert len(first.items) == 10 and not {t.id for t in first} & {t.id for t in second}
    created = [t.created_time for t in first]
    assert created == sorted(created)
    wanted = [first.items[0].id, first.items[1].id]
    assert {t.id for t in client.tickets_by_ids(wanted)} == set(wanted)
    nothing = client.tickets_search(
        created_time_range=(datetime(2001, 1, 1, tzinfo=UTC), datetime(2001, 1, 2, tzinfo=UTC))
    )
    assert (nothing.items, nothing.count) == ([], 0)


def test_tags_followers_metrics_and_agent_counts(sandbox):
    client = sandbox.client
    ticket = next(client.tickets_list(max_items=1))
    agent = next(client.agents_list(status="ACTIVE", max_items=1))

    added = client.ticket_tags_add(ticket.id, tags=["integration", "billing"])
    assert {t.name for t in added} >= {"integration", "billing"}
    assert {t.name for t in client.ticket_tags_list(ticket.id)} >= {"integration", "billing"}
    assert "integration" in [
        t.name for t in client.tags_search(department_id=ticket.department_id, search="integ")
    ]
    client.ticket_tags_remove(ticket.id, tags=["billing"])
    assert "billing" not in [t.name for t in client.ticket_tags_list(ticket.id)]

    client.ticket_followers_add(ticket.id, follower_ids=[agent.id])
    assert agent.id in [f.id for f in client.ticket_followers_list(ticket.id)]
    client.ticket_followers_remove(ticket.id, follower_ids=[agent.id])
    assert agent.id not in [f.id for f in client.ticket_followers_list(ticket.id)]

    metrics = client.ticket_metrics(ticket.id)
    assert metrics.extra or metrics.thread_count is not None or metrics.response_count is not None
    counts = client.agents_tickets_count(agent_ids=[agent.id])
    assert [c.agent_id for c in counts] == [agent.id]
    assert counts[0].open_count is not None and counts[0].overdue_count is not None


def test_an_upload_is_attached_to_a_reply(sandbox):
    client = sandbox.client
    department = _department(client)
    contact = next(c for c in client.contacts_list() if c.email)
    ticket = client.ticket_create(subject="With a file", department_id=department.id, contact_id=contact.id)

    upload = client.upload(filename="steps.txt", content=b"1. restart", content_type="text/plain")
    assert upload.id and upload.name == "steps.txt" and upload.size == 10

    sent = client.reply_send(
        ticket.id,
        from_email_address=_from_address(client, department),
        content="See the attached steps.",
        attachment_ids=[upload.id],
    )
    assert sent.id in [t.id for t in client.threads_list(ticket.id)]
    assert [c.id for c in client.contacts_by_ids([contact.id])] == [contact.id]
