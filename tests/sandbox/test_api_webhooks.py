"""The sandbox's webhook subscription operations over real HTTP (Webhook.json): statuses, edition limits as
LICENSE_ACCESS_LIMITED, and the seed's /events form (only with SANDBOX_REFERENCE_FORMS)."""
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
    response = desk.client.get("/webhooks")
    assert response.status_code == 204 and response.content == b""
    assert response.headers["X-Rate-Limit-Request-Weight-v3"] == "3"  # a list call


def test_webhook_list_takes_no_paging_parameters(desk):
    response = desk.client.get("/webhooks", params={"limit": "10"})
    assert response.status_code == 422
    assert response.json()["errorCode"] == "UNPROCESSABLE_ENTITY"
    assert "limit" in response.json()["message"]


def test_seed_events_form_is_not_found_without_reference_forms(desk):
    response = desk.client.get("/events")
    assert response.status_code == 404
    assert response.json()["errorCode"] == "URL_NOT_FOUND"


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
    assert updated["type"] == "CUSTOMER_WEBHOOK"
    deleted = desk.client.delete(f"/webhooks/{webhook['id']}")
    assert deleted.status_code == 200 and deleted.content == b""  # Webhook.json deleteWebhook: 200, no body
    assert desk.client.get(f"/webhooks/{webhook['id']}").status_code == 404


def test_name_is_optional_and_include_events_from_is_kept(desk):
    body = {
        "url": REAL_BODY["url"],
        "subscriptions": {"Ticket_Add": None},
        "includeEventsFrom": ["AUTOMATION"],
    }
    created = desk.client.post("/webhooks", json=body)
    assert created.status_code == 200, created.text
    assert created.json()["includeEventsFrom"] == ["AUTOMATION"]
    assert desk.client.get(f"/webhooks/{created.json()['id']}").json()["includeEventsFrom"] == ["AUTOMATION"]
    wrong = desk.client.post("/webhooks", json={**body, "includeEventsFrom": ["HUMANS"]})
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["fieldName"] == "/includeEventsFrom"


def test_unknown_body_field_is_invalid_data_of_type_invalid(desk):
    response = desk.client.post("/webhooks", json={**REAL_BODY, "colour": "blue"})
    assert response.status_code == 422
    body = response.json()
    assert body["errorCode"] == "INVALID_DATA"
    assert body["errors"] == [
        {"fieldName": "/colour", "errorType": "invalid", "errorMessage": "An extra field 'colour' is found."}
    ]
    assert set(body) == {"errorCode", "message", "errors"}


def test_bearer_token_reaches_webhooks(desk):
    client = desk.client_with(desk.token, org_id=str(desk.org.pk))
    client.headers["Authorization"] = f"Bearer {desk.token}"
    assert client.get("/webhooks").status_code == 204


def test_client_supplied_secret_is_kept_and_not_echoed(desk):
    body = {**REAL_BODY, "secret": "a-secret-of-our-own-choosing"}
    webhook = desk.client.post("/webhooks", json=body).json()
    assert "secret" not in webhook
    assert m.Webhook.objects.get(pk=int(webhook["id"])).secret == "a-secret-of-our-own-choosing"


def test_seed_events_form_create_list_delete(desk, settings):
    settings.SANDBOX_REFERENCE_FORMS = True
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
    assert fields == {"/url", "/subscriptions/Ticket_Explode", "/ignoreSourceId"}
    assert {e["errorType"] for e in response.json()["errors"]} <= {"invalid", "duplicate", "missing"}


@pytest.mark.parametrize("edition", ["free", "express", "standard"])
def test_editions_without_webhooks_answer_license_access_limited(desk, edition):
    m.Org.objects.filter(pk=desk.other_org.pk).update(edition=edition)
    client = desk.client_with(desk.token, org_id=str(desk.other_org.pk))
    response = client.post("/webhooks", json=REAL_BODY)
    assert response.status_code == 403
    body = response.json()
    assert body["errorCode"] == "LICENSE_ACCESS_LIMITED"
    assert (body["feature"], body["editionType"], body["isTrial"], body["maxAllowedEntity"]) == (
        "WEBHOOKS",
        edition.upper(),
        False,
        "0",
    )


def test_professional_edition_allows_five_enabled_webhooks(desk):
    desk.org.edition = m.Org.Edition.PROFESSIONAL
    desk.org.save()
    for index in range(5):
        assert desk.client.post("/webhooks", json={**REAL_BODY, "name": f"W{index}"}).status_code == 200
    sixth = desk.client.post("/webhooks", json={**REAL_BODY, "name": "W6"})
    assert sixth.status_code == 403
    assert sixth.json()["errorCode"] == "LICENSE_ACCESS_LIMITED"
    assert (sixth.json()["editionType"], sixth.json()["maxAllowedEntity"]) == ("PROFESSIONAL", "5")
    disabled = desk.client.post("/webhooks", json={**REAL_BODY, "name": "W6", "isEnabled": False})
    assert disabled.status_code == 200
    enable = desk.client.patch(f"/webhooks/{disabled.json()['id']}", json={"isEnabled": True})
    assert enable.status_code == 403
    assert enable.json()["errorCode"] == "LICENSE_ACCESS_LIMITED"


def test_enterprise_allows_ten_enabled_and_twenty_configured(desk):
    for index in range(10):
        assert desk.client.post("/webhooks", json={**REAL_BODY, "name": f"E{index}"}).status_code == 200
    assert desk.client.post("/webhooks", json={**REAL_BODY, "name": "E10"}).status_code == 403
    for index in range(10):
        body = {**REAL_BODY, "name": f"D{index}", "isEnabled": False}
        assert desk.client.post("/webhooks", json=body).status_code == 200
    too_many = desk.client.post("/webhooks", json={**REAL_BODY, "name": "D10", "isEnabled": False})
    assert too_many.status_code == 422
    assert too_many.json()["errorCode"] == "UNPROCESSABLE_ENTITY"
