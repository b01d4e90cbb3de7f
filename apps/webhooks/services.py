"""Webhook writes: DeskAdmin's own subscription (subscribe, re-subscribe), the org's webhooks on Desk (create,
edit, enable/disable, delete), the check of what Desk has, and replaying a stored delivery. Each Desk call goes
through the connection's client; Desk's answer updates the page's snapshot; each write leaves an audit entry."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.connections.models import DeskConnection
from apps.connections.services import desk_client_for
from apps.core.services import audit_record
from apps.desk.client import DeskClient
from apps.desk.errors import DeskError, DeskNotFound, DeskOutcomeUnknown, DeskValidationError
from apps.desk.jwks import source_id_for
from apps.desk.types import Webhook
from apps.webhooks.models import Delivery, Endpoint, Subscription
from apps.webhooks.processing import MIRROR_EVENTS

# Zoho's webhook documentation: webhooks that may be enabled per edition; 20 may be configured in all.
EDITION_LIMITS = {"free": 0, "express": 0, "standard": 0, "professional": 5, "enterprise": 10}
MAX_CONFIGURED = 20
OUR_NAME = "DeskAdmin mirror"


class WebhooksError(Exception):
    """A refusal to show the admin: a sentence, and Desk's field errors by our form's field names."""

    def __init__(self, message: str, *, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields = fields or {}


def edition_limit(connection: DeskConnection) -> int | None:
    """Webhooks the org's edition may have enabled; None when the edition is not known (Desk decides)."""
    return EDITION_LIMITS.get((connection.edition or "").strip().lower())


