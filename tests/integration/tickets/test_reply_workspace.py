"""The reply box against the sandbox over HTTP: files uploaded then referenced by sendReply, cc/bcc, HTML
sanitised before it goes to Desk, reply-and-set-status (both audited; a failed status change said as such),
and bad files refused before any call with the draft kept."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.core.models import AuditEntry
from apps.desk.errors import DeskValidationError
from apps.tickets.models import Ticket, TicketAttachment, TicketThread
from apps.tickets.selectors.conversation import department_addresses
from tests.integration.tickets.test_writes import HX, open_ticket, seen, toast_of

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)


def reply_data(world, ticket: Ticket, **extra) -> dict:
    addresses = department_addresses(
        connection=world.connection, department_desk_id=ticket.department_desk_id
    )
    data = {
        "from_address": addresses[0].address,
        "to": "customer@example.com",
        "cc": "",
        "bcc": "",
        "content_type": "html",
        "content": "<p>Hello <b>there</b></p>",
        "seen": seen(ticket),
    }
    data.update(extra)
    return data


def test_reply_with_two_files_uploads_then_references_them(world, member, agent_user):
    ticket = open_ticket(world)
    data = reply_data(world, ticket)
    data["files"] = [
        SimpleUploadedFile("invoice.pdf", b"%PDF-1.4 fake", content_type="application/pdf"),
        SimpleUploadedFile("notes.txt", b"line one", content_type="text/plain"),
    ]
    response = member(agent_user).post(reverse("tickets:reply", args=[ticket.desk_id]), data, headers=HX)
    assert toast_of(response)["toast"]["message"] == "Reply sent.", response.content.decode()[:3000]
    paths = world.api_paths()
    assert paths[:3] == ["POST /uploads", "POST /uploads", f"POST /tickets/{ticket.desk_id}/sendReply"]
    sandbox_thread = world.sandbox_ticket(ticket.desk_id).threads.order_by("-created_time").first()
    assert sandbox_thread.attachment_count == 2
    assert set(TicketAttachment.objects.filter(ticket=ticket).values_list("name", flat=True)) >= {
        "invoice.pdf",
        "notes.txt",
    }
    assert AuditEntry.objects.filter(action="ticket.reply.upload", outcome="success").count() == 2
    assert AuditEntry.objects.get(action="ticket.reply").detail["attachments"] == ["invoice.pdf", "notes.txt"]


def test_cc_and_bcc_go_to_desk_and_bad_ones_are_refused(world, member, agent_user):
    ticket = open_ticket(world)
    client = member(agent_user)
    url = reverse("tickets:reply", args=[ticket.desk_id])
    bad = client.post(url, reply_data(world, ticket, bcc="boss@example.com, nope"), headers=HX)
    assert world.api_calls() == 0
    html = bad.content.decode()
    assert "Enter a valid email address." in html and "boss@example.com, nope" in html
    assert "Hello &lt;b&gt;there&lt;/b&gt;" in html  # the draft is kept (escaped in the textarea)
    response = client.post(
        url, reply_data(world, ticket, cc="cc@example.com", bcc="boss@example.com"), headers=HX
    )
    assert toast_of(response)["toast"]["message"] == "Reply sent."
    thread = world.sandbox_ticket(ticket.desk_id).threads.order_by("-created_time").first()
    assert "cc@example.com" in thread.cc and "boss@example.com" in thread.bcc


def test_html_is_sanitised_before_it_goes_to_desk(world, member, agent_user):
    ticket = open_ticket(world)
    content = '<p onclick="x()">Hi <script>alert(1)</script><a href="javascript:evil()">link</a></p>'
    response = member(agent_user).post(
        reverse("tickets:reply", args=[ticket.desk_id]),
        reply_data(world, ticket, content=content),
        headers=HX,
    )
    assert toast_of(response)["toast"]["message"] == "Reply sent."
    sent = world.sandbox_ticket(ticket.desk_id).threads.order_by("-created_time").first().content
    assert "<script" not in sent and "onclick" not in sent and "javascript:" not in sent
    assert sent.startswith("<p>Hi")


@pytest.mark.parametrize(
    ("name", "size", "message"),
    [("empty.txt", 0, "empty.txt is empty; choose another file."), ("big.bin", 2048, "big.bin is 0.0 MB")],
)
def test_bad_files_are_refused_before_any_call_and_the_draft_is_kept(
    world, member, agent_user, settings, name, size, message
):
    settings.ATTACHMENT_MAX_BYTES = 1024
    ticket = open_ticket(world)
    data = reply_data(world, ticket, content="<p>My careful answer</p>", cc="cc@example.com")
    data["files"] = [SimpleUploadedFile(name, b"x" * size)]
    response = member(agent_user).post(reverse("tickets:reply", args=[ticket.desk_id]), data, headers=HX)
    html = response.content.decode()
    assert world.api_calls() == 0
    assert message in html
    assert "My careful answer" in html and 'value="cc@example.com"' in html


def test_reply_and_close_in_one_action_both_audited(world, member, agent_user):
    ticket = open_ticket(world)
    response = member(agent_user).post(
        reverse("tickets:reply", args=[ticket.desk_id]),
        reply_data(world, ticket, then_status="On Hold"),
        headers=HX,
    )
    assert toast_of(response)["toast"]["message"] == "Reply sent; status set to On Hold."
    assert world.api_paths()[:2] == [
        f"POST /tickets/{ticket.desk_id}/sendReply",
        f"PATCH /tickets/{ticket.desk_id}",
    ]
    ticket.refresh_from_db()
    assert ticket.status == "On Hold"
    assert world.sandbox_ticket(ticket.desk_id).status == "On Hold"
    assert AuditEntry.objects.filter(action="ticket.reply", outcome="success").exists()
    assert AuditEntry.objects.filter(action="ticket.status", outcome="success").exists()


def test_status_failure_after_the_reply_says_exactly_that(world, member, agent_user, monkeypatch):
    from apps.tickets.services import conversation

    def refuse(**kwargs):
        raise DeskValidationError("The status On Hold is not allowed for this department.", status=422)

    monkeypatch.setattr(conversation, "ticket_status_change", refuse)
    ticket = open_ticket(world)
    response = member(agent_user).post(
        reverse("tickets:reply", args=[ticket.desk_id]),
        reply_data(world, ticket, then_status="On Hold"),
        headers=HX,
    )
    triggers = toast_of(response)
    assert triggers["toast"]["message"] == "Reply sent."
    assert triggers["alert"]["message"].startswith(
        "Your reply was sent, but the status could not be set to On Hold: Desk refused the change:"
    )
    assert TicketThread.objects.filter(ticket=ticket, to__icontains="customer@example.com").exists()
    ticket.refresh_from_db()
    assert ticket.status == "Open"


def test_an_agent_without_close_permission_cannot_set_a_status(world, member, agent_user):
    from django.contrib.auth.models import Permission

    agent_user.user_permissions.clear()
    for group in agent_user.groups.all():
        group.permissions.remove(Permission.objects.get(codename="close_tickets"))
    ticket = open_ticket(world)
    response = member(agent_user).post(
        reverse("tickets:reply", args=[ticket.desk_id]),
        reply_data(world, ticket, then_status="Closed"),
        headers=HX,
    )
    assert world.api_calls() == 0
    assert toast_of(response)["alert"]["message"] == "Check the highlighted fields."
    assert 'name="then_status"' not in response.content.decode()  # no status select for this agent


def test_desk_refusing_the_reply_keeps_the_draft_and_asks_for_the_files_again(
    world, member, agent_user, monkeypatch
):
    from apps.desk.client import DeskClient

    def refuse(self, ticket_id, **kwargs):
        raise DeskValidationError("The mailbox is paused.", status=422)

    monkeypatch.setattr(DeskClient, "reply_send", refuse)
    ticket = open_ticket(world)
    data = reply_data(world, ticket, content="<p>Kept words</p>", bcc="boss@example.com")
    data["files"] = [SimpleUploadedFile("report.csv", b"a,b\n1,2\n")]
    response = member(agent_user).post(reverse("tickets:reply", args=[ticket.desk_id]), data, headers=HX)
    html = response.content.decode()
    assert toast_of(response)["alert"]["message"] == "Desk refused the change: The mailbox is paused."
    assert world.api_paths() == ["POST /uploads"]
    assert "Kept words" in html and 'value="boss@example.com"' in html
    assert "Choose report.csv again before sending" in html
    assert AuditEntry.objects.filter(action="ticket.reply", outcome="failure").exists()
