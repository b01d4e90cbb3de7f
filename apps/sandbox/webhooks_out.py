"""Outbound webhooks of the sandbox: queue Desk events after each change, deliver them signed as Desk signs
them, retry, unsubscribe; the URL check Desk makes on create; the data center's signing keys and their JWKS.

Signing (real Desk, see docs/webhooks.md): each delivery carries ``X-ZDesk-JWT``, an RS256 JWT over the claims
(not the body): ``iss`` = ``orgId:<org>``, ``aud`` = ``webhookId:<id>``, ``iat``, ``exp``, and ``kid`` in its
header, verifiable with the data center's public keys at ``<api_domain>/.well-known/jwks.json``. The sandbox is a
data center of its own: its RSA keys are generated on first use and kept in a file in its data folder
(``DATA_DIR``, never in the repository); ``rotate_signing_key`` adds a new one (the old ones stay published).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.tasks import task
from django.utils import timezone

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-ZDesk-JWT"
DB = "sandbox"
# How long a delivery's token is valid after it was signed (Desk's own value is not published).
TOKEN_LIFETIME = dt.timedelta(minutes=5)
KEY_FILE_NAME = "sandbox-webhook-signing-keys.json"
KEEP_KEYS = 3  # published keys: the current one and the two before it

# Real Desk event names (what subscriptions and payloads use).
EVENT_TYPES = (
    "Ticket_Add",
    "Ticket_Update",
    "Ticket_Delete",
    "Ticket_Thread_Add",
    "Ticket_Comment_Add",
    "Ticket_Comment_Update",
    "Ticket_Attachment_Add",
    "Ticket_Attachment_Delete",
    "Contact_Add",
    "Contact_Update",
    "Contact_Delete",
    "Account_Add",
    "Account_Update",
    "Account_Delete",
    "Agent_Add",
    "Agent_Update",
    "Agent_Delete",
)
# The seed reference's names map onto the real ones (status and assignment changes are updates).
SEED_EVENT_NAMES = {
    "Ticket.Add": "Ticket_Add",
    "Ticket.Update": "Ticket_Update",
    "Ticket.Delete": "Ticket_Delete",
    "Ticket.StatusChange": "Ticket_Update",
    "Ticket.AssignmentChange": "Ticket_Update",
    "Ticket.CommentAdd": "Ticket_Comment_Add",
    "Ticket.ThreadAdd": "Ticket_Thread_Add",
    "Contact.Add": "Contact_Add",
    "Contact.Update": "Contact_Update",
    "Contact.Delete": "Contact_Delete",
    "Account.Add": "Account_Add",
    "Account.Update": "Account_Update",
    "Account.Delete": "Account_Delete",
    "Agent.Add": "Agent_Add",
    "Agent.Update": "Agent_Update",
    "Agent.Delete": "Agent_Delete",
}
REAL_TO_SEED = {
    real: seed for seed, real in SEED_EVENT_NAMES.items() if seed.split(".")[1] in {"Add", "Update", "Delete"}
}
REAL_TO_SEED["Ticket_Comment_Add"] = "Ticket.CommentAdd"
REAL_TO_SEED["Ticket_Thread_Add"] = "Ticket.ThreadAdd"

MAX_ATTEMPTS = 8
# A claimed delivery is not picked up by another worker for this long (longer than the HTTP timeout).
LEASE = dt.timedelta(minutes=2)
SCHEDULE_KEY = "sandbox:webhooks:next-run"
BATCH_SIZE = 20


def normalise_event_name(name: str) -> str | None:
    """A real name stays; a seed name (`Ticket.Add`) maps to its real one; anything else is None."""
    if name in EVENT_TYPES:
        return name
    return SEED_EVENT_NAMES.get(name)


# -- signing keys and tokens -----------------------------------------------------------------------------


_loaded_keys: dict[str, Any] = {}


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_pem: str

    def private_key(self) -> Any:
        # Loading checks the key (slow for RSA): once per key and process.
        loaded = _loaded_keys.get(self.kid)
        if loaded is None:
            loaded = _loaded_keys[self.kid] = serialization.load_pem_private_key(
                self.private_pem.encode(), password=None
            )
        return loaded

    def public_jwk(self) -> dict[str, Any]:
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self.private_key().public_key(), as_dict=True)
        return {**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}


_keys_lock = threading.Lock()
_keys_cache: tuple[Path, float, list[SigningKey]] | None = None


def _key_file() -> Path:
    return Path(settings.DATA_DIR) / KEY_FILE_NAME


def _new_key() -> SigningKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return SigningKey(kid=uuid.uuid4().hex, private_pem=pem)


def _write_keys(path: Path, keys: list[SigningKey], *, exclusive: bool) -> bool:
    """Write the key file atomically (owner-only). ``exclusive``: only if no file exists yet (two processes
    starting at once agree on the first key). Returns False when another process won."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}")
    data = json.dumps([{"kid": k.kid, "private_pem": k.private_pem} for k in keys])
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(data)
    try:
        if exclusive:
            try:
                os.link(tmp, path)
            except FileExistsError:
                return False
        else:
            os.replace(tmp, path)
            return True
    finally:
        tmp.unlink(missing_ok=True)
    return True


