"""DeskConnection: one connected Zoho Desk org, with its OAuth client and encrypted tokens."""

import zoneinfo
from datetime import datetime, tzinfo

from django.conf import settings
from django.db import models
from django.utils import timezone

from apps.connections import crypto

# The columns holding ciphertext; the rotation command walks exactly these.
ENCRYPTED_FIELDS = ("client_secret_encrypted", "refresh_token_encrypted", "access_token_encrypted")


class DeskConnection(models.Model):
    """A Desk org DeskAdmin may call. Secrets are only reachable through the ``get_*`` methods.

    Those methods carry ``alters_data`` so that a template can never call them: a template that
    names ``connection.get_access_token`` renders nothing instead of a token.
    """

    class Status(models.TextChoices):
        HEALTHY = "healthy", "Healthy"
        NEEDS_RECONSENT = "needs_reconsent", "Needs re-consent"
        DISCONNECTED = "disconnected", "Disconnected"
        ERROR = "error", "Error"

    org_id = models.CharField(max_length=32, unique=True)
    org_name = models.CharField(max_length=200)
    edition = models.CharField(max_length=40, blank=True, default="")
    # The org's IANA time zone as Desk reports it (``timeZone`` of GET /organizations), "" while unknown:
    # Insights and the queue's day filters count days in it (``zone``); see docs/connections.md.
    time_zone = models.CharField(max_length=64, blank=True, default="")
    # When the org's details were last read for it (connect, Check now, the sync's daily refresh).
    time_zone_checked_at = models.DateTimeField(null=True, blank=True)
    data_center = models.CharField(max_length=16)
    accounts_url = models.URLField(max_length=200)
    api_domain = models.URLField(max_length=200)
    client_id = models.CharField(max_length=200)
    client_secret_encrypted = models.TextField(blank=True, default="")
    refresh_token_encrypted = models.TextField(blank=True, default="")
    access_token_encrypted = models.TextField(blank=True, default="")
    access_token_expires_at = models.DateTimeField(null=True, blank=True)
    token_refreshed_at = models.DateTimeField(null=True, blank=True)
    # One consent can cover several orgs; they share its refresh token, so a disconnect revokes the
    # token only when no other connection still uses the same grant.
    grant_id = models.CharField(max_length=32, blank=True, default="", db_index=True)
    scopes = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.HEALTHY)
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    connected_at = models.DateTimeField(default=timezone.now)
    disconnected_at = models.DateTimeField(null=True, blank=True)
    # Set by the sync app after each successful sync.
    last_synced_at = models.DateTimeField(null=True, blank=True)
    # A human-readable reason, never containing a token or secret.
    last_error = models.CharField(max_length=500, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["org_name", "id"]

    def __str__(self) -> str:
        return f"{self.org_name} ({self.org_id})"

    def __repr__(self) -> str:
        return f"<DeskConnection {self.pk}: org {self.org_id} {self.status}>"

    # --- secrets: decrypted only on demand, never rendered -------------------------------------
    def get_client_secret(self) -> str:
        return crypto.decrypt(self.client_secret_encrypted)

    get_client_secret.alters_data = True  # type: ignore[attr-defined]

    def get_refresh_token(self) -> str:
        return crypto.decrypt(self.refresh_token_encrypted)

    get_refresh_token.alters_data = True  # type: ignore[attr-defined]

    def get_access_token(self) -> str:
        return crypto.decrypt(self.access_token_encrypted)

    get_access_token.alters_data = True  # type: ignore[attr-defined]

    def set_client_secret(self, value: str) -> None:
        self.client_secret_encrypted = crypto.encrypt(value)

    set_client_secret.alters_data = True  # type: ignore[attr-defined]

    def set_refresh_token(self, value: str) -> None:
        self.refresh_token_encrypted = crypto.encrypt(value)

    set_refresh_token.alters_data = True  # type: ignore[attr-defined]

    def set_access_token(self, value: str, *, expires_at: datetime | None) -> None:
        self.access_token_encrypted = crypto.encrypt(value)
        self.access_token_expires_at = expires_at if value else None

    set_access_token.alters_data = True  # type: ignore[attr-defined]

    def clear_tokens(self) -> None:
        self.refresh_token_encrypted = ""
        self.access_token_encrypted = ""
        self.access_token_expires_at = None

    clear_tokens.alters_data = True  # type: ignore[attr-defined]

    # --- plain facts, safe for templates ---------------------------------------------------------
    @property
    def api_base_url(self) -> str:
        return f"{self.api_domain.rstrip('/')}/api/v1"

    @property
    def status_badge_class(self) -> str:
        return {
            self.Status.HEALTHY: "badge-success",
            self.Status.NEEDS_RECONSENT: "badge-warning",
            self.Status.ERROR: "badge-danger",
        }.get(self.Status(self.status), "")

    @property
    def zone(self) -> tzinfo:
        """The org's time zone; the console's (``TIME_ZONE``) while unknown or not a zone this system knows."""
        return zone_for(self.time_zone)

    @property
    def zone_name(self) -> str:
        """The name of ``zone``: the org's zone, or the console's when it falls back."""
        return self.time_zone if valid_zone(self.time_zone) else settings.TIME_ZONE

    @property
    def has_refresh_token(self) -> bool:
        return bool(self.refresh_token_encrypted)

    @property
    def is_usable(self) -> bool:
        return self.status in {self.Status.HEALTHY, self.Status.ERROR} and self.has_refresh_token


def valid_zone(name: str | None) -> str:
    """``name`` if it is an IANA zone this system knows, else ""."""
    if not name or not isinstance(name, str) or len(name) > 64:
        return ""
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError, TypeError):
        return ""
    return name


def zone_for(name: str | None) -> tzinfo:
    """The zone ``name`` names, or the console's default time zone (an unknown or bad name never raises)."""
    valid = valid_zone(name)
    return zoneinfo.ZoneInfo(valid) if valid else timezone.get_default_timezone()
