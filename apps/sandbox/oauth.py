"""Zoho Accounts OAuth logic for the sandbox: clients, grant codes, token minting, refresh limits, revocation."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.sandbox.models import (
    SANDBOX_DB,
    AccessToken,
    AuthorizationCode,
    OAuthClient,
    Org,
    RefreshToken,
    ZohoUser,
    hash_token,
)

DEMO_USER_EMAIL = "admin@deskadmin.local"
CONSOLE_CALLBACK_PATH = "/connections/oauth/callback/"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}

# Scopes as Zoho names them, with the words the consent page shows.
SCOPE_DESCRIPTIONS = {
    "Desk.tickets.ALL": "Full access to tickets",
    "Desk.tickets.READ": "Read tickets",
    "Desk.tickets.CREATE": "Create tickets",
    "Desk.tickets.UPDATE": "Update tickets",
    "Desk.tickets.DELETE": "Delete tickets",
    "Desk.contacts.ALL": "Full access to contacts and accounts",
    "Desk.contacts.READ": "Read contacts and accounts",
    "Desk.contacts.WRITE": "Create and update contacts and accounts",
    "Desk.contacts.CREATE": "Create contacts and accounts",
    "Desk.contacts.UPDATE": "Update contacts and accounts",
    "Desk.contacts.DELETE": "Delete contacts and accounts",
    "Desk.accounts.ALL": "Full access to accounts",
    "Desk.basic.READ": "Read organizations, agents, departments and teams",
    "Desk.basic.ALL": "Manage organizations, agents, departments and teams",
    "Desk.settings.ALL": "Manage settings (SLA policies, agents, departments)",
    "Desk.settings.READ": "Read settings",
    "Desk.settings.UPDATE": "Update settings",
    "Desk.search.READ": "Search tickets, contacts and accounts",
    "Desk.events.ALL": "Manage webhooks",
    "Desk.events.READ": "Read webhooks",
    "Desk.events.CREATE": "Create webhooks",
    "Desk.events.UPDATE": "Update webhooks",
    "Desk.events.DELETE": "Delete webhooks",
    "Desk.agents.ALL": "Manage agents",
    "Desk.agents.READ": "Read agents",
    "Desk.agents.CREATE": "Add agents",
    "Desk.agents.UPDATE": "Update, activate and deactivate agents",
    "Desk.agents.DELETE": "Delete agents",
    "Desk.organization.READ": "Read organizations",
    "Desk.departments.READ": "Read departments",
    "Desk.teams.READ": "Read teams",
    "Desk.basic.CREATE": "Add agents, departments and teams",
    "Desk.basic.UPDATE": "Update agents, departments and teams",
    "Desk.basic.DELETE": "Delete agents",
    # Zoho Accounts' own scope for GET /oauth/user/info.
    "AaaServer.profile.READ": "Read your Zoho profile (name and email address)",
}
USER_INFO_SCOPE = "AaaServer.profile.READ"
# A self client's client_credentials grant names the Desk org it acts in: soid=Desk.<orgId>.
SOID_PREFIX = "Desk."
_CANONICAL_SCOPES = {scope.lower(): scope for scope in SCOPE_DESCRIPTIONS}


class OAuthError(Exception):
    """A Zoho Accounts error: `error` is Zoho's code ("invalid_code", ...), `status` the HTTP status."""

    def __init__(self, error: str, *, status: int = 200, description: str = "") -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.description = description

    def body(self) -> dict[str, str]:
        if self.error == "Access Denied":
            return {"error_description": self.description, "error": self.error, "status": "failure"}
        return {"error": self.error}


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    refresh_token: str | None
    scopes: tuple[str, ...]
    expires_in: int


def new_token() -> str:
    """A Zoho-looking token: 1000.<32 hex>.<32 hex>."""
    return f"1000.{secrets.token_hex(16)}.{secrets.token_hex(16)}"


def parse_scopes(raw: str) -> tuple[list[str], list[str]]:
    """Zoho takes comma-separated scopes (spaces tolerated): (known scopes, unknown ones)."""
    known: list[str] = []
    unknown: list[str] = []
    for part in raw.replace(" ", ",").split(","):
        part = part.strip()
        if not part:
            continue
        canonical = _CANONICAL_SCOPES.get(part.lower())
        if canonical is None:
            unknown.append(part)
        elif canonical not in known:
            known.append(canonical)
    return known, unknown


