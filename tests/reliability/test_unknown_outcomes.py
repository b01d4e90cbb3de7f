"""Writes whose answer is lost: the sandbox does the write and then answers after the client's read timeout
(or cuts the answer off); the console says "Desk may have saved this — checking", keeps the draft, looks for
the object before any retry, and never sends a second copy. The audit log says "unknown → saved" or
"unknown → not saved". Timings are short (read timeout 0.5 s, answers 0.8 s late): no sleeps of our own.
"""

from __future__ import annotations

import json
import re

import httpx
import pytest
from django.urls import reverse

from apps.core.models import AuditEntry
from apps.desk.errors import DeskNetworkError, DeskOutcomeUnknown, DeskRequestNotSent, DeskServerError
from apps.team.models import Department
from apps.tickets.models import BulkJobItem, Ticket, UnknownWrite
from apps.tickets.selectors.conversation import department_addresses
from apps.tickets.services.stale import ticket_seen_token
from apps.tickets.services.unknown import unknown_writes_reconcile
from apps.tickets.tasks import unknown_writes_reconcile_task
from tests.integration.tickets import conftest as tickets_fixtures
from tests.unit.desk import conftest as desk_fixtures
from tests.unit.desk.conftest import desk_error

# Fixtures shared with the ticket tests (a seeded, synced sandbox org) and the Desk client's unit tests.
world = tickets_fixtures.world
member = tickets_fixtures.member
clock = desk_fixtures.clock
tokens = desk_fixtures.tokens
make_client = desk_fixtures.make_client

HX = {"HX-Request": "true"}
READ_TIMEOUT = 0.5
LATE = 0.8  # the sandbox's late answers: just past the client's read timeout


@pytest.fixture
def fast(settings):
    """Short client timeouts and no waits, so a lost answer costs half a second, not thirty."""
    settings.DESK_READ_TIMEOUT = READ_TIMEOUT
    settings.DESK_BACKOFF_BASE = 0.01
    settings.DESK_BACKOFF_CAP = 0.02
    settings.TICKETS_UNKNOWN_CHECK_DELAY = 0
    # No "not saved" verdict while a slow write (past the read timeout on a loaded machine) may still land;
    # tests that need the verdict set 0 once nothing can be in Desk's hands.
    settings.TICKETS_UNKNOWN_SETTLE_SECONDS = 5
    return settings


def faults(world, **values) -> None:
    from apps.sandbox.models import Org

    Org.objects.filter(pk=world.org.pk).update(**values)


def open_ticket(world) -> Ticket:
    from django.utils import timezone

    ticket = (
        Ticket.objects.filter(connection=world.connection, status="Open", is_deleted=False)
        .exclude(department_desk_id="")
        .order_by("desk_id")
        .first()
    )
    Ticket.objects.filter(pk=ticket.pk).update(
        conversation_synced_at=timezone.now() + timezone.timedelta(days=1)
    )
    ticket.refresh_from_db()
    return ticket


def sandbox_comments(content: str) -> int:
    from apps.sandbox.models import Comment

    return Comment.objects.filter(content=content).count()


def sandbox_replies(content: str) -> int:
    from apps.sandbox.models import Thread

    return Thread.objects.filter(content__contains=content, direction="out").count()


def sandbox_tickets(subject: str) -> int:
    from apps.sandbox.models import Ticket as SandboxTicket

    return SandboxTicket.objects.filter(subject=subject).count()


def posts(world) -> list[str]:
    """Writes Desk did (2xx). A hung call logs its 504 whenever its sleep ends: not counted."""
    from apps.sandbox.models import RequestLog

    rows = RequestLog.objects.filter(
        kind="api", org_id=str(world.org.pk), method__in=("POST", "PATCH"), status__lt=300
    ).values_list("method", "path")
    return [f"{method} {path.rsplit('/api/v1', 1)[-1]}" for method, path in rows]


