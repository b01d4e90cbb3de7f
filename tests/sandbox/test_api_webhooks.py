"""The sandbox's webhook subscription operations over real HTTP: real /webhooks and seed /events forms, limits."""
# ruff: noqa: F811 - pytest fixtures imported from api_fixtures are redefined as test arguments

import pytest

from apps.sandbox import models as m
from tests.sandbox.api_fixtures import desk  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)

REAL_BODY = {
    "name": "DeskAdmin",
    "url": "https://deskadmin.test/webhooks/desk",
    "subscriptions": {"Ticket_Add": None, "Ticket_Update": {"departmentIds": []}},
    "ignoreSourceId": "6f1c2a4e-0d4b-4b8e-9c7a-2f3b8f1d9e10",
    "isEnabled": True,
}


def test_empty_webhook_list_is_204(desk):
    assert desk.client.get("/webhooks").status_code == 204
    assert desk.client.get("/events").status_code == 204


def test_real_form_create_list_get_update_delete(desk):
    created = desk.client.post("/webhooks", json=REAL_BODY)
    assert created.status_code == 200, created.text
    webhook = created.json()
    assert webhook["subscriptions"] == REAL_BODY["subscriptions"]
    assert webhook["ignoreSourceId"] == REAL_BODY["ignoreSourceId"]
    assert len(webhook["secret"]) == 64  # shown once, on create
    assert [w["id"] for w in desk.client.get("/webhooks").json()["data"]] == [webhook["id"]]
    fetched = desk.client.get(f"/webhooks/{webhook['id']}").json()
    assert "secret" not in fetched
    updated = desk.client.patch(
        f"/webhooks/{webhook['id']}", json={"isEnabled": False, "name": "Renamed"}
    ).json()
    assert updated["isEnabled"] is False and updated["name"] == "Renamed"
    assert desk.client.delete(f"/webhooks/{webhook['id']}").status_code == 204
    assert desk.client.get(f"/webhooks/{webhook['id']}").status_code == 404


def test_client_supplied_secret_is_kept_and_not_echoed(desk):
    body = {**REAL_BODY, "secret": "a-secret-of-our-own-choosing"}
    webhook = desk.client.post("/webhooks", json=body).json()
    assert "secret" not in webhook
    assert m.Webhook.objects.get(pk=int(webhook["id"])).secret == "a-secret-of-our-own-choosing"


def test_seed_events_form_create_list_delete(desk):
    created = desk.client.post(
        "/events",
        json={
            "url": "https://deskadmin.test/hook",
            "eventType": "Ticket.Add",
            "actions": ["add"],
            "isActive": True,
        },
    )
    assert created.status_code == 200, created.text
    event = created.json()
    assert event["eventType"] == "Ticket.Add" and event["isActive"] is True
    # The same subscription, seen in the real form, listens to the real event name.
    real = desk.client.get(f"/webhooks/{event['id']}").json()
    assert real["subscriptions"] == {"Ticket_Add": None}
    assert [e["id"] for e in desk.client.get("/events").json()["data"]] == [event["id"]]
    assert desk.client.delete(f"/events/{event['id']}").status_code == 204


def test_webhook_validation_names_the_fields(desk):
    response = desk.client.post(
        "/webhooks",
        json={"url": "ftp://nope", "subscriptions": {"Ticket_Explode": None}, "ignoreSourceId": "not-a-uuid"},
    )
    assert response.status_code == 422
    fields = {e["fieldName"] for e in response.json()["errors"]}
    assert fields == {"/name", "/url", "/subscriptions/Ticket_Explode", "/ignoreSourceId"}


def test_free_edition_gets_no_webhooks(desk):
    client = desk.client_with(desk.token, org_id=str(desk.other_org.pk))
    response = client.post("/webhooks", json=REAL_BODY)
    assert response.status_code == 403
    assert response.json()["errorCode"] == "FEATURE_NOT_AVAILABLE"


def test_professional_edition_allows_five_enabled_webhooks(desk):
    desk.org.edition = m.Org.Edition.PROFESSIONAL
    desk.org.save()
    for index in range(5):
        assert desk.client.post("/webhooks", json={**REAL_BODY, "name": f"W{index}"}).status_code == 200
    sixth = desk.client.post("/webhooks", json={**REAL_BODY, "name": "W6"})
    assert sixth.status_code == 422
    assert sixth.json()["errorCode"] == "LIMIT_EXCEEDED"
    disabled = desk.client.post("/webhooks", json={**REAL_BODY, "name": "W6", "isEnabled": False})
    assert disabled.status_code == 200
    enable = desk.client.patch(f"/webhooks/{disabled.json()['id']}", json={"isEnabled": True})
    assert enable.status_code == 422
