"""The receiver: Desk's URL check, the X-ZDesk-JWT check (signature, iss, aud, exp, kid with one JWKS refetch),
deliveries stored then applied through the mirror's apply functions (duplicates once, older never over newer,
deletes, a fill-in call when a payload lacks fields), Desk's own deliveries end to end, and a 5,000-event burst."""

from __future__ import annotations

import datetime as dt
import json

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client
from django.utils import timezone

from apps.connections.services import desk_client_for
from apps.mirror import freshness
from apps.tickets.models import Ticket
from apps.webhooks import processing, verify
from apps.webhooks.models import Delivery
from tests.integration.webhooks.conftest import ticket_event

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)


def _ticket(world) -> Ticket:
    return Ticket.objects.filter(connection=world.connection).order_by("desk_id").first()


def _payload(ticket: Ticket, *, subject: str, modified: dt.datetime) -> dict:
    return {**ticket.raw, "subject": subject, "modifiedTime": modified.strftime("%Y-%m-%dT%H:%M:%S.000Z")}


def test_url_check_answers_200_and_an_unknown_receiver_is_404(world):
    client = Client()
    assert client.get(world.receiver_path).status_code == 200
    assert client.post(world.receiver_path, data=b"", content_type="application/json").status_code == 200
    assert client.get("/webhooks/in/not-a-token/").status_code == 404
    assert world.deliveries() == []
    world.connection.status = "disconnected"
    world.connection.save(update_fields=["status"])
    # A disconnected org takes nothing in (and never gets a 410, which would make Desk delete the webhook).
    assert client.get(world.receiver_path).status_code == 404


def test_subscription_names_the_mirror_events_and_ignores_our_own_source(world):
    from apps.desk.jwks import source_id_for
    from apps.sandbox.models import Webhook

    webhook = Webhook.objects.get(pk=int(world.webhook_id))
    assert set(webhook.subscriptions) == set(processing.MIRROR_EVENTS)
    assert webhook.ignore_source_id == source_id_for(world.connection.org_id)
    assert webhook.url.endswith(world.receiver_path) and len(webhook.url) <= 100


def test_a_change_on_desk_reaches_the_mirror_through_a_signed_delivery(world):
    ticket = _ticket(world)
    before = freshness.version(world.connection.pk)
    with world.sandbox_client() as desk:
        assert desk.patch(f"/tickets/{ticket.desk_id}", json={"subject": "Pushed by Desk"}).status_code == 200
    ticket.refresh_from_db()
    assert ticket.subject == "Pushed by Desk"
    [delivery] = world.deliveries()
    assert delivery.signature == "valid" and delivery.status == "done" and delivery.applied == 1
    assert delivery.event_types == "Ticket_Update" and delivery.webhook_desk_id == world.webhook_id
    assert freshness.version(world.connection.pk) != before  # open pages see it


def test_the_consoles_own_writes_are_not_echoed(world):
    ticket = _ticket(world)
    with desk_client_for(world.connection) as client:
        client.ticket_update(ticket.desk_id, priority="High")
    assert world.deliveries() == []


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"aud": "webhookId:123"}, "wrong_aud"),
        ({"iss": "orgId:42"}, "wrong_iss"),
        ({"exp": 1_600_000_000, "iat": 1_599_999_000}, "expired"),
    ],
)
def test_wrong_audience_issuer_or_expiry_is_401_and_nothing_applied(world, claims, reason):
    ticket = _ticket(world)
    event = ticket_event(_payload(ticket, subject="forged", modified=timezone.now()))
    assert world.post([event], token=world.token(**claims)).status_code == 401
    ticket.refresh_from_db()
    assert ticket.subject != "forged"
    [delivery] = world.deliveries()
    assert delivery.status == "rejected" and delivery.signature == reason and delivery.body == ""


def test_bad_signature_and_missing_token_are_401(world):
    ticket = _ticket(world)
    event = ticket_event(_payload(ticket, subject="forged", modified=timezone.now()))
    from apps.sandbox import webhooks_out

    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    kid = webhooks_out.signing_keys()[-1].kid
    now = int(timezone.now().timestamp())
    claims = {
        "iss": f"orgId:{world.org.pk}",
        "aud": f"webhookId:{world.webhook_id}",
        "iat": now,
        "exp": now + 60,
    }
    forged = jwt.encode(claims, stranger, algorithm="RS256", headers={"kid": kid})
    assert world.post([event], token=forged).status_code == 401
    assert world.post([event], token="").status_code == 401
    assert [d.signature for d in world.deliveries()] == ["invalid", "missing"]
    ticket.refresh_from_db()
    assert ticket.subject != "forged"


