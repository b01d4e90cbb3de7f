"""Connection writes: save connected orgs (consent or Self Client), disconnect, rotate keys, build Desk clients."""

import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from apps.connections import crypto, hooks
from apps.connections.models import ENCRYPTED_FIELDS, DeskConnection, valid_zone
from apps.connections.tokens import ConnectionTokenProvider
from apps.core.services import audit_record
from apps.desk import accounts
from apps.desk.client import DeskClient
from apps.desk.datacenters import DATA_CENTERS, SANDBOX, DataCenter, data_center, sandbox_data_center
from apps.desk.errors import DeskAuthError, DeskError
from apps.desk.transport import Transport

if TYPE_CHECKING:
    from apps.desk.client import DeskClient

logger = logging.getLogger(__name__)

# Sent after an admin connects (or reconnects) an org; the sync app queues the first sync on it.
# Arguments: connection (DeskConnection), created (bool), actor (the user).
connection_connected = Signal()

# Scopes as Desk names them, with the plain words shown on the connect page.
SCOPE_CHOICES: list[tuple[str, str]] = [
    ("Desk.tickets.ALL", "Tickets: read and write"),
    ("Desk.contacts.ALL", "Contacts and accounts: read and write"),
    ("Desk.basic.ALL", "Basic: organizations, agents, departments, teams"),
    ("Desk.settings.ALL", "Settings: SLA policies, business hours"),
    ("Desk.search.READ", "Search"),
    ("Desk.events.ALL", "Webhooks (event subscriptions)"),
    ("Desk.accounts.ALL", "Accounts (older scope name, some orgs need it)"),
    ("Desk.tickets.READ", "Tickets: read only"),
    ("Desk.contacts.READ", "Contacts: read only"),
    ("Desk.basic.READ", "Basic: read only"),
]
DEFAULT_SCOPES: list[str] = [
    "Desk.tickets.ALL",
    "Desk.contacts.ALL",
    "Desk.basic.ALL",
    "Desk.settings.ALL",
    "Desk.search.READ",
    "Desk.events.ALL",
]


# --- data centers and which hosts may receive secrets -----------------------------------------------
def sandbox_enabled() -> bool:
    return bool(settings.DESK_SANDBOX)


def data_center_choices() -> list[tuple[str, str]]:
    choices = [(dc.code, f"{dc.label} ({urlsplit(dc.api_domain).hostname})") for dc in DATA_CENTERS.values()]
    if sandbox_enabled():
        choices.insert(0, (SANDBOX, "Sandbox (built-in emulator)"))
    return choices


def data_center_for(code: str, *, origin: str) -> DataCenter:
    """The data center, with the sandbox served from this console's own origin. KeyError if unknown."""
    if code == SANDBOX and not sandbox_enabled():
        raise KeyError(code)
    return data_center(code, site_url=origin)


def _sandbox_origins(origin: str) -> set[str]:
    if not sandbox_enabled():
        return set()
    return {origin.rstrip("/"), settings.SITE_URL.rstrip("/")} - {""}


def trusted_accounts_url(candidate: str, *, origin: str) -> str | None:
    """``candidate`` if it is a known Zoho accounts server or this console's sandbox, else None.

    The callback's ``accounts-server`` parameter comes from the browser: the client secret is only
    ever sent to a server on this list.
    """
    wanted = candidate.strip().rstrip("/")
    known = {dc.accounts_url for dc in DATA_CENTERS.values()}
    known |= {sandbox_data_center(o).accounts_url for o in _sandbox_origins(origin)}
    return wanted if wanted in known else None


def trusted_api_domain(candidate: str, *, dc: DataCenter, origin: str) -> str:
    """The API domain to store: the token response's ``api_domain`` when it is a Desk host we know.

    Zoho answers ``https://www.zohoapis.<tld>``, the generic API gateway; Desk's own API lives on
    ``desk.zoho.<tld>``, so a zohoapis domain maps to the Desk domain of the same region. Anything
    unknown falls back to the data center's Desk domain: the access token never goes elsewhere.
    """
    wanted = candidate.strip().rstrip("/")
    if not wanted:
        return dc.api_domain
    known = {d.api_domain for d in DATA_CENTERS.values()}
    known |= {sandbox_data_center(o).api_domain for o in _sandbox_origins(origin)}
    if wanted in known:
        return wanted
    parts = urlsplit(wanted)
    for code, suffix in ZOHOAPIS_SUFFIXES.items():
        if parts.scheme == "https" and parts.hostname == f"www.zohoapis.{suffix}":
            return DATA_CENTERS[code].api_domain
    logger.warning("ignoring unexpected api_domain from the accounts server")
    return dc.api_domain