# ---------------------------------------------------------------------------------------------------
# Clients and users
# ---------------------------------------------------------------------------------------------------


def demo_client_ensure() -> OAuthClient:
    """The built-in demo client, with the id/secret from settings (known before any seed ran)."""
    client_id = settings.SANDBOX_CLIENT_ID
    secret = settings.SANDBOX_CLIENT_SECRET
    callback = settings.SITE_URL.rstrip("/") + CONSOLE_CALLBACK_PATH
    client, created = OAuthClient.objects.get_or_create(
        client_id=client_id,
        defaults={
            "client_secret": secret,
            "name": "DeskAdmin (demo)",
            "redirect_uris": [callback],
            "is_demo": True,
        },
    )
    if not created and (
        client.client_secret != secret or not client.is_demo or callback not in client.redirect_uris
    ):
        client.client_secret = secret
        client.is_demo = True
        client.redirect_uris = sorted({*client.redirect_uris, callback})
        client.save(update_fields=["client_secret", "is_demo", "redirect_uris"])
    return client


def client_lookup(client_id: str) -> OAuthClient | None:
    if not client_id:
        return None
    if client_id == settings.SANDBOX_CLIENT_ID:
        return demo_client_ensure()
    return OAuthClient.objects.filter(client_id=client_id).first()


def client_authenticate(*, client_id: str, client_secret: str) -> OAuthClient:
    client = client_lookup(client_id)
    if client is None or not hmac.compare_digest(
        client.client_secret.encode(), (client_secret or "").encode()
    ):
        raise OAuthError("invalid_client")
    return client


def redirect_uri_allowed(client: OAuthClient, redirect_uri: str) -> bool:
    """Exact registered URIs, as Zoho requires; the demo client also takes the console's callback path
    on any loopback origin, so tests on a live server on a random port can connect."""
    if not redirect_uri:
        return False
    if redirect_uri in (client.redirect_uris or []):
        return True
    if not client.is_demo:
        return False
    parts = urlsplit(redirect_uri)
    if parts.path != CONSOLE_CALLBACK_PATH or parts.query or parts.fragment:
        return False
    site = urlsplit(settings.SITE_URL)
    if (parts.scheme, parts.netloc) == (site.scheme, site.netloc):
        return True
    return parts.scheme == "http" and (parts.hostname or "") in LOOPBACK_HOSTS


def demo_user_ensure() -> ZohoUser:
    user, _ = ZohoUser.objects.get_or_create(
        email=DEMO_USER_EMAIL, defaults={"first_name": "Demo", "last_name": "Admin"}
    )
    return user


# The consent page's own sign-in, as Zoho Accounts asks for one before showing whose Desk is shared: the
# Zoho user's pk in the browser's session (never the console's user: anyone could open the page).
SESSION_USER = "sandbox_accounts_user"


def accounts_sign_in(*, email: str, password: str) -> ZohoUser | None:
    """The sandbox Zoho user for that email if the password is the sandbox's (SANDBOX_ACCOUNTS_PASSWORD,
    printed by the demo); None otherwise. Every sandbox user shares that one password: an emulator's login."""
    email = email.strip()
    if not email or not hmac.compare_digest(
        password.encode(), str(settings.SANDBOX_ACCOUNTS_PASSWORD).encode()
    ):
        return None
    if email.lower() == DEMO_USER_EMAIL:
        return demo_user_ensure()
    return ZohoUser.objects.filter(email__iexact=email).first()


def accounts_user(session: Any) -> ZohoUser | None:
    """Who is signed in to the sandbox's Zoho Accounts in this browser session, if anyone."""
    pk = session.get(SESSION_USER)
    return ZohoUser.objects.filter(pk=pk).first() if isinstance(pk, int) else None


def self_client_ensure() -> OAuthClient:
    client = OAuthClient.objects.filter(kind=OAuthClient.Kind.SELF).order_by("id").first()
    if client is None:
        client = OAuthClient.objects.create(
            client_id=f"1000.{secrets.token_hex(15).upper()}",
            client_secret=secrets.token_hex(21),
            name="Self Client",
            kind=OAuthClient.Kind.SELF,
        )
    return client


# ---------------------------------------------------------------------------------------------------
# Codes and tokens
# ---------------------------------------------------------------------------------------------------