def test_unknown_kid_refetches_the_jwks_once(world, monkeypatch):
    from apps.sandbox import webhooks_out

    fetches = []
    real_fetch = verify.jwks_fetch
    monkeypatch.setattr(verify, "jwks_fetch", lambda domain: fetches.append(domain) or real_fetch(domain))
    ticket = _ticket(world)
    event = ticket_event(_payload(ticket, subject="after rotation", modified=timezone.now()))
    assert world.post([event]).status_code == 200  # the cached keys (fetched at subscribe time... or now)
    fetches.clear()
    webhooks_out.rotate_signing_key()
    assert world.post([event]).status_code == 200  # a new kid: one refetch finds it
    assert len(fetches) == 1
    for _ in range(2):  # a kid nobody publishes: one refetch, then none for a while
        assert world.post([event], token=world.token(kid="no-such-key")).status_code == 401
    assert len(fetches) == 2
    assert world.deliveries()[-1].signature == "unknown_kid"


def test_duplicated_and_replayed_deliveries_apply_once(world):
    ticket = _ticket(world)
    event = ticket_event(_payload(ticket, subject="once", modified=timezone.now()))
    token = world.token()
    for _ in range(2):  # Desk retrying, or someone replaying a captured request within its lifetime
        assert world.post([event], token=token).status_code == 200
    first, second = world.deliveries()
    assert (first.status, first.applied) == ("done", 1)
    assert (second.status, second.applied) == ("duplicate", 0)
    ticket.refresh_from_db()
    assert ticket.subject == "once"


def test_an_older_update_never_overwrites_a_newer_one(world):
    ticket = _ticket(world)
    now = timezone.now() + dt.timedelta(minutes=1)
    newer = ticket_event(_payload(ticket, subject="newer", modified=now))
    older = ticket_event(_payload(ticket, subject="older", modified=now - dt.timedelta(seconds=30)))
    assert world.post([newer]).status_code == 200
    assert world.post([older]).status_code == 200
    ticket.refresh_from_db()
    assert ticket.subject == "newer"
    assert [d.applied for d in world.deliveries()] == [1, 0]


def test_a_delete_removes_the_ticket_from_the_mirror(world):
    ticket = _ticket(world)
    event = ticket_event({"id": ticket.desk_id}, "Ticket_Delete")
    assert world.post([event]).status_code == 200
    ticket.refresh_from_db()
    assert ticket.is_deleted


def test_a_payload_lacking_fields_is_filled_by_one_single_record_call(world):
    ticket = _ticket(world)
    from apps.sandbox.models import Ticket as DeskTicket

    DeskTicket.objects.filter(pk=int(ticket.desk_id)).update(
        subject="Only on Desk", modified_time=timezone.now()
    )
    assert world.post([ticket_event({"id": ticket.desk_id})]).status_code == 200
    [delivery] = world.deliveries()
    assert delivery.fill_ins == 1 and delivery.status == "done"
    assert world.api_paths() == [f"GET /tickets/{ticket.desk_id}"]
    ticket.refresh_from_db()
    assert ticket.subject == "Only on Desk"


def test_a_burst_of_5000_events_is_answered_and_stored_then_applied(world, settings):
    """Desk posts batches; every request is answered at once (processing is queued, not inline)."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    tickets = list(Ticket.objects.filter(connection=world.connection).order_by("desk_id"))
    start = timezone.now()
    client = Client()
    token = world.token()
    for batch in range(10):  # 10 requests × 500 events (bench/webhooks.py times Desk-sized batches)
        events = [
            ticket_event(
                _payload(
                    tickets[(batch * 500 + i) % len(tickets)],
                    subject=f"burst {batch}-{i}",
                    modified=start + dt.timedelta(milliseconds=batch * 500 + i),
                )
            )
            for i in range(500)
        ]
        assert world.post(events, token=token, client=client).status_code == 200
    assert Delivery.objects.filter(connection=world.connection, status="pending").count() == 10
    assert sum(d.event_count for d in world.deliveries()) == 5000
    assert processing.process_pending(world.connection.pk) == 10
    last = {t.desk_id: None for t in tickets}
    for n in range(5000):
        last[tickets[n % len(tickets)].desk_id] = f"burst {n // 500}-{n % 500}"
    assert {t.desk_id: t.subject for t in Ticket.objects.filter(connection=world.connection)} == last


def test_a_thread_event_for_a_ticket_not_in_the_mirror_fetches_the_ticket(world):
    with world.sandbox_client() as desk:
        created = desk.post(
            "/tickets",
            json={
                "subject": "Brand new",
                "departmentId": str(world.org.departments.first().pk),
                "contactId": str(world.org.contacts.first().pk),
            },
        ).json()
    assert Ticket.objects.get(connection=world.connection, desk_id=created["id"]).subject == "Brand new"
    Ticket.objects.filter(connection=world.connection, desk_id=created["id"]).delete()
    thread = {"id": "999", "ticketId": created["id"], "content": "<p>hi</p>", "direction": "in"}
    world.clear_log()
    assert world.post([{"eventType": "Ticket_Thread_Add", "payload": thread}]).status_code == 200
    assert world.api_paths() == [f"GET /tickets/{created['id']}"]
    assert Ticket.objects.get(connection=world.connection, desk_id=created["id"]).subject == "Brand new"
    assert json.loads(world.deliveries()[-1].body)[0]["payload"]["id"] == "999"
