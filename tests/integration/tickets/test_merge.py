"""Merge tickets: the page searches the mirror (0 calls), the merge is one Desk call (mergeTicket), the mirror
follows Desk's answer and the audit log records it; another org's tickets are not found; errors are clear."""

import re

import pytest
from django.urls import reverse

from apps.core.models import AuditEntry
from apps.tickets.models import Ticket

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)


def three_tickets(world) -> list[Ticket]:
    return list(Ticket.objects.filter(connection=world.connection, is_deleted=False).order_by("desk_id")[:3])


def test_merge_is_one_desk_call_and_the_mirror_and_audit_follow(world, member, agent_user):
    target, second, third = three_tickets(world)
    client = member(agent_user)
    world.clear_log()

    response = client.post(
        reverse("tickets:merge", args=[target.desk_id]),
        {
            "ids": [second.desk_id, third.desk_id],
            "subject_from": second.desk_id,
            "contact_from": target.desk_id,
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("tickets:detail", args=[target.desk_id])
    assert world.api_paths() == [f"POST /tickets/{target.desk_id}/merge"]
    target.refresh_from_db()
    assert target.subject == second.subject  # the subject kept is the one chosen
    assert target.conversation_synced_at is None  # the next open fetches the moved conversation
    assert set(
        Ticket.objects.filter(desk_id__in=[second.desk_id, third.desk_id]).values_list(
            "is_deleted", flat=True
        )
    ) == {True}
    from apps.sandbox import models as sm

    assert not sm.Ticket.objects.filter(pk__in=[int(second.desk_id), int(third.desk_id)]).exists()
    entry = AuditEntry.objects.get(action="ticket.merge")
    assert entry.outcome == "success" and entry.target_id == target.desk_id
    assert [m["id"] for m in entry.detail["merged"]] == [second.desk_id, third.desk_id]
    assert entry.detail["source"] == {"subject": second.desk_id}
    page = client.get(response["Location"]).content.decode()
    assert f"Merged #{second.ticket_number}, #{third.ticket_number} into #{target.ticket_number}." in page


def test_search_by_number_and_review_show_every_subject_without_desk_calls(world, member, agent_user):
    target, second, _third = three_tickets(world)
    client = member(agent_user)
    world.clear_log()
    url = reverse("tickets:merge", args=[target.desk_id])

    found = client.get(url, {"q": f"#{second.ticket_number}"}).content.decode()
    assert f'value="{second.desk_id}"' in found
    assert f'value="{target.desk_id}"' not in found  # not itself
    assert found.count('name="ids"') == 1  # "#123" is that ticket number only
    word = second.subject.split()[0]
    assert f'value="{second.desk_id}"' in client.get(url, {"q": word}).content.decode()

    review = client.get(url, {"ids": [second.desk_id], "step": "review"}).content.decode()
    assert "data-merge-confirm" in review
    assert second.subject in review and target.subject in review
    assert world.api_calls() == 0


def test_validation_messages_and_desk_refusal_keep_the_choices(world, member, agent_user):
    target, second, third = three_tickets(world)
    client = member(agent_user)
    url = reverse("tickets:merge", args=[target.desk_id])
    world.clear_log()

    nothing = client.get(url, {"step": "review"}).content.decode()
    assert "Pick at least one ticket" in nothing
    five = [t.desk_id for t in Ticket.objects.filter(connection=world.connection).exclude(pk=target.pk)[:5]]
    too_many = client.get(url, {"ids": five, "step": "review"}).content.decode()
    assert "Pick at most 4 tickets" in too_many
    assert world.api_calls() == 0

    # Deleted in Desk meanwhile: Desk answers 422, the page says so and keeps what was chosen.
    from apps.sandbox import models as sm

    sm.Ticket.objects.filter(pk=int(third.desk_id)).update(is_trashed=True)
    refused = client.post(
        url,
        {
            "ids": [second.desk_id, third.desk_id],
            "subject_from": third.desk_id,
            "contact_from": target.desk_id,
        },
    )
    body = refused.content.decode()
    assert refused.status_code == 200
    assert "Desk refused the merge" in body and f"No ticket with id {third.desk_id}" in body
    # The choices made are kept: the subject of the third ticket is still the one picked.
    assert re.search(rf'name="subject_from" value="{third.desk_id}"[^>]*checked', body)
    assert AuditEntry.objects.get(action="ticket.merge").outcome == "failure"
    assert not Ticket.objects.get(pk=second.pk).is_deleted


def test_another_orgs_ticket_is_not_found(world, member, agent_user, make_user):
    from apps.connections.models import DeskConnection

    target, _second, _third = three_tickets(world)
    other = DeskConnection.objects.create(
        org_id="99999",
        org_name="Other",
        data_center="us",
        accounts_url="https://accounts.zoho.com",
        api_domain="http://127.0.0.1:9",
        client_id="x",
    )
    theirs = Ticket.objects.create(connection=other, desk_id="424242", ticket_number="7", subject="Elsewhere")
    client = member(agent_user)
    world.clear_log()

    assert client.get(reverse("tickets:merge", args=[theirs.desk_id])).status_code == 404
    response = client.post(
        reverse("tickets:merge", args=[target.desk_id]),
        {"ids": [theirs.desk_id], "subject_from": target.desk_id, "contact_from": target.desk_id},
    )
    assert response.status_code == 404
    found = client.get(reverse("tickets:merge", args=[target.desk_id]), {"q": "Elsewhere"}).content.decode()
    assert 'value="424242"' not in found and "data-merge-empty" in found
    assert world.api_calls() == 0 and not AuditEntry.objects.filter(action="ticket.merge").exists()