def grant_code_create(
    *,
    client: OAuthClient,
    user: ZohoUser | None,
    org: Org | None,
    scopes: list[str],
    redirect_uri: str = "",
    access_type: str = "offline",
    code_challenge: str = "",
    code_challenge_method: str = "",
) -> str:
    """A one-time grant code valid 10 minutes; only its hash is stored."""
    code = new_token()
    now = timezone.now()
    AuthorizationCode.objects.create(
        code_hash=hash_token(code),
        client=client,
        user=user,
        org=org,
        scopes=list(scopes),
        redirect_uri=redirect_uri,
        access_type=access_type or "online",
        code_challenge=code_challenge,
        code_challenge_method=(code_challenge_method or ("plain" if code_challenge else "")),
        created_at=now,
        expires_at=now + AuthorizationCode.LIFETIME,
    )
    return code


def _pkce_matches(code: AuthorizationCode, verifier: str) -> bool:
    if not code.code_challenge:
        return True
    if not verifier:
        return False
    if code.code_challenge_method.upper() == "S256":
        digest = hashlib.sha256(verifier.encode()).digest()
        expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    else:
        expected = verifier
    return hmac.compare_digest(expected, code.code_challenge)


def _access_token_create(
    *,
    client: OAuthClient,
    refresh: RefreshToken | None,
    user: ZohoUser | None,
    org: Org | None,
    scopes: list[str],
) -> str:
    token = new_token()
    now = timezone.now()
    AccessToken.objects.create(
        token_hash=hash_token(token),
        client=client,
        refresh_token=refresh,
        user=user,
        org=org,
        scopes=list(scopes),
        created_at=now,
        expires_at=now + AccessToken.LIFETIME,
    )
    return token


def tokens_issue(
    *, client: OAuthClient, user: ZohoUser | None, org: Org | None, scopes: list[str], offline: bool = True
) -> IssuedTokens:
    """Mint an access token (and a refresh token when offline). Also what tests use to skip the browser."""
    refresh_value: str | None = None
    refresh: RefreshToken | None = None
    with transaction.atomic(using=SANDBOX_DB):
        if offline:
            refresh_value = new_token()
            refresh = RefreshToken.objects.create(
                token_hash=hash_token(refresh_value), client=client, user=user, org=org, scopes=list(scopes)
            )
            _drop_oldest_refresh_tokens(client=client, user=user)
        access_value = _access_token_create(client=client, refresh=refresh, user=user, org=org, scopes=scopes)
    return IssuedTokens(access_value, refresh_value, tuple(scopes), int(AccessToken.LIFETIME.total_seconds()))


def _drop_oldest_refresh_tokens(*, client: OAuthClient, user: ZohoUser | None) -> None:
    """Zoho keeps a limited number of refresh tokens per user and client; older ones stop working."""
    keep = int(settings.SANDBOX_MAX_REFRESH_TOKENS)
    live = RefreshToken.objects.filter(client=client, user=user, revoked_at__isnull=True).order_by(
        "-created_at", "-id"
    )
    stale_ids = list(live.values_list("id", flat=True)[keep:])
    if stale_ids:
        _revoke_refresh_ids(stale_ids)


def _revoke_refresh_ids(ids: list[int]) -> None:
    now = timezone.now()
    RefreshToken.objects.filter(id__in=ids, revoked_at__isnull=True).update(revoked_at=now)
    AccessToken.objects.filter(refresh_token_id__in=ids, revoked_at__isnull=True).update(revoked_at=now)


def code_exchange(
    *, client: OAuthClient, code: str, redirect_uri: str, code_verifier: str = ""
) -> IssuedTokens:
    """The authorization_code grant. The code works once; a second use is `invalid_code`."""
    if not code:
        raise OAuthError("invalid_code")
    with transaction.atomic(using=SANDBOX_DB):
        grant = AuthorizationCode.objects.select_for_update().filter(code_hash=hash_token(code)).first()
        if grant is None or grant.used_at is not None or grant.is_expired or grant.client_id != client.pk:
            raise OAuthError("invalid_code")
        if grant.redirect_uri and redirect_uri != grant.redirect_uri:
            raise OAuthError("invalid_redirect_uri")
        if not _pkce_matches(grant, code_verifier):
            raise OAuthError("invalid_grant", status=400)
        grant.used_at = timezone.now()
        grant.save(update_fields=["used_at"])
    return tokens_issue(
        client=client,
        user=grant.user,
        org=grant.org,
        scopes=list(grant.scopes),
        offline=grant.access_type == "offline",
    )


