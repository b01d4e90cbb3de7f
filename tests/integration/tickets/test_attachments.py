"""Attachments: upload (size-limited), list, download streamed with Content-Disposition: attachment, delete."""

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from apps.core.models import AuditEntry
from apps.tickets.models import Ticket, TicketAttachment

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)

XHR = {"X-Requested-With": "XMLHttpRequest"}


def a_ticket(world) -> Ticket:
    ticket = Ticket.objects.filter(connection=world.connection).order_by("desk_id").first()
    Ticket.objects.filter(pk=ticket.pk).update(
        conversation_synced_at=timezone.now() + timezone.timedelta(days=1)
    )
    ticket.refresh_from_db()
    return ticket


def test_upload_then_download_byte_for_byte(world, member, agent_user):
    ticket = a_ticket(world)
    client = member(agent_user)
    payload = os.urandom(1_300_000)
    upload = SimpleUploadedFile("report ü.bin", payload, content_type="application/octet-stream")
    response = client.post(
        reverse("tickets:attachment_upload", args=[ticket.desk_id]), {"file": upload}, headers=XHR
    )
    assert response.status_code == 200
    assert "report ü.bin" in response.content.decode()
    attachment = TicketAttachment.objects.get(ticket=ticket, name="report ü.bin")
    assert world.api_paths() == [f"POST /tickets/{ticket.desk_id}/attachments"]
    world.clear_log()

    download = client.get(reverse("tickets:attachment_download", args=[ticket.desk_id, attachment.desk_id]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''report%20%C3%BC.bin" in download["Content-Disposition"]
    assert download["Content-Type"] == "application/octet-stream"
    assert b"".join(download.streaming_content) == payload
    assert world.api_paths() == [f"GET /tickets/{ticket.desk_id}/attachments/{attachment.desk_id}/content"]


def test_several_files_in_one_upload(world, member, agent_user):
    ticket = a_ticket(world)
    files = [SimpleUploadedFile(f"f{i}.txt", b"x" * 10, content_type="text/plain") for i in range(3)]
    response = member(agent_user).post(
        reverse("tickets:attachment_upload", args=[ticket.desk_id]), {"file": files}, headers=XHR
    )
    assert response.status_code == 200
    assert (
        TicketAttachment.objects.filter(ticket=ticket, name__in=["f0.txt", "f1.txt", "f2.txt"]).count() == 3
    )


def test_too_large_file_gets_a_clear_error_and_no_call(world, member, agent_user, settings):
    settings.ATTACHMENT_MAX_BYTES = 1000
    ticket = a_ticket(world)
    upload = SimpleUploadedFile("big.bin", b"x" * 5000)
    response = member(agent_user).post(
        reverse("tickets:attachment_upload", args=[ticket.desk_id]), {"file": upload}, headers=XHR
    )
    assert response.status_code == 400
    assert "the limit is" in response.content.decode()
    assert world.api_calls() == 0


def test_delete_attachment(world, member, agent_user):
    ticket = a_ticket(world)
    client = member(agent_user)
    client.post(
        reverse("tickets:attachment_upload", args=[ticket.desk_id]),
        {"file": SimpleUploadedFile("gone.txt", b"bye")},
        headers=XHR,
    )
    attachment = TicketAttachment.objects.get(ticket=ticket, name="gone.txt")
    response = client.post(
        reverse("tickets:attachment_delete", args=[ticket.desk_id, attachment.desk_id]),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    attachment.refresh_from_db()
    assert attachment.is_deleted
    assert "gone.txt" not in response.content.decode()
    assert AuditEntry.objects.filter(action="ticket.attachment.delete", outcome="success").exists()


def test_attachment_of_another_ticket_is_not_found(world, member, agent_user):
    first, second = Ticket.objects.filter(connection=world.connection).order_by("desk_id")[:2]
    client = member(agent_user)
    client.post(
        reverse("tickets:attachment_upload", args=[first.desk_id]),
        {"file": SimpleUploadedFile("a.txt", b"a")},
        headers=XHR,
    )
    attachment = TicketAttachment.objects.get(ticket=first, name="a.txt")
    response = client.get(reverse("tickets:attachment_download", args=[second.desk_id, attachment.desk_id]))
    assert response.status_code == 404
