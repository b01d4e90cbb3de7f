"""Webhook bookkeeping: each connection's receiver endpoint, the Desk webhooks DeskAdmin created for it, and
every delivery received (stored before the receiver answers, processed by a task)."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils import timezone


def new_token() -> str:
    return secrets.token_urlsafe(24)  # 32 characters: the receiver URL stays well inside Desk's 100


class Endpoint(models.Model):
    """A connection's receiver: one unguessable URL, and what the page and the scheduler need to know."""

    connection = models.OneToOneField(
        "connections.DeskConnection", on_delete=models.CASCADE, related_name="webhook_endpoint"
    )
    token = models.CharField(max_length=64, unique=True, default=new_token)
    created_at = models.DateTimeField(default=timezone.now)
    last_delivery_at = models.DateTimeField(null=True, blank=True)  # last verified delivery
    last_rejected_at = models.DateTimeField(null=True, blank=True)
    # Pushed changes may have been missed from this moment (a subscription gone or disabled on Desk, a
    # rejected or failed delivery): the scheduler runs one sync after it.
    gap_since = models.DateTimeField(null=True, blank=True)
    # The org's webhooks as Desk listed them last (ours and others'), so the page never calls Desk to show them.
    desk_webhooks = models.JSONField(default=list, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    # Creates whose answer was lost and which could not be looked for yet ({"url", "name", "known", "sent_at"}):
    # the next create of the same webhook looks first, so a retry never makes a second one.
    lost_creates = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"webhook endpoint of connection {self.connection_id}"


class Subscription(models.Model):
    """A Desk webhook DeskAdmin created for a connection: deliveries must name one of these in ``aud``."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        DISABLED = "disabled", "Disabled on Desk"
        MISSING = "missing", "Deleted on Desk"

    connection = models.ForeignKey(
        "connections.DeskConnection", on_delete=models.CASCADE, related_name="webhook_subscriptions"
    )
    desk_id = models.CharField(max_length=32)
    name = models.CharField(max_length=100, blank=True, default="")
    events = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "desk_id"], name="webhooks_subscription_unique")
        ]

    def __str__(self) -> str:
        return f"webhook {self.desk_id} of connection {self.connection_id}"


class Delivery(models.Model):
    """One POST Desk made to a receiver: the raw body (kept before answering), its signature check, and what
    processing did with its events."""

    class Status(models.TextChoices):
        PENDING = "pending", "Queued"
        PROCESSING = "processing", "Processing"
        DONE = "done", "Applied"
        DUPLICATE = "duplicate", "Duplicate (not applied again)"
        FAILED = "failed", "Failed"
        REJECTED = "rejected", "Rejected (401)"

    class Signature(models.TextChoices):
        VALID = "valid", "Valid"
        MISSING = "missing", "No X-ZDesk-JWT"
        INVALID = "invalid", "Bad signature or token"
        EXPIRED = "expired", "Expired"
        WRONG_AUDIENCE = "wrong_aud", "Unknown webhook (aud)"
        WRONG_ISSUER = "wrong_iss", "Other org (iss)"
        UNKNOWN_KEY = "unknown_kid", "Unknown key (kid)"
        REPLAY = "replay", "Replayed by an admin"

    connection = models.ForeignKey(
        "connections.DeskConnection", on_delete=models.CASCADE, related_name="webhook_deliveries"
    )
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    webhook_desk_id = models.CharField(max_length=32, blank=True, default="")
    signature = models.CharField(max_length=16, choices=Signature.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    body = models.TextField(blank=True, default="")
    fingerprint = models.CharField(max_length=64, blank=True, default="", db_index=True)
    event_count = models.PositiveIntegerField(default=0)
    # "Ticket_Update, Contact_Add": the log shows it and filters on it.
    event_types = models.CharField(max_length=200, blank=True, default="")
    objects_summary = models.CharField(max_length=200, blank=True, default="")
    applied = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    fill_ins = models.PositiveIntegerField(default=0)  # single-record Desk calls made to complete payloads
    processed_at = models.DateTimeField(null=True, blank=True)
    processing_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True, default="")
    replay_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["connection", "status", "id"], name="webhooks_delivery_queue")]

    def __str__(self) -> str:
        return f"delivery {self.pk} ({self.status})"
