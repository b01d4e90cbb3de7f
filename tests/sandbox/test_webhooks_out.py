"""Outbound webhooks: JSON-array deliveries signed as Desk signs them (X-ZDesk-JWT, RS256, the data center's
JWKS), retries, 410 unsubscribe, source-id echo."""
# ruff: noqa: F811 - pytest fixtures imported from api_fixtures are redefined as test arguments

import datetime as dt
import json

import httpx
import jwt
import pytest
from django.utils import timezone

from apps.sandbox import models as m
from apps.sandbox import webhooks_out
from tests.sandbox.api_fixtures import desk, receiver  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)


def _subscribe(desk, url, events=("Ticket_Add", "Ticket_Update"), **extra):
    body = {"name": "test", "url": url, "subscriptions": dict.fromkeys(events), **extra}
    response = desk.client.post("/webhooks", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def _claims(request, desk, webhook_id):
    """Verify a delivery's X-ZDesk-JWT as a receiver does: the sandbox's published JWKS, by kid."""
    token = request["headers"].get("X-ZDesk-JWT") or request["headers"].get("x-zdesk-jwt")
    kid = jwt.get_unverified_header(token)["kid"]
    jwks = httpx.get(f"{desk.base_url}/sandbox/desk/.well-known/jwks.json").json()
    published = {key["kid"]: key for key in jwks["keys"]}
    key = jwt.PyJWK(published[kid], algorithm="RS256").key
    return jwt.decode(
        token, key, algorithms=["RS256"], audience=f"webhookId:{webhook_id}", issuer=f"orgId:{desk.org.pk}"
    )


def test_token_is_rs256_with_desks_claims_and_a_published_kid(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    now = timezone.now()
    token = webhooks_out.delivery_token(org_id="55", webhook_id="77", now=now)
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256"
    [published] = webhooks_out.jwks()["keys"]
    assert published["kid"] == header["kid"] and "d" not in published  # public part only
    claims = jwt.decode(
        token,
        jwt.PyJWK(published, algorithm="RS256").key,
        algorithms=["RS256"],
        audience="webhookId:77",
        issuer="orgId:55",
    )
    assert claims["exp"] - claims["iat"] == int(webhooks_out.TOKEN_LIFETIME.total_seconds())
    assert (tmp_path / webhooks_out.KEY_FILE_NAME).stat().st_mode & 0o077 == 0  # the private key: owner only


def test_rotation_signs_with_a_new_key_and_keeps_the_old_one_published(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    first = webhooks_out.signing_keys()[-1].kid
    second = webhooks_out.rotate_signing_key().kid
    assert second != first
    assert [k["kid"] for k in webhooks_out.jwks()["keys"]] == [first, second]
    assert jwt.get_unverified_header(webhooks_out.delivery_token(org_id=1, webhook_id=2))["kid"] == second


def test_seed_event_names_map_to_real_ones():
    assert webhooks_out.normalise_event_name("Ticket.Add") == "Ticket_Add"
    assert webhooks_out.normalise_event_name("Ticket.StatusChange") == "Ticket_Update"
    assert webhooks_out.normalise_event_name("Ticket_Thread_Add") == "Ticket_Thread_Add"
    assert webhooks_out.normalise_event_name("Nope") is None


def test_backoff_grows_and_is_capped():
    assert webhooks_out.backoff(1) < webhooks_out.backoff(2) < webhooks_out.backoff(3)
    assert webhooks_out.backoff(50) == dt.timedelta(hours=1)


def test_ticket_add_is_delivered_signed_as_a_json_array(desk, receiver):
    webhook = _subscribe(desk, receiver.url)
    ticket = desk.new_ticket()
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert _claims(request, desk, webhook["id"])["aud"] == f"webhookId:{webhook['id']}"
    assert "x-zoho-signature" not in {name.lower() for name in request["headers"]}  # no HMAC: Desk has none
    events = json.loads(request["body"])
    assert isinstance(events, list) and len(events) == 1
    event = events[0]
    assert event["eventType"] == "Ticket_Add"
    assert event["orgId"] == str(desk.org.pk)
    assert event["eventTime"].isdigit()
    assert event["payload"]["id"] == ticket["id"]
    delivery = m.WebhookDelivery.objects.get()
    assert delivery.status == m.WebhookDelivery.Status.DELIVERED


def test_update_carries_the_previous_state(desk, receiver):
    ticket = desk.new_ticket(priority="Low")
    _subscribe(desk, receiver.url, events=("Ticket_Update",))
    desk.client.patch(f"/tickets/{ticket['id']}", json={"priority": "High"})
    [event] = receiver.events()
    assert event["eventType"] == "Ticket_Update"
    assert event["payload"]["priority"] == "High"
    assert event["prevState"]["priority"] == "Low"


def test_events_not_subscribed_to_are_not_sent(desk, receiver):
    _subscribe(desk, receiver.url, events=("Contact_Add",))
    desk.new_ticket()
    assert receiver.requests == []
    desk.client.post("/contacts", json={"lastName": "Waddams"})
    assert [e["eventType"] for e in receiver.events()] == ["Contact_Add"]


def test_thread_comment_and_agent_events_flow(desk, receiver):
    ticket = desk.new_ticket()
    _subscribe(desk, receiver.url, events=("Ticket_Thread_Add", "Ticket_Comment_Add", "Agent_Update"))
    desk.client.post(
        f"/tickets/{ticket['id']}/sendReply",
        json={"channel": "EMAIL", "fromEmailAddress": "support@acme.test", "to": "a@b.test", "content": "Hi"},
    )
    desk.client.post(f"/tickets/{ticket['id']}/comments", json={"content": "note"})
    desk.client.post(f"/agents/{desk.other_agent.pk}/deactivate")
    assert [e["eventType"] for e in receiver.events()] == [
        "Ticket_Thread_Add",
        "Ticket_Comment_Add",
        "Agent_Update",
    ]


def test_own_writes_are_not_echoed_when_ignore_source_id_matches(desk, receiver):
    source = "6f1c2a4e-0d4b-4b8e-9c7a-2f3b8f1d9e10"
    _subscribe(desk, receiver.url, ignoreSourceId=source)
    desk.client.post(
        "/tickets",
        json={"subject": "mine", "departmentId": str(desk.department.pk), "contactId": str(desk.contact.pk)},
        headers={"sourceId": source},
    )
    assert receiver.requests == []
    desk.new_ticket(subject="someone else's")
    assert [e["payload"]["subject"] for e in receiver.events()] == ["someone else's"]


def test_non_200_is_retried_later_with_backoff(desk, receiver):
    receiver.statuses = [500]
    _subscribe(desk, receiver.url)
    desk.new_ticket()
    delivery = m.WebhookDelivery.objects.get()
    assert delivery.status == m.WebhookDelivery.Status.PENDING
    assert delivery.attempts == 1 and delivery.last_status_code == 500
    assert delivery.next_attempt_at > timezone.now()
    # Not due yet: nothing is sent.
    assert webhooks_out.deliver_pending() == 0
    assert webhooks_out.deliver_pending(now=timezone.now() + dt.timedelta(minutes=5)) == 1
    assert len(receiver.requests) == 2
    assert receiver.requests[0]["body"] == receiver.requests[1]["body"]
    delivery.refresh_from_db()
    assert delivery.status == m.WebhookDelivery.Status.DELIVERED


def test_gives_up_after_the_last_attempt(desk, receiver):
    receiver.statuses = [503] * webhooks_out.MAX_ATTEMPTS
    _subscribe(desk, receiver.url)
    desk.new_ticket()
    later = timezone.now()
    for _ in range(webhooks_out.MAX_ATTEMPTS):
        later += dt.timedelta(hours=2)
        webhooks_out.deliver_pending(now=later)
    delivery = m.WebhookDelivery.objects.get()
    assert delivery.status == m.WebhookDelivery.Status.FAILED
    assert delivery.attempts == webhooks_out.MAX_ATTEMPTS


def test_410_gone_removes_the_subscription(desk, receiver):
    receiver.statuses = [410]
    webhook = _subscribe(desk, receiver.url)
    desk.new_ticket()
    assert desk.client.get(f"/webhooks/{webhook['id']}").status_code == 404
    assert m.WebhookDelivery.objects.get().status == m.WebhookDelivery.Status.GONE
    desk.new_ticket()
    assert len(receiver.requests) == 1


def test_unreachable_receiver_is_retried(desk, settings):
    settings.SANDBOX_WEBHOOK_URL_CHECK = False  # Desk would refuse to create it; here it went away later
    _subscribe(desk, "http://127.0.0.1:9/unreachable")
    desk.new_ticket()
    delivery = m.WebhookDelivery.objects.get()
    assert delivery.status == m.WebhookDelivery.Status.PENDING
    assert delivery.last_error


def test_disabled_subscription_gets_nothing(desk, receiver):
    _subscribe(desk, receiver.url, isEnabled=False)
    desk.new_ticket()
    assert receiver.requests == []
    assert not m.WebhookDelivery.objects.exists()


def test_department_filter_limits_ticket_events(desk, receiver):
    _subscribe(desk, receiver.url, events=("Ticket_Add",))
    m.Webhook.objects.update(
        subscriptions={"Ticket_Add": {"departmentIds": [str(desk.second_department.pk)]}}
    )
    desk.new_ticket()
    assert receiver.requests == []
    desk.new_ticket(departmentId=str(desk.second_department.pk))
    assert len(receiver.requests) == 1


def test_simulated_activity_creates_tickets_and_replies_and_their_events_flow(desk, receiver):
    from apps.sandbox.activity import run_activity

    desk.new_ticket(description="first")
    webhook = _subscribe(
        desk, receiver.url, events=("Ticket_Add", "Ticket_Thread_Add", "Ticket_Update", "Contact_Add")
    )
    before = m.Ticket.objects.filter(org=desk.org).count()
    total = run_activity(org=str(desk.org.pk), interval=0, iterations=12, seed=3, sleep=lambda _: None)
    assert total.tickets + total.replies == 12
    assert m.Ticket.objects.filter(org=desk.org).count() == before + total.tickets
    kinds = {event["eventType"] for event in receiver.events()}
    assert "Ticket_Add" in kinds and "Ticket_Thread_Add" in kinds
    for request in receiver.requests:
        assert _claims(request, desk, webhook["id"])["iss"] == f"orgId:{desk.org.pk}"


def test_activity_command_runs_a_fixed_number_of_steps(desk):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command(
        "sandbox_activity",
        "--org",
        "Acme Test",
        "--iterations",
        "2",
        "--interval",
        "0",
        "--seed",
        "1",
        stdout=out,
    )
    assert "done:" in out.getvalue()
    assert m.Ticket.objects.filter(org=desk.org).exists()


def test_deliver_command_sends_due_events(desk, receiver):
    from io import StringIO

    from django.core.management import call_command

    receiver.statuses = [500]
    _subscribe(desk, receiver.url)
    desk.new_ticket()
    m.WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    out = StringIO()
    call_command("sandbox_deliver_webhooks", stdout=out)
    assert "delivered 1 events" in out.getvalue()


def test_trash_and_contact_updates_send_their_events(desk, receiver):
    ticket = desk.new_ticket()
    _subscribe(desk, receiver.url, events=("Ticket_Delete", "Contact_Update"))
    desk.client.post("/tickets/moveToTrash", json={"ticketIds": [ticket["id"]]})
    desk.client.patch(f"/contacts/{desk.contact.pk}", json={"title": "Engineer"})
    delete, update = receiver.events()
    assert delete["eventType"] == "Ticket_Delete" and delete["payload"]["id"] == ticket["id"]
    assert update["eventType"] == "Contact_Update"
    assert update["payload"]["title"] == "Engineer" and update["prevState"]["title"] == ""


def test_include_prev_state_false_leaves_it_out(desk, receiver):
    ticket = desk.new_ticket()
    _subscribe(desk, receiver.url, events=("Ticket_Update",))
    m.Webhook.objects.update(subscriptions={"Ticket_Update": {"includePrevState": False}})
    desk.client.patch(f"/tickets/{ticket['id']}", json={"priority": "High"})
    [event] = receiver.events()
    assert "prevState" not in event