def refresh_exchange(*, client: OAuthClient, refresh_token: str) -> IssuedTokens:
    """The refresh_token grant: a new access token, no new refresh token, at most N per window."""
    refresh = (
        RefreshToken.objects.select_related("user", "org")
        .filter(token_hash=hash_token(refresh_token or ""))
        .first()
    )
    if refresh is None or refresh.revoked_at is not None or refresh.client_id != client.pk:
        raise OAuthError("invalid_code")
    limit = int(settings.SANDBOX_REFRESH_LIMIT)
    window = timedelta(seconds=int(settings.SANDBOX_REFRESH_WINDOW_SECONDS))
    with transaction.atomic(using=SANDBOX_DB):
        # Lock the refresh token's row so parallel refreshes are counted one by one.
        RefreshToken.objects.select_for_update().filter(pk=refresh.pk).first()
        recent = AccessToken.objects.filter(
            refresh_token=refresh, created_at__gte=timezone.now() - window
        ).count()
        if recent >= limit:
            raise OAuthError(
                "Access Denied",
                status=400,
                description="You have made too many requests continuously. Please try again after some time.",
            )
        access = _access_token_create(
            client=client, refresh=refresh, user=refresh.user, org=refresh.org, scopes=list(refresh.scopes)
        )
    return IssuedTokens(access, None, tuple(refresh.scopes), int(AccessToken.LIFETIME.total_seconds()))


def token_revoke(*, token: str) -> bool:
    """Revoke a refresh token and its access tokens (or a single access token). True if one was found."""
    digest = hash_token(token or "")
    refresh = RefreshToken.objects.filter(token_hash=digest).first()
    if refresh is not None:
        _revoke_refresh_ids([refresh.pk])
        return True
    return bool(
        AccessToken.objects.filter(token_hash=digest, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    )


# ---------------------------------------------------------------------------------------------------
# Self clients: the client_credentials grant, and the user-info endpoint
# ---------------------------------------------------------------------------------------------------


def client_credentials_issue(*, client: OAuthClient, soid: str, scope: str) -> IssuedTokens:
    """`grant_type=client_credentials` with `soid=Desk.<orgId>`: only a Self Client may use it, and it
    gets an access token (no refresh token) for that org, acting as the org's service (no user)."""
    if client.kind != OAuthClient.Kind.SELF:
        raise OAuthError("unauthorized_client", status=400)
    org = _soid_org(soid)
    scopes, unknown = parse_scopes(scope)
    if unknown or not scopes:
        raise OAuthError("invalid_scope", status=400)
    access = _access_token_create(client=client, refresh=None, user=None, org=org, scopes=scopes)
    return IssuedTokens(access, None, tuple(scopes), int(AccessToken.LIFETIME.total_seconds()))


def _soid_org(soid: str) -> Org:
    service, _, org_id = (soid or "").partition(".")
    if f"{service}." != SOID_PREFIX or not org_id.isdigit() or len(org_id) >= 19:
        raise OAuthError("invalid_request", status=400, description="soid must be Desk.<orgId>")
    org = Org.objects.filter(pk=int(org_id)).first()
    if org is None:
        raise OAuthError("invalid_request", status=400, description="no Desk org with that id")
    return org


def access_token_lookup(raw: str) -> AccessToken | None:
    """The live access token with this value, or None."""
    token = (
        AccessToken.objects.select_related("user", "client")
        .filter(token_hash=hash_token(raw or ""), revoked_at__isnull=True)
        .first()
    )
    if token is None or timezone.now() >= token.expires_at:
        return None
    return token


def user_info(token: AccessToken) -> dict[str, object]:
    """GET /oauth/user/info as Zoho Accounts answers it: First_Name, Last_Name, Display_Name, Email, ZUID."""
    user = token.user
    if user is None:
        raise OAuthError("invalid_token", status=401, description="the token belongs to no user")
    return {
        "First_Name": user.first_name,
        "Email": user.email,
        "Last_Name": user.last_name,
        "Display_Name": user.display_name,
        "ZUID": user.pk,
    }