def signing_keys() -> list[SigningKey]:
    """The data center's keys, oldest first (the last signs); made on first use."""
    global _keys_cache
    path = _key_file()
    with _keys_lock:
        try:
            mtime = path.stat().st_mtime
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            _write_keys(path, [_new_key()], exclusive=True)
            mtime = path.stat().st_mtime
        if _keys_cache is not None and _keys_cache[0] == path and _keys_cache[1] == mtime:
            return _keys_cache[2]
        keys = [SigningKey(**item) for item in json.loads(path.read_text())]
        _keys_cache = (path, mtime, keys)
        return keys


def rotate_signing_key() -> SigningKey:
    """Sign with a new key from now on; the previous ones stay in the JWKS (receivers refetch on a new kid)."""
    global _keys_cache
    keys = [*signing_keys(), _new_key()][-KEEP_KEYS:]
    with _keys_lock:
        _write_keys(_key_file(), keys, exclusive=False)
        _keys_cache = None
    return keys[-1]


def jwks() -> dict[str, Any]:
    """The public keys, as ``/.well-known/jwks.json`` publishes them."""
    return {"keys": [key.public_jwk() for key in signing_keys()]}


def delivery_token(*, org_id: str | int, webhook_id: str | int, now: dt.datetime | None = None) -> str:
    """The ``X-ZDesk-JWT`` of one delivery to one webhook."""
    now = now or timezone.now()
    key = signing_keys()[-1]
    claims = {
        "iss": f"orgId:{org_id}",
        "aud": f"webhookId:{webhook_id}",
        "iat": int(now.timestamp()),
        "exp": int((now + TOKEN_LIFETIME).timestamp()),
    }
    return jwt.encode(claims, key.private_key(), algorithm="RS256", headers={"kid": key.kid})


# -- the URL check ------------------------------------------------------------------------------------------


def url_answers(url: str, *, client: httpx.Client | None = None, timeout: float = 5.0) -> bool:
    """Desk's check of a subscription URL (on create and on a URL change): a GET, then, if that did not
    answer 200, a POST with no body; one 200 is required."""
    own = client is None
    http = client or httpx.Client(timeout=timeout, follow_redirects=False)
    try:
        for method in ("GET", "POST"):
            try:
                response = http.request(
                    method, url, headers={"User-Agent": "DeskAdmin-Sandbox-Webhooks/1.0"}, content=b""
                )
            except httpx.HTTPError:
                continue
            if response.status_code == 200:
                return True
        return False
    finally:
        if own:
            http.close()


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min, … capped at 1 h: Desk keeps retrying 'for a while'."""
    return dt.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def epoch_ms(when: dt.datetime) -> str:
    return str(int(when.timestamp() * 1000))


def _models() -> Any:
    from apps.sandbox import models

    return models


def subscription_wants(subscription: Any, event_type: str, payload: dict[str, Any]) -> bool:
    """Subscribed to the event, and the event matches its optional departmentIds filter."""
    subscriptions = subscription.subscriptions or {}
    if event_type not in subscriptions:
        return False
    options = subscriptions.get(event_type) or {}
    department_ids = options.get("departmentIds") if isinstance(options, dict) else None
    return not department_ids or payload.get("departmentId") in {str(d) for d in department_ids}


def emit(
    *,
    org: Any,
    event_type: str,
    payload: dict[str, Any],
    prev_state: dict[str, Any] | None = None,
    source_id: str | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Queue one event for every enabled subscription of the org that wants it; returns how many.

    `source_id` is the request's source id: a subscription whose `ignoreSourceId` equals it is
    skipped, so a client's own writes do not echo back.
    """
    models = _models()
    now = now or timezone.now()
    event: dict[str, Any] = {
        "eventType": event_type,
        "eventTime": epoch_ms(now),
        "orgId": org.org_id,
        "payload": payload,
    }
    if prev_state is not None:
        event["prevState"] = prev_state
    queued = 0
    for webhook in models.Webhook.objects.using(DB).filter(org=org, is_enabled=True):
        options = (webhook.subscriptions or {}).get(event_type)
        wants_prev = not (isinstance(options, dict) and options.get("includePrevState") is False)
        if source_id and webhook.ignore_source_id and webhook.ignore_source_id == source_id:
            continue
        if not subscription_wants(webhook, event_type, payload):
            continue
        models.WebhookDelivery.objects.using(DB).create(
            org=org,
            webhook=webhook,
            event_type=event_type,
            payload=event if wants_prev or "prevState" not in event else _without_prev(event),
            source_id=source_id or "",
            status=models.WebhookDelivery.Status.PENDING,
            next_attempt_at=now,
        )
        queued += 1
    if queued:
        transaction.on_commit(_enqueue_delivery, using=DB)
    return queued


def _without_prev(event: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in event.items() if key != "prevState"}


