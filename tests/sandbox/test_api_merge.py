"""mergeTicket over real HTTP (Ticket.json): POST /tickets/{ticketId}/merge {"ids", "source"} answers the
merged ticket; the others' conversation, tags and followers move to it and they leave the org."""
# ruff: noqa: F811 - pytest fixtures imported from api_fixtures are redefined as test arguments

import pytest

from apps.sandbox import models as m
from tests.sandbox.api_fixtures import desk  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)


def test_merge_moves_the_conversation_and_removes_the_merged_tickets(desk):
    target = desk.new_ticket(subject="Printer jammed", priority="Medium")
    other = desk.new_ticket(subject="Printer still jammed", priority="High")
    desk.client.post(f"/tickets/{other['id']}/comments", json={"content": "Called them", "isPublic": False})
    desk.client.post(f"/tickets/{other['id']}/associateTag", json={"tags": ["hardware"]})
    desk.client.post(f"/tickets/{other['id']}/addFollowers", json={"followerIds": [str(desk.other_agent.pk)]})

    response = desk.client.post(
        f"/tickets/{target['id']}/merge", json={"ids": [other["id"]], "source": {"priority": other["id"]}}
    )

    assert response.status_code == 200, response.text
    merged = response.json()
    assert merged["id"] == target["id"]
    assert merged["subject"] == "Printer jammed"  # not named in source: the target's own value
    assert merged["priority"] == "High"
    assert merged["commentCount"] == "1"
    assert desk.client.get(f"/tickets/{other['id']}").status_code == 404
    assert not m.Ticket.objects.filter(pk=int(other["id"])).exists()  # deleted, not in the Recycle Bin
    comments = desk.client.get(f"/tickets/{target['id']}/comments").json()["data"]
    assert [c["content"] for c in comments] == ["Called them"]
    assert [t["name"] for t in desk.client.get(f"/tickets/{target['id']}/tags").json()["tags"]] == [
        "hardware"
    ]
    followers = desk.client.get(f"/tickets/{target['id']}/followers").json()["data"]
    assert [f["id"] for f in followers] == [str(desk.other_agent.pk)]


def test_merge_keeps_the_subject_and_contact_of_the_ticket_named_in_source(desk):
    other_contact = m.Contact.objects.create(
        id=m.next_id(desk.org), org=desk.org, last_name="Bolton", email="michael@initech.test"
    )
    target = desk.new_ticket(subject="First")
    second = desk.new_ticket(subject="Second", contactId=str(other_contact.pk))
    third = desk.new_ticket(subject="Third")

    response = desk.client.post(
        f"/tickets/{target['id']}/merge",
        json={
            "ids": [second["id"], third["id"]],
            "source": {"subject": second["id"], "contactId": second["id"]},
        },
    )

    assert response.status_code == 200, response.text
    assert response.json()["subject"] == "Second"
    assert response.json()["contactId"] == str(other_contact.pk)
    assert desk.client.get(f"/tickets/{third['id']}").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "/ids"),
        ({"ids": []}, "/ids"),
        ({"ids": "5"}, "/ids"),
        ({"ids": ["abc"]}, "/ids"),
        ({"ids": ["OTHER"], "extra": 1}, "/extra"),
        ({"ids": ["OTHER"], "source": {"subject": "999"}}, "/source/subject"),
        ({"ids": ["OTHER"], "source": {"color": "OTHER"}}, "/source/color"),
        ({"ids": ["OTHER"], "source": "OTHER"}, "/source"),
        ({"ids": ["TARGET"]}, "/ids"),
        ({"ids": ["OTHER", "OTHER"]}, "/ids"),
        ({"ids": ["999"]}, "/ids"),
    ],
)
def test_merge_bodies_are_validated(desk, body, field):
    target, other = desk.new_ticket(), desk.new_ticket()
    swap = {"TARGET": target["id"], "OTHER": other["id"]}

    def fill(value):
        if isinstance(value, list):
            return [fill(v) for v in value]
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        return swap.get(value, value)

    response = desk.client.post(f"/tickets/{target['id']}/merge", json=fill(body))

    assert response.status_code == 422, response.text
    assert response.json()["errorCode"] == "INVALID_DATA"
    assert field in [e["fieldName"] for e in response.json()["errors"]]
    assert desk.client.get(f"/tickets/{other['id']}").status_code == 200  # nothing merged


def test_at_most_five_tickets_are_merged_at_a_time(desk):
    target = desk.new_ticket()
    others = [desk.new_ticket()["id"] for _ in range(5)]

    refused = desk.client.post(f"/tickets/{target['id']}/merge", json={"ids": others})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["fieldName"] == "/ids"

    accepted = desk.client.post(f"/tickets/{target['id']}/merge", json={"ids": others[:4]})
    assert accepted.status_code == 200, accepted.text


def test_merge_into_a_missing_ticket_is_404_and_costs_one_credit(desk):
    other = desk.new_ticket()
    assert desk.client.post("/tickets/999/merge", json={"ids": [other["id"]]}).status_code == 404
    target = desk.new_ticket()
    response = desk.client.post(f"/tickets/{target['id']}/merge", json={"ids": [other["id"]]})
    assert response.headers["X-Rate-Limit-Request-Weight-v3"] == "1"


def test_merge_needs_the_update_scope(desk):
    target, other = desk.new_ticket(), desk.new_ticket()
    reader = desk.client_with(desk.token_for(["Desk.tickets.READ"]), org_id=str(desk.org.pk))
    response = reader.post(f"/tickets/{target['id']}/merge", json={"ids": [other["id"]]})
    assert response.status_code == 403
    assert response.json()["errorCode"] == "SCOPE_MISMATCH"