# Zoho's generic API gateway per region, which token responses name as their api_domain.
ZOHOAPIS_SUFFIXES = {
    "us": "com",
    "eu": "eu",
    "in": "in",
    "au": "com.au",
    "jp": "jp",
    "ca": "ca",
    "cn": "com.cn",
}


def data_center_for_location(location: str) -> DataCenter | None:
    """Zoho's ``location`` callback parameter (us, eu, in, au, jp, ca, cn) as a data center."""
    return DATA_CENTERS.get(location.strip().lower())


def default_client(code: str) -> tuple[str, str]:
    """The OAuth client id and secret used when the admin enters none."""
    if code == SANDBOX:
        return settings.SANDBOX_CLIENT_ID, settings.SANDBOX_CLIENT_SECRET
    return settings.ZOHO_CLIENT_ID, settings.ZOHO_CLIENT_SECRET


# --- a consent that has been exchanged for tokens, before the admin picks orgs ----------------------
@dataclass
class Grant:
    """Tokens from one consent, with the orgs they reach. Secrets are held encrypted, even in the session."""

    grant_id: str
    data_center: str
    accounts_url: str
    api_domain: str
    client_id: str
    client_secret_encrypted: str = field(repr=False)
    refresh_token_encrypted: str = field(repr=False)
    access_token_encrypted: str = field(repr=False)
    access_token_expires_at: str  # ISO 8601
    scopes: list[str]
    orgs: list[dict[str, str]]  # [{"id", "name", "edition", "time_zone"}]
    reconnect_id: int | None = None

    def as_session(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_session(cls, data: Any) -> "Grant | None":
        if not isinstance(data, dict):
            return None
        try:
            return cls(**data)
        except TypeError:
            return None


def organizations_fetch(
    *, api_base_url: str, access_token: str, transport: Transport | None = None
) -> list[dict[str, str]]:
    """The orgs an access token reaches (``GET /organizations``, through the Desk client)."""

    provider = _StaticTokenProvider(access_token)
    with DeskClient(
        api_base_url=api_base_url, org_id=None, token_provider=provider, transport=transport
    ) as client:
        organizations = client.organizations()
    return [
        {
            "id": str(org.id),
            "name": str(getattr(org, "company_name", "") or getattr(org, "name", "") or org.id),
            "edition": str(getattr(org, "edition", "") or ""),
            "time_zone": valid_zone(getattr(org, "time_zone", None)),
        }
        for org in organizations
    ]


class _StaticTokenProvider:
    """A just-issued token before any connection row exists: nothing to refresh it with."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __repr__(self) -> str:
        return "<_StaticTokenProvider>"

    def access_token(self) -> str:
        return self._token

    def refresh_access_token(self, *, rejected: str) -> str:

        raise DeskAuthError("Desk refused the token it just issued; try connecting again.")


# --- writes ------------------------------------------------------------------------------------------
def connections_save(*, actor: User, grant: Grant, org_ids: list[str]) -> list[DeskConnection]:
    """Create or update one connection per chosen org from the grant, audit each, signal the sync."""
    orgs = {org["id"]: org for org in grant.orgs}
    chosen = [org_id for org_id in dict.fromkeys(org_ids) if org_id in orgs]
    if not chosen:
        raise ValueError("Choose at least one org this consent reaches.")
    expires_at = datetime.fromisoformat(grant.access_token_expires_at)
    saved: list[tuple[DeskConnection, bool, str]] = []
    with transaction.atomic():
        for org_id in chosen:
            org = orgs[org_id]
            connection = DeskConnection.objects.select_for_update().filter(org_id=org_id).first()
            created = connection is None
            replaced_grant = ""
            if connection is None:
                connection = DeskConnection(org_id=org_id)
            elif connection.grant_id != grant.grant_id and connection.has_refresh_token:
                replaced_grant = connection.grant_id
            old_refresh = connection.refresh_token_encrypted if replaced_grant else ""
            connection.org_name = org["name"][:200]
            connection.edition = org.get("edition", "")[:40]
            connection.time_zone = valid_zone(org.get("time_zone")) or connection.time_zone
            connection.time_zone_checked_at = timezone.now()
            connection.data_center = grant.data_center
            connection.accounts_url = grant.accounts_url
            connection.api_domain = grant.api_domain
            connection.client_id = grant.client_id
            connection.client_secret_encrypted = grant.client_secret_encrypted
            connection.refresh_token_encrypted = grant.refresh_token_encrypted
            connection.access_token_encrypted = grant.access_token_encrypted
            connection.access_token_expires_at = expires_at
            connection.grant_id = grant.grant_id
            connection.scopes = list(grant.scopes)
            connection.status = DeskConnection.Status.HEALTHY
            connection.connected_by = actor if getattr(actor, "is_authenticated", False) else None
            connection.connected_at = timezone.now()
            connection.disconnected_at = None
            connection.last_error = ""
            connection.save()
            saved.append((connection, created, old_refresh))
    results = []
    for connection, created, old_refresh in saved:
        revoked = _revoke_if_unused(
            accounts_url=connection.accounts_url, refresh_token_encrypted=old_refresh, except_pk=None
        )
        audit_record(
            actor=actor,
            action="connection.connected" if created else "connection.reconnected",
            org_id=connection.org_id,
            target_type="connection",
            target_id=connection.pk,
            message=f"Connected {connection.org_name} ({connection.data_center})",
            api_calls=1 if revoked else 0,
            detail={"scopes": connection.scopes, "data_center": connection.data_center},
        )
        connection_connected.send(sender=DeskConnection, connection=connection, created=created, actor=actor)
        results.append(connection)
    return results


def granted_scopes(granted: str, *, requested: list[str]) -> list[str]:
    """The scopes a token answer reports (Zoho separates them by commas or spaces), else those asked for."""
    return [scope for scope in (granted.replace(" ", ",").split(",") if granted else requested) if scope]


@sensitive_variables()
def connection_self_client_connect(
    *,
    actor: User | None,
    data_center_code: str,
    origin: str,
    client_id: str,
    client_secret: str,
    grant_code: str,
    org_id: str,
    org_name: str,
    scopes: list[str],
    edition: str = "",
    time_zone: str = "",
    transport: Transport | None = None,
) -> DeskConnection:
    """Connect one org from a Self Client grant code (Zoho's API console makes them; so does the sandbox's
    ``sandbox_self_client`` command): exchange the code, store the tokens encrypted, audit when an actor is
    given. Unlike the consent flow it lists no orgs (the caller names the org) and queues no sync.

    The code is exchanged only at the named data center's accounts server (``origin`` locates the sandbox).
    Raises KeyError for an unknown data center and ``apps.desk.accounts.OAuthError`` when the code is refused.
    """
    dc = data_center_for(data_center_code, origin=origin)
    tokens = accounts.exchange_code(
        accounts_url=dc.accounts_url,
        client_id=client_id,
        client_secret=client_secret,
        redirect_uri="",  # a Self Client's code comes from the console, not from a redirect
        code=grant_code,
        transport=transport,
    )
    if not tokens.refresh_token:
        raise accounts.OAuthError("The accounts server issued no refresh token for this grant code.")
    now = timezone.now()
    with transaction.atomic():
        connection = DeskConnection.objects.select_for_update().filter(org_id=org_id).first()
        created = connection is None
        if connection is None:
            connection = DeskConnection(org_id=org_id)
        connection.org_name = org_name[:200]
        connection.edition = edition[:40]
        connection.time_zone = valid_zone(time_zone) or connection.time_zone
        connection.data_center = dc.code
        connection.accounts_url = dc.accounts_url
        connection.api_domain = trusted_api_domain(tokens.api_domain, dc=dc, origin=origin)
        connection.client_id = client_id
        connection.set_client_secret(client_secret)
        connection.set_refresh_token(tokens.refresh_token)
        connection.set_access_token(
            tokens.access_token, expires_at=now + timedelta(seconds=tokens.expires_in)
        )
        connection.grant_id = secrets.token_hex(16)
        connection.scopes = granted_scopes(tokens.scope, requested=scopes)
        connection.status = DeskConnection.Status.HEALTHY
        connection.connected_by = actor if actor is not None and actor.is_authenticated else None
        connection.connected_at = now
        connection.disconnected_at = None
        connection.last_error = ""
        connection.save()
    if actor is not None:
        audit_record(
            actor=actor,
            action="connection.connected" if created else "connection.reconnected",
            org_id=connection.org_id,
            target_type="connection",
            target_id=connection.pk,
            message=f"Connected {connection.org_name} ({connection.data_center}) with a Self Client grant code",
            api_calls=1,
            detail={"scopes": connection.scopes, "data_center": connection.data_center, "self_client": True},
        )
    return connection


def grant_abandon(*, actor: User, grant: Grant) -> None:
    """The admin cancelled at the org picker: revoke the consent's refresh token unless a connection uses it."""
    revoked = _revoke_if_unused(
        accounts_url=grant.accounts_url, refresh_token_encrypted=grant.refresh_token_encrypted, except_pk=None
    )
    audit_record(
        actor=actor,
        action="connection.consent_abandoned",
        target_type="connection",
        message="Org selection cancelled; the consent's refresh token was revoked",
        api_calls=1 if revoked else 0,
    )


@sensitive_variables()
def _revoke_if_unused(*, accounts_url: str, refresh_token_encrypted: str, except_pk: int | None) -> bool:
    """Revoke a refresh token no connection stores any more. True when a revoke call was made."""
    if not refresh_token_encrypted:
        return False
    token = crypto.decrypt(refresh_token_encrypted)
    still_used = DeskConnection.objects.exclude(refresh_token_encrypted="")
    if except_pk is not None:
        still_used = still_used.exclude(pk=except_pk)
    if any(c.get_refresh_token() == token for c in still_used.only("refresh_token_encrypted")):
        return False
    try:
        accounts.revoke(accounts_url=accounts_url, refresh_token=token)
    except accounts.OAuthError as exc:
        logger.warning("could not revoke a replaced refresh token: %s", exc)
    return True


@dataclass
class Disconnected:
    connection: DeskConnection
    # What could not be cleaned up (a revoke Zoho refused, a webhook left on Desk), in sentences for the page.
    notices: list[str] = field(default_factory=list)


@sensitive_variables()
def connection_disconnect(*, actor: User | None, connection: DeskConnection) -> Disconnected:
    """Run the other apps' pre-disconnect steps (the webhooks app deletes DeskAdmin's webhooks on Desk while
    the tokens still work), revoke the refresh token at the accounts server, delete the tokens, keep the row
    and the audit.

    The token is deleted here even if a step or the revoke fails (the admin asked for it gone); the audit
    entry says whether Zoho confirmed the revoke, and the result's notices say what is left to do by hand.
    """
    notices = []
    if connection.status != DeskConnection.Status.DISCONNECTED and connection.has_refresh_token:
        notices = hooks.run_pre_disconnect(connection=connection, actor=actor)
    with transaction.atomic():
        connection = DeskConnection.objects.select_for_update().get(pk=connection.pk)
        refresh_token = connection.get_refresh_token() if connection.has_refresh_token else ""
        # Other orgs of the same consent share this refresh token: revoking it would cut them off too.
        shared = (
            DeskConnection.objects.exclude(pk=connection.pk)
            .filter(grant_id=connection.grant_id)
            .exclude(refresh_token_encrypted="")
            .exists()
            if connection.grant_id
            else False
        )
        connection.clear_tokens()
        connection.status = DeskConnection.Status.DISCONNECTED
        connection.disconnected_at = timezone.now()
        connection.last_error = ""
        connection.save()
    revoke_error = ""
    api_calls = 0
    if refresh_token and not shared:
        api_calls = 1
        try:
            accounts.revoke(accounts_url=connection.accounts_url, refresh_token=refresh_token)
        except accounts.OAuthError as exc:
            revoke_error = str(exc)
    if revoke_error:
        message = f"Disconnected {connection.org_name}; tokens deleted, but the revoke failed: {revoke_error}"
    elif shared:
        message = f"Disconnected {connection.org_name}; tokens deleted (the consent still serves other orgs)"
    else:
        message = f"Disconnected {connection.org_name}; refresh token revoked and tokens deleted"
    audit_record(
        actor=actor,
        action="connection.disconnected",
        org_id=connection.org_id,
        target_type="connection",
        target_id=connection.pk,
        outcome="failure" if revoke_error else "success",
        message=message,
        api_calls=api_calls,
    )
    if revoke_error:
        notices.insert(0, f"Zoho did not confirm the revoke of the refresh token: {revoke_error}")
    # Kept on the row so the disconnected org's page keeps saying what is left to do.
    connection.last_error = " ".join(notices)[:500]
    if notices:
        connection.save(update_fields=["last_error", "updated_at"])
    return Disconnected(connection=connection, notices=notices)


def connection_check(*, actor: User, connection: DeskConnection) -> DeskConnection:
    """Ask Desk for the connection's orgs (one call), record whether it answered, and keep the org's time
    zone from the answer."""

    client = desk_client_for(connection)
    outcome, message = "success", f"{connection.org_name} answered"
    try:
        organizations = client.organizations()
    except DeskAuthError as exc:
        outcome, message = "failure", f"Desk refused the connection: {exc}"
    except DeskError as exc:
        outcome, message = "failure", f"Desk did not answer: {exc}"
        connection.refresh_from_db()
        if connection.status == DeskConnection.Status.HEALTHY:
            connection.status = DeskConnection.Status.ERROR
            connection.last_error = str(exc)[:500]
            connection.save(update_fields=["status", "last_error", "updated_at"])
    else:
        _remember_zone(connection, organizations)
        connection.refresh_from_db()
        if connection.status == DeskConnection.Status.ERROR:
            connection.status = DeskConnection.Status.HEALTHY
            connection.last_error = ""
            connection.save(update_fields=["status", "last_error", "updated_at"])
    connection.refresh_from_db()
    audit_record(
        actor=actor,
        action="connection.checked",
        org_id=connection.org_id,
        target_type="connection",
        target_id=connection.pk,
        outcome=outcome,
        message=message,
        api_calls=1,
    )
    return connection


def connections_rotate_keys(*, actor: User | None = None) -> int:
    """Re-encrypt every stored secret with the newest key in ENCRYPTION_KEYS; returns rows changed."""
    changed = 0
    with transaction.atomic():
        for connection in DeskConnection.objects.select_for_update().order_by("pk"):
            for name in ENCRYPTED_FIELDS:
                setattr(connection, name, crypto.rotate(getattr(connection, name)))
            connection.save(update_fields=[*ENCRYPTED_FIELDS, "updated_at"])
            changed += 1
    audit_record(
        actor=actor,
        action="connection.keys_rotated",
        target_type="connection",
        message=f"Re-encrypted the secrets of {changed} connection(s) with the newest key",
        detail={"connections": changed},
    )
    return changed


def desk_client_for(
    connection: DeskConnection,
    *,
    priority: Literal["interactive", "background"] = "interactive",
    transport: Transport | None = None,
) -> "DeskClient":
    """The Desk client for a connection: every app gets its client here, never builds one itself."""

    return DeskClient(
        api_base_url=connection.api_base_url,
        org_id=connection.org_id,
        token_provider=ConnectionTokenProvider(connection),
        transport=transport,
        priority=priority,
        edition=connection.edition or None,  # caps concurrent calls at the edition's limit
    )


def _remember_zone(connection: DeskConnection, organizations: list[Any]) -> bool:
    """Store the org's ``timeZone`` from a ``GET /organizations`` answer; an absent or unknown zone keeps the
    stored one. True when it changed."""
    now = timezone.now()
    DeskConnection.objects.filter(pk=connection.pk).update(time_zone_checked_at=now)
    connection.time_zone_checked_at = now
    for org in organizations:
        if str(getattr(org, "id", "")) == connection.org_id:
            zone = valid_zone(getattr(org, "time_zone", None))
            if zone and zone != connection.time_zone:
                DeskConnection.objects.filter(pk=connection.pk).update(time_zone=zone)
                connection.time_zone = zone
                return True
    return False


def connection_zone_refresh(connection: DeskConnection, *, client: Any = None) -> bool:
    """Read the org's time zone again (one ``GET /organizations``; the sync calls it at most once a day per
    org). True when it changed; Desk's errors are the caller's to handle."""
    client = client or desk_client_for(connection, priority="background")
    return _remember_zone(connection, client.organizations())