def _enqueue_delivery() -> None:
    if not settings.SANDBOX_WEBHOOKS_AUTO_DELIVER:
        return
    try:
        deliver_webhooks.enqueue()
    except Exception:  # the queue being unavailable must never fail the API call that emitted
        logger.exception("sandbox: could not enqueue webhook delivery")


@task()
def deliver_webhooks() -> int:
    """The background job (django.tasks, run by `manage.py db_worker`): deliver what is due."""
    delivered = deliver_pending()
    _schedule_next()
    return delivered


def _schedule_next() -> None:
    """Re-enqueue for the earliest pending retry when the task backend can defer work."""
    models = _models()
    pending = (
        models.WebhookDelivery.objects.using(DB)
        .filter(status=models.WebhookDelivery.Status.PENDING)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    now = timezone.now()
    if pending is None or pending <= now:
        return
    backend = deliver_webhooks.get_backend()
    if not getattr(backend, "supports_defer", False):
        return
    # One deferred run per retry time: every delivery run would otherwise add its own, and the
    # chains would multiply. The cache remembers what is already scheduled.
    scheduled = cache.get(SCHEDULE_KEY)
    if scheduled is not None and scheduled <= pending.timestamp() + 1:
        return
    try:
        deliver_webhooks.using(run_after=pending).enqueue()
    except Exception:
        logger.exception("sandbox: could not schedule the next webhook retry")
        return
    cache.set(SCHEDULE_KEY, pending.timestamp(), timeout=int((pending - now).total_seconds()) + 5)


def deliver_pending(
    *,
    now: dt.datetime | None = None,
    client: httpx.Client | None = None,
    timeout: float = 5.0,
) -> int:
    """Deliver every due event, batched per subscription as one JSON array; returns events delivered.

    Tests call this directly with a `now` in the future to run retries without waiting.
    """
    models = _models()
    Delivery = models.WebhookDelivery
    now = now or timezone.now()
    due = list(
        Delivery.objects.using(DB)
        .filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
        .select_related("webhook")
        .order_by("pk")[:500]
    )
    by_subscription: dict[int | None, list[Any]] = {}
    lease_until = now + LEASE
    for delivery in due:
        # Claim the row first (optimistic: only if nobody moved it since we read it), so two
        # workers never send the same event twice.
        claimed = (
            Delivery.objects.using(DB)
            .filter(pk=delivery.pk, status=Delivery.Status.PENDING, next_attempt_at=delivery.next_attempt_at)
            .update(next_attempt_at=lease_until)
        )
        if claimed:
            by_subscription.setdefault(delivery.webhook_id, []).append(delivery)
    own_client = client is None
    http = client or httpx.Client(timeout=timeout)
    delivered = 0
    try:
        for deliveries in by_subscription.values():
            for start in range(0, len(deliveries), BATCH_SIZE):
                delivered += _deliver_batch(deliveries[start : start + BATCH_SIZE], http=http, now=now)
    finally:
        if own_client:
            http.close()
    return delivered


def _deliver_batch(deliveries: list[Any], *, http: httpx.Client, now: dt.datetime) -> int:
    models = _models()
    Delivery = models.WebhookDelivery
    subscription = deliveries[0].webhook
    if subscription is None or not subscription.is_enabled:
        Delivery.objects.using(DB).filter(pk__in=[d.pk for d in deliveries]).update(
            status=Delivery.Status.FAILED, last_error="subscription removed or disabled"
        )
        return 0
    body = json.dumps([d.payload for d in deliveries], separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "DeskAdmin-Sandbox-Webhooks/1.0",
        SIGNATURE_HEADER: delivery_token(org_id=subscription.org_id, webhook_id=subscription.pk),
    }
    status_code: int | None = None
    error = ""
    try:
        response = http.post(subscription.url, content=body, headers=headers)
        status_code = response.status_code
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    ids = [d.pk for d in deliveries]
    attempts = deliveries[0].attempts + 1
    if status_code == 200:
        Delivery.objects.using(DB).filter(pk__in=ids).update(
            status=Delivery.Status.DELIVERED,
            attempts=attempts,
            last_status_code=status_code,
            delivered_at=now,
            last_error="",
        )
        return len(ids)
    if status_code == 410:
        # Desk removes a subscription whose receiver answers 410 Gone; the deliveries stay (their
        # webhook link becomes null) so the log still says why.
        Delivery.objects.using(DB).filter(webhook=subscription, status=Delivery.Status.PENDING).update(
            status=Delivery.Status.GONE, attempts=attempts, last_status_code=410, last_error="410 Gone"
        )
        subscription.delete()
        return 0
    final = attempts >= MAX_ATTEMPTS
    Delivery.objects.using(DB).filter(pk__in=ids).update(
        status=Delivery.Status.FAILED if final else Delivery.Status.PENDING,
        attempts=attempts,
        last_status_code=status_code,
        next_attempt_at=now + backoff(attempts),
        last_error=error or f"HTTP {status_code}",
    )
    return 0