def polling_cost_per_day() -> int:
    """Credits a day the scheduled incremental sync costs when nothing changed (one search call, 3 credits)."""
    return (86_400 // max(60, settings.SYNC_INTERVAL_SECONDS)) * 3


def no_webhooks_message(connection: DeskConnection) -> str:
    minutes = max(1, settings.SYNC_INTERVAL_SECONDS // 60)
    return (
        f"The {connection.edition.capitalize() or 'current'} edition of Zoho Desk has no webhooks. "
        f"DeskAdmin keeps {connection.org_name} fresh by polling every {minutes} minutes instead, "
        f"about {polling_cost_per_day():,} API credits a day when nothing changes."
    )


def endpoint_for(connection: DeskConnection) -> Endpoint:
    endpoint, _ = Endpoint.objects.get_or_create(connection=connection)
    return endpoint


def receiver_url(endpoint: Endpoint) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("webhooks:receive", args=[endpoint.token])


def _snapshot(webhook: Webhook) -> dict[str, Any]:
    return {
        "id": webhook.id,
        "name": webhook.name or "",
        "url": webhook.url or "",
        "description": webhook.description or "",
        "subscriptions": webhook.subscriptions or {},
        "is_enabled": bool(webhook.is_enabled),
        "ignore_source_id": webhook.ignore_source_id or "",
        "type": str(webhook.extra.get("type") or ""),
        "modified_time": webhook.modified_time.isoformat() if webhook.modified_time else "",
    }


def _field_errors(error: DeskValidationError) -> dict[str, str]:
    fields: dict[str, str] = {}
    for name, message in error.fields.items():
        key = name.strip("/").split("/")[0]
        key = {"subscriptions": "events", "ignore_source_id": "name", "is_enabled": "is_enabled"}.get(
            key, key
        )
        fields.setdefault(
            key if key in {"name", "url", "description", "events", "is_enabled"} else "", message
        )
    return fields


@contextlib.contextmanager
def _desk(connection: DeskConnection) -> Iterator[DeskClient]:
    client = desk_client_for(connection)
    try:
        yield client
    finally:
        client.close()


def _call[R](
    *,
    actor: User | None,
    action: str,
    connection: DeskConnection,
    target_id: str,
    client: DeskClient,
    call: Callable[[], R],
    message: str,
    raise_lost: bool = False,
) -> R:
    """One audited Desk call; Desk's refusal becomes a WebhooksError with its field errors. A lost answer
    (``DeskOutcomeUnknown``) is audited as unknown; it is raised as it is with ``raise_lost`` (a create: the
    caller looks for what it made), else it becomes a WebhooksError asking to check Desk's list (a change or a
    delete is safe to send again)."""
    before = client.credits_spent

    def audited(outcome: str, text: str) -> None:
        audit_record(
            actor=actor,
            action=action,
            org_id=connection.org_id,
            target_type="webhook",
            target_id=target_id,
            outcome=outcome,
            message=text[:500],
            api_calls=1,
            credits=client.credits_spent - before,
        )

    try:
        result = call()
    except DeskOutcomeUnknown as error:
        audited("unknown", f"{message}? Desk's answer was lost: {error}")
        if raise_lost:
            raise
        raise WebhooksError(
            "Desk's answer was lost: Desk may or may not have done it. Refresh the list to see what Desk has; "
            "doing it again is safe."
        ) from error
    except DeskError as error:
        audited("failure", f"{message}: {error}")
        fields = _field_errors(error) if isinstance(error, DeskValidationError) else {}
        raise WebhooksError(f"Zoho Desk refused it: {error}", fields=fields) from error
    audited("success", message)
    return result


def _store(endpoint: Endpoint, webhooks: list[Webhook]) -> None:
    endpoint.desk_webhooks = [_snapshot(w) for w in webhooks]
    endpoint.checked_at = timezone.now()
    endpoint.save(update_fields=["desk_webhooks", "checked_at"])


def _store_one(endpoint: Endpoint, webhook: Webhook | None, *, removed: str = "") -> None:
    rows = [w for w in endpoint.desk_webhooks if w.get("id") not in {removed, webhook.id if webhook else ""}]
    if webhook is not None:
        rows.append(_snapshot(webhook))
    endpoint.desk_webhooks = sorted(rows, key=lambda w: str(w.get("id")))
    endpoint.save(update_fields=["desk_webhooks"])


def _reconcile(connection: DeskConnection, endpoint: Endpoint, webhooks: list[Webhook]) -> list[Subscription]:
    """Compare DeskAdmin's webhooks with Desk's list: deleted or disabled ones are marked (and open a gap)."""
    on_desk = {w.id: w for w in webhooks}
    now = timezone.now()
    lost = []
    for subscription in Subscription.objects.filter(connection=connection):
        webhook = on_desk.get(subscription.desk_id)
        status = (
            Subscription.Status.MISSING
            if webhook is None
            else Subscription.Status.ACTIVE
            if webhook.is_enabled
            else Subscription.Status.DISABLED
        )
        if status != Subscription.Status.ACTIVE and subscription.status == Subscription.Status.ACTIVE:
            lost.append(subscription)
        subscription.status, subscription.checked_at = status, now
        subscription.save(update_fields=["status", "checked_at"])
    if lost and endpoint.gap_since is None:
        endpoint.gap_since = now
        endpoint.save(update_fields=["gap_since"])
    return lost


def webhooks_refresh(*, connection: DeskConnection) -> list[Subscription]:
    """List the org's webhooks on Desk (one call, 3 credits): the page's snapshot, and DeskAdmin's own
    subscriptions checked (returns those found deleted or disabled since the last check)."""
    endpoint = endpoint_for(connection)
    try:
        with _desk(connection) as client:
            webhooks = client.webhooks_list()
    except DeskError as error:
        raise WebhooksError(f"Zoho Desk did not list the webhooks: {error}") from error
    _store(endpoint, webhooks)
    return _reconcile(connection, endpoint, webhooks)


def _check_quota(connection: DeskConnection, endpoint: Endpoint, *, enabling: bool, creating: bool) -> None:
    limit = edition_limit(connection)
    if limit == 0:
        raise WebhooksError(no_webhooks_message(connection))
    rows = endpoint.desk_webhooks
    if creating and len(rows) >= MAX_CONFIGURED:
        raise WebhooksError(f"Zoho Desk allows at most {MAX_CONFIGURED} webhooks; delete one first.")
    if enabling and limit is not None and sum(1 for w in rows if w.get("is_enabled")) >= limit:
        raise WebhooksError(
            f"The {connection.edition.capitalize()} edition allows {limit} enabled webhooks; "
            "disable one first, or create this one disabled."
        )


# -- creates whose answer was lost ----------------------------------------------------------------------------
# A webhook has no content to compare but its URL and name: after a lost answer one list call looks for a
# webhook with both that was not in Desk's list before the send. Found: "unknown → saved" (the write counts
# as done); not found: "unknown → not saved" (sending again is safe). When even the list fails, the try is
# remembered on the endpoint and the next create of the same webhook looks first.

LOST_NOT_SAVED = "Desk's answer was lost and Desk did not save the webhook; nothing was made. Send it again."


def _lost_create_settle(
    *,
    actor: User | None,
    action: str,
    connection: DeskConnection,
    endpoint: Endpoint,
    lost: dict[str, Any],
    webhooks: list[Webhook],
) -> Webhook | None:
    """Settle one remembered try against Desk's list: the webhook it made, or None (audited either way)."""
    known = set(lost.get("known") or [])
    found = next(
        (
            w
            for w in webhooks
            if w.url == lost["url"] and (w.name or "") == lost["name"] and w.id not in known
        ),
        None,
    )
    endpoint.lost_creates = [x for x in endpoint.lost_creates if x["url"] != lost["url"]]
    endpoint.save(update_fields=["lost_creates"])
    audit_record(
        actor=actor,
        action=action,
        org_id=connection.org_id,
        target_type="webhook",
        target_id=found.id if found is not None else "",
        outcome="success" if found is not None else "failure",
        message="unknown → saved" if found is not None else "unknown → not saved",
        detail={"name": lost["name"], "sent_at": lost.get("sent_at", "")},
    )
    return found


def _lost_create_look(
    *,
    actor: User | None,
    action: str,
    connection: DeskConnection,
    endpoint: Endpoint,
    client: DeskClient,
    lost: dict[str, Any],
) -> Webhook | None:
    """One list call to settle a try whose answer was lost. When the list fails too, the try stays
    remembered and the admin is told to refresh before sending again."""
    if lost not in endpoint.lost_creates:
        endpoint.lost_creates = [*endpoint.lost_creates, lost]
        endpoint.save(update_fields=["lost_creates"])
    try:
        webhooks = client.webhooks_list()
    except DeskError as error:
        raise WebhooksError(
            "Desk's answer was lost and Desk could not be asked whether it saved the webhook "
            f"({error}). Nothing is sent again until Desk says: try again in a moment, DeskAdmin looks first."
        ) from error
    _store(endpoint, webhooks)
    return _lost_create_settle(
        actor=actor, action=action, connection=connection, endpoint=endpoint, lost=lost, webhooks=webhooks
    )


def _create_once(
    *,
    actor: User | None,
    action: str,
    connection: DeskConnection,
    endpoint: Endpoint,
    client: DeskClient,
    url: str,
    name: str,
    known: set[str],
    send: Callable[[], Webhook],
    message: str,
) -> Webhook:
    """Create a webhook, at most once: an earlier try of the same webhook whose answer was lost is looked for
    first (found: returned, nothing sent); a lost answer now is looked for at once."""
    earlier = next((x for x in endpoint.lost_creates if x["url"] == url and x["name"] == name), None)
    if earlier is not None:
        found = _lost_create_look(
            actor=actor, action=action, connection=connection, endpoint=endpoint, client=client, lost=earlier
        )
        if found is not None:
            return found
        known = {w["id"] for w in endpoint.desk_webhooks}
    lost = {"url": url, "name": name, "known": sorted(known), "sent_at": timezone.now().isoformat()}
    try:
        return _call(
            actor=actor,
            action=action,
            connection=connection,
            target_id="",
            client=client,
            call=send,
            message=message,
            raise_lost=True,
        )
    except DeskOutcomeUnknown:
        found = _lost_create_look(
            actor=actor, action=action, connection=connection, endpoint=endpoint, client=client, lost=lost
        )
    if found is None:
        raise WebhooksError(LOST_NOT_SAVED)
    return found


@dataclass
class EnsureResult:
    outcome: str  # "created", "enabled" or "present"
    webhook_id: str
    lost: list[str] = field(default_factory=list)


def subscription_ensure(*, connection: DeskConnection, actor: User | None) -> EnsureResult:
    """Make sure DeskAdmin's webhook exists on Desk, enabled, with every event the mirror needs, pointing at
    this connection's receiver: one list call, then a create or an update only if needed."""
    if edition_limit(connection) == 0:
        raise WebhooksError(no_webhooks_message(connection))
    endpoint = endpoint_for(connection)
    url = receiver_url(endpoint)
    wanted: dict[str, Any] = dict.fromkeys(MIRROR_EVENTS)
    with _desk(connection) as client:
        try:
            webhooks = client.webhooks_list()
        except DeskError as error:
            raise WebhooksError(f"Zoho Desk did not list the webhooks: {error}") from error
        _store(endpoint, webhooks)
        for lost in [x for x in endpoint.lost_creates if x["url"] == url]:
            _lost_create_settle(
                actor=actor,
                action="webhook.subscribe",
                connection=connection,
                endpoint=endpoint,
                lost=lost,
                webhooks=webhooks,
            )
        ours = next((w for w in webhooks if w.url == url), None)
        if ours is not None and ours.is_enabled and set(wanted) <= set(ours.subscriptions or {}):
            outcome, webhook = "present", ours
        elif ours is not None:
            _check_quota(connection, endpoint, enabling=not ours.is_enabled, creating=False)
            webhook = _call(
                actor=actor,
                action="webhook.subscribe",
                connection=connection,
                target_id=ours.id,
                client=client,
                call=lambda: client.webhook_update(
                    ours.id, is_enabled=True, subscriptions={**(ours.subscriptions or {}), **wanted}
                ),
                message="DeskAdmin's webhook enabled again with the mirror's events",
            )
            outcome = "enabled"
        else:
            _check_quota(connection, endpoint, enabling=True, creating=True)
            webhook = _create_once(
                actor=actor,
                action="webhook.subscribe",
                connection=connection,
                endpoint=endpoint,
                client=client,
                url=url,
                name=OUR_NAME,
                known={w.id for w in webhooks},
                send=lambda: client.webhook_create(
                    name=OUR_NAME,
                    url=url,
                    subscriptions=wanted,
                    ignore_source_id=source_id_for(connection.org_id),
                    is_enabled=True,
                    description="Keeps DeskAdmin's mirror fresh. Created by DeskAdmin; deleting it makes "
                    "DeskAdmin fall back to polling.",
                ),
                message="DeskAdmin subscribed to the events its mirror needs",
            )
            outcome = "created"
    with transaction.atomic():
        Subscription.objects.update_or_create(
            connection=connection,
            desk_id=webhook.id,
            defaults={
                "name": webhook.name or OUR_NAME,
                "events": sorted(webhook.subscriptions or wanted),
                "status": Subscription.Status.ACTIVE,
                "checked_at": timezone.now(),
            },
        )
        _store_one(endpoint, webhook)
        lost = _reconcile(connection, endpoint, [Webhook.from_desk(w) for w in _as_desk(endpoint)])
    return EnsureResult(outcome=outcome, webhook_id=webhook.id, lost=[s.desk_id for s in lost])


def _as_desk(endpoint: Endpoint) -> list[dict[str, Any]]:
    return [
        {
            "id": w["id"],
            "isEnabled": w.get("is_enabled"),
            "url": w.get("url"),
            "subscriptions": w.get("subscriptions"),
        }
        for w in endpoint.desk_webhooks
    ]


@dataclass
class WebhookValues:
    name: str
    url: str
    description: str
    subscriptions: dict[str, Any]
    is_enabled: bool


def webhook_create(*, connection: DeskConnection, actor: User, values: WebhookValues) -> Webhook:
    endpoint = endpoint_for(connection)
    _check_quota(connection, endpoint, enabling=values.is_enabled, creating=True)
    with _desk(connection) as client:
        webhook = _create_once(
            actor=actor,
            action="webhook.create",
            connection=connection,
            endpoint=endpoint,
            client=client,
            url=values.url,
            name=values.name,
            known={w["id"] for w in endpoint.desk_webhooks},
            send=lambda: client.webhook_create(
                name=values.name,
                url=values.url,
                subscriptions=values.subscriptions,
                is_enabled=values.is_enabled,
                description=values.description,
            ),
            message=f"Webhook “{values.name}” created",
        )
    _store_one(endpoint, webhook)
    return webhook


def webhook_update(
    *, connection: DeskConnection, actor: User, webhook_id: str, values: WebhookValues
) -> Webhook:
    endpoint = endpoint_for(connection)
    current = next((w for w in endpoint.desk_webhooks if w.get("id") == webhook_id), None)
    if current is None:
        raise WebhooksError("This webhook is not in Desk's list any more; refresh the list.")
    if values.is_enabled and not current.get("is_enabled"):
        _check_quota(connection, endpoint, enabling=True, creating=False)
    with _desk(connection) as client:
        webhook = _call(
            actor=actor,
            action="webhook.update",
            connection=connection,
            target_id=webhook_id,
            client=client,
            call=lambda: client.webhook_update(
                webhook_id,
                name=values.name,
                url=values.url,
                subscriptions=values.subscriptions,
                is_enabled=values.is_enabled,
                description=values.description,
            ),
            message=f"Webhook “{values.name}” changed",
        )
    _store_one(endpoint, webhook)
    _reconcile(connection, endpoint, [Webhook.from_desk(w) for w in _as_desk(endpoint)])
    return webhook


def webhook_set_enabled(
    *, connection: DeskConnection, actor: User, webhook_id: str, enabled: bool
) -> Webhook:
    endpoint = endpoint_for(connection)
    if not any(w.get("id") == webhook_id for w in endpoint.desk_webhooks):
        raise WebhooksError("This webhook is not in Desk's list any more; refresh the list.")
    if enabled:
        _check_quota(connection, endpoint, enabling=True, creating=False)
    with _desk(connection) as client:
        webhook = _call(
            actor=actor,
            action="webhook.enable" if enabled else "webhook.disable",
            connection=connection,
            target_id=webhook_id,
            client=client,
            call=lambda: client.webhook_update(webhook_id, is_enabled=enabled),
            message=f"Webhook {'enabled' if enabled else 'disabled'}",
        )
    _store_one(endpoint, webhook)
    _reconcile(connection, endpoint, [Webhook.from_desk(w) for w in _as_desk(endpoint)])
    return webhook


def webhook_delete(*, connection: DeskConnection, actor: User, webhook_id: str) -> None:
    endpoint = endpoint_for(connection)
    if not any(w.get("id") == webhook_id for w in endpoint.desk_webhooks):
        raise WebhooksError("This webhook is not in Desk's list any more; refresh the list.")
    with _desk(connection) as client:
        _call(
            actor=actor,
            action="webhook.delete",
            connection=connection,
            target_id=webhook_id,
            client=client,
            call=lambda: client.webhook_delete(webhook_id),
            message="Webhook deleted",
        )
    _store_one(endpoint, None, removed=webhook_id)
    # Deleting our own webhook on purpose is not a gap to report: polling takes over, said on the page.
    Subscription.objects.filter(connection=connection, desk_id=webhook_id).delete()


WHERE_TO_REMOVE = "in Zoho Desk under Setup → Developer Space → Webhooks"


def _delete_if_there(client: DeskClient, webhook_id: str) -> None:
    with contextlib.suppress(DeskNotFound):  # gone already (deleted on Desk, or a retried delete)
        client.webhook_delete(webhook_id)


def subscriptions_remove(*, connection: DeskConnection, actor: User | None) -> str:
    """Delete DeskAdmin's webhooks for this org on Desk before it is disconnected (while the tokens still
    work): the ones it recorded and any other pointing at its receiver (one list call, one delete each).

    Best effort, for apps.connections.hooks: "" when none is left on Desk, else a sentence saying which could
    not be deleted and where the admin deletes it by hand (Desk would keep posting, and get 404s)."""
    known = dict(Subscription.objects.filter(connection=connection).values_list("desk_id", "name"))
    endpoint = Endpoint.objects.filter(connection=connection).first()
    if not known and (endpoint is None or edition_limit(connection) == 0):
        return ""  # DeskAdmin never subscribed this org
    url = receiver_url(endpoint) if endpoint is not None else None
    targets, left, reason = dict(known), dict(known), ""
    try:
        with _desk(connection) as client:
            try:
                webhooks = client.webhooks_list()
            except DeskError as error:
                reason = str(error)  # cannot see Desk's list: try the recorded ones anyway
            else:
                if endpoint is not None:
                    _store(endpoint, webhooks)
                targets = {w.id: w.name or known.get(w.id) or OUR_NAME for w in webhooks if w.id in known}
                targets |= {w.id: w.name or OUR_NAME for w in webhooks if url and w.url == url}
                left = dict(targets)
            for webhook_id, name in targets.items():
                try:
                    _call(
                        actor=actor,
                        action="webhook.delete",
                        connection=connection,
                        target_id=webhook_id,
                        client=client,
                        call=functools.partial(_delete_if_there, client, webhook_id),
                        message=f"Webhook “{name}” deleted before disconnecting the org",
                    )
                except WebhooksError as error:
                    reason = str(error.__cause__ or error)
                    continue
                left.pop(webhook_id)
                if endpoint is not None:
                    _store_one(endpoint, None, removed=webhook_id)
    except DeskError as error:  # no client at all (the tokens no longer work)
        reason = str(error)
    Subscription.objects.filter(connection=connection).exclude(desk_id__in=list(left)).delete()
    if not left:
        return ""
    names = ", ".join(f"“{name}” (id {webhook_id})" for webhook_id, name in sorted(left.items()))
    return (
        f"DeskAdmin could not delete its webhook {names} on Desk ({reason}). Delete it {WHERE_TO_REMOVE}: "
        "until then Desk keeps posting to DeskAdmin, which answers 404."
    )


def delivery_replay(*, delivery: Delivery, actor: User) -> Delivery:
    """Apply a stored delivery again (its signature was checked when it arrived); duplicates apply once."""
    from apps.webhooks.tasks import enqueue_processing

    replay = Delivery.objects.create(
        connection=delivery.connection,
        webhook_desk_id=delivery.webhook_desk_id,
        signature=Delivery.Signature.REPLAY,
        body=delivery.body,
        fingerprint=delivery.fingerprint,
        event_count=delivery.event_count,
        event_types=delivery.event_types,
        objects_summary=delivery.objects_summary,
        replay_of=delivery,
    )
    audit_record(
        actor=actor,
        action="webhook.replay",
        org_id=delivery.connection.org_id,
        target_type="webhook_delivery",
        target_id=delivery.pk,
        message=f"Delivery {delivery.pk} replayed ({delivery.event_count} events)",
    )
    transaction.on_commit(lambda: enqueue_processing(delivery.connection_id))
    return replay
