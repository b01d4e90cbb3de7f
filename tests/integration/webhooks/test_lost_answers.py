"""Webhook creates whose answer is lost: one list call looks for the webhook (same URL and name, not there
before) and settles "unknown → saved" or "unknown → not saved"; when Desk cannot even be asked, the next try
looks first, so a retry never makes a second webhook."""

from __future__ import annotations

import pytest

from apps.core.models import AuditEntry
from apps.webhooks import services
from apps.webhooks.models import Endpoint

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)


@pytest.fixture
def fast(settings):
    settings.DESK_READ_TIMEOUT = 2.0  # a cut-off answer costs this much
    settings.DESK_BACKOFF_BASE = settings.DESK_BACKOFF_CAP = 0
    return settings


def _faults(world, **values) -> None:
    from apps.sandbox.models import Org

    Org.objects.filter(pk=world.org.pk).update(**values)


def _values(world) -> services.WebhookValues:
    return services.WebhookValues(
        name="Ops feed",
        url=world.base_url + world.receiver_path + "?feed=ops",  # any URL answering Desk's check
        description="",
        subscriptions={"Ticket_Add": None},
        is_enabled=True,
    )


def _on_desk(world) -> int:
    from apps.sandbox.models import Webhook

    return Webhook.objects.filter(org=world.org, name="Ops feed").count()


def _outcomes() -> list[tuple[str, str]]:
    entries = AuditEntry.objects.filter(action="webhook.create").order_by("pk")
    return [(e.outcome, e.message.split("?")[0]) for e in entries]


def test_a_create_whose_answer_is_cut_off_is_found_on_desk_and_counted_once(world, admin_user, fast):
    _faults(world, dropped_answer_rate=1.0)  # Desk saves it, the answer is cut off mid-way
    webhook = services.webhook_create(connection=world.connection, actor=admin_user, values=_values(world))
    assert webhook.name == "Ops feed" and _on_desk(world) == 1
    assert _outcomes() == [("unknown", "Webhook “Ops feed” created"), ("success", "unknown → saved")]
    assert world.api_paths().count("POST /webhooks") == 1
    assert any(w["id"] == webhook.id for w in world.endpoint.desk_webhooks)


def test_a_lost_create_desk_cannot_be_asked_about_is_looked_for_before_the_retry(world, admin_user, fast):
    # A gateway's 504 on every call: the create's answer is lost and the list that would settle it fails.
    _faults(world, timeout_rate=1.0, timeout_seconds=0)
    with pytest.raises(services.WebhooksError, match="could not be asked"):
        services.webhook_create(connection=world.connection, actor=admin_user, values=_values(world))
    assert len(Endpoint.objects.get(pk=world.endpoint.pk).lost_creates) == 1
    _faults(world, timeout_rate=0.0)
    webhook = services.webhook_create(connection=world.connection, actor=admin_user, values=_values(world))
    assert webhook.name == "Ops feed" and _on_desk(world) == 1
    assert Endpoint.objects.get(pk=world.endpoint.pk).lost_creates == []
    assert _outcomes() == [
        ("unknown", "Webhook “Ops feed” created"),
        ("failure", "unknown → not saved"),  # the retry looked first: Desk had not made it
        ("success", "Webhook “Ops feed” created"),
    ]