def settled(client, response):
    """What the page shows once its "checking" banner has had its answer (on a loaded machine the first
    look can come while Desk is still saving; the banner then asks again, as the page does)."""
    for _ in range(100):
        found = re.search(r'data-unknown-write="(\d+)"', response.content.decode())
        if not found:
            return response
        response = client.post(reverse("tickets:write_check", args=[found.group(1)]), headers=HX)
    return response


SAVED = ("Comment added.", "Reply sent.", "Desk had saved your comment.", "Desk had sent your reply.")


def toast_of(response) -> dict:
    return json.loads(response.headers.get("HX-Trigger", "{}"))


def outcomes(action: str) -> list[tuple[str, str]]:
    return list(AuditEntry.objects.filter(action=action).order_by("id").values_list("outcome", "message"))


# --- the transport: "never sent" and "sent, answer lost" are told apart ------------------------------------


def test_a_create_whose_answer_times_out_is_an_unknown_outcome(make_client):
    def handler(request):
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(DeskOutcomeUnknown) as caught:
        make_client(handler).comment_create("1", content="hi")
    assert caught.value.sent is True


def test_a_create_that_never_left_is_safe_to_resend(make_client, settings):
    settings.DESK_MAX_ATTEMPTS = 2

    def handler(request):
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(DeskRequestNotSent) as caught:
        make_client(handler).ticket_create(subject="x", department_id="1")
    assert caught.value.sent is False


def test_a_gateway_timeout_on_a_create_is_unknown_but_a_desk_500_is_a_failure(make_client):
    with pytest.raises(DeskOutcomeUnknown):
        make_client(lambda request: desk_error(504, "GATEWAY_TIMEOUT")).comment_create("1", content="hi")
    with pytest.raises(DeskServerError):
        make_client(lambda request: desk_error(500, "INTERNAL_SERVER_ERROR")).comment_create(
            "1", content="hi"
        )


def test_a_read_that_times_out_is_a_plain_network_error(make_client, settings):
    settings.DESK_MAX_ATTEMPTS = 1

    def handler(request):
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(DeskNetworkError) as caught:
        make_client(handler).ticket_get("1")
    assert not isinstance(caught.value, DeskOutcomeUnknown | DeskRequestNotSent)


# --- the console against the sandbox ---------------------------------------------------------------------

pytestmark_db = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)


@pytestmark_db
def test_a_late_answered_comment_is_found_and_counted_once(world, member, agent_user, fast):
    ticket = open_ticket(world)
    faults(world, late_answer_rate=1.0, late_answer_seconds=LATE)
    client = member(agent_user)
    response = client.post(
        reverse("tickets:comment", args=[ticket.desk_id]),
        {"content": "Answer lost on the way back", "seen": ticket_seen_token(ticket)},
        headers=HX,
    )
    assert response.status_code == 200
    response = settled(client, response)
    assert toast_of(response)["toast"]["message"] in SAVED
    assert sandbox_comments("Answer lost on the way back") == 1
    assert outcomes("ticket.comment") == [
        ("unknown", "Desk's answer was lost; it may have saved this. Checking."),
        ("success", "unknown → saved"),
    ]
    assert "Answer lost on the way back" in response.content.decode()  # in the conversation, from the mirror


@pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)
def test_a_cut_off_reply_is_not_emailed_twice(world, member, agent_user, fast):
    ticket = open_ticket(world)
    address = department_addresses(connection=world.connection, department_desk_id=ticket.department_desk_id)[
        0
    ]
    faults(world, dropped_answer_rate=1.0)
    client = member(agent_user)
    draft = {
        "from_address": address.address,
        "to": "customer@example.com",
        "content_type": "plainText",
        "content": "Your refund went out today.",
        "seen": ticket_seen_token(ticket),
    }
    response = settled(
        client, client.post(reverse("tickets:reply", args=[ticket.desk_id]), draft, headers=HX)
    )
    assert toast_of(response)["toast"]["message"] in SAVED, response.content.decode()[:1500]
    # The same try sent again (a page that still showed the draft names it): Desk has it, nothing is sent.
    faults(world, dropped_answer_rate=0.0)
    write = UnknownWrite.objects.get()
    retry = {**draft, "retry_of": write.pk, "confirm_stale": "on"}
    response = client.post(reverse("tickets:reply", args=[ticket.desk_id]), retry, headers=HX)
    assert toast_of(response)["toast"]["message"] == "Reply sent."
    assert sandbox_replies("Your refund went out today.") == 1
    assert posts(world) == [f"POST /tickets/{ticket.desk_id}/sendReply"]
    assert outcomes("ticket.reply")[-1] == ("success", "unknown → saved")


@pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)
def test_a_late_answered_create_goes_to_the_one_ticket(world, member, manager_user, fast):
    department = Department.objects.filter(connection=world.connection).first()
    faults(world, late_answer_rate=1.0, late_answer_seconds=LATE)
    client = member(manager_user)
    response = client.post(
        reverse("tickets:new"),
        {
            "contact_email": "late.answer@example.com",
            "contact_last_name": "Late",
            "subject": "Created, answer lost",
            "department_id": department.desk_id,
        },
    )
    response = settled(client, response)
    ticket = Ticket.objects.get(connection=world.connection, subject="Created, answer lost")
    url = reverse("tickets:detail", args=[ticket.desk_id])
    assert url in (response.get("Location"), response.get("HX-Redirect")), response.content.decode()[:2000]
    assert sandbox_tickets("Created, answer lost") == 1
    assert outcomes("ticket.create")[-1] == ("success", "unknown → saved")


@pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)
def test_a_write_desk_never_did_is_not_saved_and_resent_once(world, member, agent_user, fast):
    ticket = open_ticket(world)
    # A gateway answers 504 for everything and Desk does nothing: even the look fails, so it stays unknown.
    faults(world, timeout_rate=1.0, timeout_seconds=0)
    client = member(agent_user)
    draft = {"content": "Sent into a gateway timeout", "seen": ticket_seen_token(ticket)}
    html = client.post(reverse("tickets:comment", args=[ticket.desk_id]), draft, headers=HX).content.decode()
    write = UnknownWrite.objects.get()
    assert "Desk may have saved this — checking" in html and f'data-unknown-write="{write.pk}"' in html
    assert "Sent into a gateway timeout</textarea>" in html  # the draft is kept
    assert outcomes("ticket.comment") == [
        ("unknown", "Desk's answer was lost; it may have saved this. Checking.")
    ]
    # Desk is back (and time passes): the page's next check finds nothing there, so sending again is safe.
    faults(world, timeout_rate=0.0)
    fast.TICKETS_UNKNOWN_SETTLE_SECONDS = 0
    html = client.post(reverse("tickets:write_check", args=[write.pk]), headers=HX).content.decode()
    assert "data-unknown-write-not-saved" in html and "Sent into a gateway timeout</textarea>" in html
    assert f'name="retry_of" value="{write.pk}"' in html
    assert outcomes("ticket.comment")[-1] == ("failure", "unknown → not saved")
    response = client.post(
        reverse("tickets:comment", args=[ticket.desk_id]), {**draft, "retry_of": write.pk}, headers=HX
    )
    assert toast_of(response)["toast"]["message"] == "Comment added."
    assert sandbox_comments("Sent into a gateway timeout") == 1


@pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)
def test_while_it_is_unknown_nothing_is_resent_and_the_page_keeps_checking(world, member, agent_user, fast):
    fast.TICKETS_UNKNOWN_SETTLE_SECONDS = 3600  # Desk might still be working on it: no verdict yet
    ticket = open_ticket(world)
    faults(world, timeout_rate=1.0, timeout_seconds=0)  # a gateway's 504: Desk may or may not have it
    client = member(agent_user)
    draft = {"content": "Maybe saved", "seen": ticket_seen_token(ticket)}
    html = client.post(reverse("tickets:comment", args=[ticket.desk_id]), draft, headers=HX).content.decode()
    write = UnknownWrite.objects.get()
    assert "Desk may have saved this — checking" in html
    assert f'data-unknown-write="{write.pk}"' in html and "Maybe saved</textarea>" in html
    faults(world, timeout_rate=0.0)
    world.clear_log()
    # Send pressed again while unknown: the earlier try is looked for, and nothing is sent.
    html = client.post(
        reverse("tickets:comment", args=[ticket.desk_id]), {**draft, "retry_of": write.pk}, headers=HX
    ).content.decode()
    assert "Desk may have saved this — checking" in html
    assert posts(world) == []
    # Time passes: the background look settles it (not saved); the page's next check shows that, and the
    # retry goes out once.
    fast.TICKETS_UNKNOWN_SETTLE_SECONDS = 0
    assert unknown_writes_reconcile_task.enqueue().return_value == {"unknown": 0}
    html = client.post(reverse("tickets:write_check", args=[write.pk]), headers=HX).content.decode()
    assert "data-unknown-write-not-saved" in html and "Maybe saved</textarea>" in html
    client.post(
        reverse("tickets:comment", args=[ticket.desk_id]), {**draft, "retry_of": write.pk}, headers=HX
    )
    assert sandbox_comments("Maybe saved") == 1


@pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)
def test_the_check_finds_a_write_desk_did_after_all(world, member, agent_user, fast):
    """The first look came too early (settle time not over); the write is found by the page's next check."""
    fast.TICKETS_UNKNOWN_SETTLE_SECONDS = 3600
    ticket = open_ticket(world)
    faults(world, late_answer_rate=1.0, late_answer_seconds=LATE)
    client = member(agent_user)
    from apps.tickets.services import unknown

    real_look = unknown._look
    calls = {"n": 0}

    def blind_first(write, api):
        calls["n"] += 1
        return None if calls["n"] == 1 else real_look(write, api)

    unknown._look = blind_first
    try:
        response = client.post(
            reverse("tickets:comment", args=[ticket.desk_id]),
            {"content": "Found on the second look", "seen": ticket_seen_token(ticket)},
            headers=HX,
        )
        assert "Desk may have saved this — checking" in response.content.decode()
        write = UnknownWrite.objects.get()
        response = client.post(reverse("tickets:write_check", args=[write.pk]), headers=HX)
    finally:
        unknown._look = real_look
    assert toast_of(response)["toast"]["message"] == "Desk had saved your comment."
    assert sandbox_comments("Found on the second look") == 1
    write.refresh_from_db()
    assert write.state == "saved" and write.result_desk_id


@pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)
def test_a_bulk_change_whose_answers_are_lost_is_checked_on_the_ticket(world, manager_user, fast):
    from apps.tickets.services.bulk import bulk_job_create, bulk_job_start

    fast.DESK_MAX_ATTEMPTS = 2
    tickets = list(
        Ticket.objects.filter(connection=world.connection, is_deleted=False)
        .exclude(priority="Low")
        .order_by("desk_id")[:2]
    )
    faults(world, late_answer_rate=1.0, late_answer_seconds=LATE)
    job = bulk_job_create(
        actor=manager_user,
        connection=world.connection,
        action="priority",
        params={"priority": "Low"},
        ticket_ids=[t.desk_id for t in tickets],
    )
    job = bulk_job_start(actor=manager_user, job=job)  # the immediate backend runs it now
    assert (job.succeeded, job.failed) == (2, 0)
    assert set(BulkJobItem.objects.filter(job=job).values_list("outcome", flat=True)) == {"success"}
    assert set(Ticket.objects.filter(pk__in=[t.pk for t in tickets]).values_list("priority", flat=True)) == {
        "Low"
    }
    assert [m for o, m in outcomes("ticket.bulk.priority") if o != "unknown"] == ["unknown → saved"] * 2
    assert unknown_writes_reconcile() == 0
