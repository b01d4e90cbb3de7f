"""The sandbox's webhook subscription operations over real HTTP (Webhook.json): statuses, edition limits as
LICENSE_ACCESS_LIMITED, and the seed's /events form (only with SANDBOX_REFERENCE_FORMS)."""
# ruff: noqa: F811 - pytest fixtures imported from api_fixtures are redefined as test arguments

import httpx
import pytest

from apps.sandbox import models as m
from tests.sandbox.api_fixtures import desk, receiver  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)


@pytest.fixture(autouse=True)
def _no_url_check(settings):
    """Desk checks a subscription URL on create; these tests name URLs nobody serves (the check has its own)."""
    settings.SANDBOX_WEBHOOK_URL_CHECK = False


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
    assert "secret" not in webhook  # deliveries are signed with the data center's key (X-ZDesk-JWT)
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


def test_a_secret_is_not_part_of_desks_webhook(desk):
    response = desk.client.post("/webhooks", json={**REAL_BODY, "secret": "a-secret-of-our-own-choosing"})
    assert response.status_code == 422
    assert [e["fieldName"] for e in response.json()["errors"]] == ["/secret"]


def test_url_is_at_most_100_characters(desk):
    response = desk.client.post("/webhooks", json={**REAL_BODY, "url": "https://deskadmin.test/" + "x" * 80})
    assert response.status_code == 422
    assert [e["fieldName"] for e in response.json()["errors"]] == ["/url"]


def test_create_checks_the_url_get_then_post(desk, receiver, settings):
    settings.SANDBOX_WEBHOOK_URL_CHECK = True
    created = desk.client.post("/webhooks", json={**REAL_BODY, "url": receiver.url})
    assert created.status_code == 200, created.text
    assert receiver.requests == []  # the GET answered 200: no POST needed
    refused = desk.client.post("/webhooks", json={**REAL_BODY, "url": "http://127.0.0.1:9/nobody"})
    assert refused.status_code == 422
    assert refused.json()["errorCode"] == "INVALID_DATA"
    assert [e["fieldName"] for e in refused.json()["errors"]] == ["/url"]
    # A URL change is checked again; the old URL stays when the new one does not answer.
    changed = desk.client.patch(f"/webhooks/{created.json()['id']}", json={"url": "http://127.0.0.1:9/gone"})
    assert changed.status_code == 422
    assert desk.client.get(f"/webhooks/{created.json()['id']}").json()["url"] == receiver.url


def test_url_check_falls_back_to_a_post(desk, receiver, settings):
    settings.SANDBOX_WEBHOOK_URL_CHECK = True
    from apps.sandbox import webhooks_out

    class GetRefused(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            return httpx.Response(405 if request.method == "GET" else 200)

    with httpx.Client(transport=GetRefused()) as client:
        assert webhooks_out.url_answers("https://deskadmin.test/hook", client=client)


def test_jwks_is_published_without_private_parts(desk):
    response = httpx.get(f"{desk.base_url}/sandbox/desk/.well-known/jwks.json")
    assert response.status_code == 200
    keys = response.json()["keys"]
    assert keys  # one, or more after a rotation (the previous ones stay published)
    for key in keys:
        assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["kid"]
        assert not {"d", "p", "q"} & set(key)


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
