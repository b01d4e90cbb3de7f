"""A reply's file upload whose answer is lost stops the reply, and its audit entry is settled at once: the
reply was not sent, so the file is on no ticket ("unknown → not saved"); nothing else is sent."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.integration.tickets.test_reply_workspace import reply_data
from tests.reliability.test_unknown_outcomes import (
    HX,
    fast,
    faults,
    member,
    open_ticket,
    outcomes,
    posts,
    world,
)

__all__ = ["fast", "member", "world"]  # fixtures

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)


def test_a_reply_whose_upload_answer_is_lost_is_stopped_and_the_upload_settled(
    world, member, agent_user, fast
):
    ticket = open_ticket(world)
    faults(world, dropped_answer_rate=1.0)  # Desk keeps the upload; its answer is cut off
    data = reply_data(world, ticket, files=[SimpleUploadedFile("invoice.pdf", b"%PDF-1.4 fake")])
    response = member(agent_user).post(reverse("tickets:reply", args=[ticket.desk_id]), data, headers=HX)
    assert response.status_code < 500
    assert posts(world) == ["POST /uploads"]  # the reply itself was never sent
    assert outcomes("ticket.reply.upload") == [
        ("unknown", "Desk's answer was lost; it may have saved this. Checking."),
        ("failure", "unknown → not saved (the reply was not sent, so the file is on no ticket)"),
    ]
    assert outcomes("ticket.reply") == []
