"""Zoho Accounts OAuth calls (authorize URL, code exchange, refresh, revoke) as plain httpx form POSTs.

This talks to the accounts server, never to the Desk API. Zoho answers many errors with HTTP 200 and
a body like ``{"error": "invalid_code"}``, so every answer's body is inspected. No token, secret or
code ever appears in an exception message or a log line.
"""

import base64
import hashlib
import logging
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlencode

import httpx
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

logger = logging.getLogger(__name__)

# Answers that mean "this code / refresh token / client is no longer accepted": only a person
# consenting again can fix them. Anything else (rate limits, outages) is worth retrying later.
INVALID_GRANT_ERRORS = frozenset(
    {
        "invalid_code",
        "invalid_grant",
        "invalid_client",
        "invalid_client_secret",
        "invalid_refresh_token",
        "unauthorized_client",
        "invalid_redirect_uri",
    }
)

# Tests swap this for an httpx.MockTransport; None means real network.
TRANSPORT: httpx.BaseTransport | None = None


class OAuthError(Exception):
    """The accounts server refused or failed. ``code`` is Zoho's error name (safe to show)."""

    def __init__(self, message: str, *, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class OAuthInvalidGrant(OAuthError):
    """The code, refresh token or client was rejected: the admin must consent again."""


class OAuthUnavailable(OAuthError):
    """The accounts server could not be reached, or answered 5xx / too many requests."""


@dataclass(frozen=True)
class TokenGrant:
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)  # "" on a refresh grant
    expires_in: int
    api_domain: str
    scope: str = ""


def pkce_pair() -> tuple[str, str]:
    """A PKCE code verifier and its S256 challenge (RFC 7636)."""
    verifier = secrets.token_urlsafe(64)[:96]
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return verifier, challenge


def authorization_url(
    *,
    accounts_url: str,
    client_id: str,
    scopes: list[str],
    redirect_uri: str,
    state: str,
    code_challenge: str = "",
) -> str:
    params = {
        "response_type": "code",
        "client_id": client_id,
        "scope": ",".join(scopes),
        "redirect_uri": redirect_uri,
        "access_type": "offline",
        # Without prompt=consent Zoho issues no refresh token when the user consented before.
        "prompt": "consent",
        "state": state,
    }
    if code_challenge:
        params["code_challenge"] = code_challenge
        params["code_challenge_method"] = "S256"
    return f"{accounts_url.rstrip('/')}/oauth/v2/auth?{urlencode(params)}"


def _timeout() -> httpx.Timeout:
    return httpx.Timeout(getattr(settings, "CONNECTIONS_OAUTH_TIMEOUT", 15.0))


@sensitive_variables()
def _post(url: str, *, data: dict[str, str], transport: httpx.BaseTransport | None) -> httpx.Response:
    try:
        with httpx.Client(transport=transport or TRANSPORT, timeout=_timeout()) as client:
            return client.post(url, data=data, headers={"Accept": "application/json"})
    except httpx.HTTPError as exc:
        # The exception text may contain the URL (with a token for revoke): log only its class.
        logger.warning("accounts server unreachable: %s", type(exc).__name__)
        raise OAuthUnavailable(f"The accounts server could not be reached ({type(exc).__name__}).") from None


@sensitive_variables()
def _token_request(url: str, *, data: dict[str, str], transport: httpx.BaseTransport | None) -> TokenGrant:
    response = _post(url, data=data, transport=transport)
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        if response.status_code >= 500 or response.status_code == 429:
            raise OAuthUnavailable(f"The accounts server answered HTTP {response.status_code}.")
        raise OAuthError(f"The accounts server answered HTTP {response.status_code} without JSON.")
    error = str(body.get("error") or "")
    if error:
        # Zoho's "Access Denied" + "too many requests" is a rate limit, not a rejected grant.
        code = error.strip()
        description = str(body.get("error_description") or "")[:200]
        if code in INVALID_GRANT_ERRORS:
            raise OAuthInvalidGrant(f"The accounts server rejected the grant ({code}).", code=code)
        if response.status_code >= 500 or "too many" in description.lower() or code == "Access Denied":
            raise OAuthUnavailable(f"The accounts server is refusing for now ({code}).", code=code)
        raise OAuthError(f"The accounts server refused ({code}).", code=code)
    if response.status_code >= 400:
        cls = OAuthUnavailable if response.status_code >= 500 or response.status_code == 429 else OAuthError
        raise cls(f"The accounts server answered HTTP {response.status_code}.")
    access_token = body.get("access_token")
    if not isinstance(access_token, str) or not access_token:
        raise OAuthError("The accounts server's answer had no access token.")
    try:
        expires_in = int(body.get("expires_in") or 3600)
    except (TypeError, ValueError):
        expires_in = 3600
    return TokenGrant(
        access_token=access_token,
        refresh_token=str(body.get("refresh_token") or ""),
        expires_in=expires_in,
        api_domain=str(body.get("api_domain") or ""),
        scope=str(body.get("scope") or ""),
    )


@sensitive_variables()
def exchange_code(
    *,
    accounts_url: str,
    client_id: str,
    client_secret: str,
    redirect_uri: str,
    code: str,
    code_verifier: str = "",
    transport: httpx.BaseTransport | None = None,
) -> TokenGrant:
    data = {
        "grant_type": "authorization_code",
        "client_id": client_id,
        "client_secret": client_secret,
        "redirect_uri": redirect_uri,
        "code": code,
    }
    if code_verifier:
        data["code_verifier"] = code_verifier
    return _token_request(f"{accounts_url.rstrip('/')}/oauth/v2/token", data=data, transport=transport)


@sensitive_variables()
def refresh(
    *,
    accounts_url: str,
    client_id: str,
    client_secret: str,
    refresh_token: str,
    transport: httpx.BaseTransport | None = None,
) -> TokenGrant:
    data = {
        "grant_type": "refresh_token",
        "client_id": client_id,
        "client_secret": client_secret,
        "refresh_token": refresh_token,
    }
    return _token_request(f"{accounts_url.rstrip('/')}/oauth/v2/token", data=data, transport=transport)


@sensitive_variables()
def revoke(*, accounts_url: str, refresh_token: str, transport: httpx.BaseTransport | None = None) -> None:
    """Revoke a refresh token (and the access tokens it minted). Raises OAuthError on failure."""
    # Zoho documents the token as a query parameter; it is sent in the form body too, harmlessly.
    url = f"{accounts_url.rstrip('/')}/oauth/v2/token/revoke?{urlencode({'token': refresh_token})}"
    response = _post(url, data={"token": refresh_token}, transport=transport)
    if response.status_code >= 500:
        raise OAuthUnavailable(f"The accounts server answered HTTP {response.status_code}.")
    try:
        body = response.json()
    except ValueError:
        body = {}
    error = str(body.get("error") or "") if isinstance(body, dict) else ""
    if response.status_code >= 400 or error:
        raise OAuthError(f"The accounts server did not revoke the token ({error or response.status_code}).")
