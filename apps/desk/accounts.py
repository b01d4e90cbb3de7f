"""Zoho Accounts, the OAuth server in front of Desk: authorize URL, code exchange, refresh, revoke.

These calls go to the accounts server, never to the Desk API, but through the Desk client's plumbing
(``apps.desk.transport``): the shared connection pool or a test's ``transport=``, its connect and pool
timeouts, the ``apps.desk`` logger, and errors in the DeskError hierarchy (``OAuthError`` and kin).
Zoho answers many errors with HTTP 200 and a body like ``{"error": "invalid_code"}``, so every answer's
body is inspected. No token, secret or code ever appears in an exception message or a log line.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

import httpx
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from apps.desk.errors import OAuthError, OAuthInvalidGrant, OAuthUnavailable
from apps.desk.transport import Transport, http_client_for, http_timeout, transport_for

__all__ = [
    "OAuthError",
    "OAuthInvalidGrant",
    "OAuthUnavailable",
    "TokenGrant",
    "authorization_url",
    "exchange_code",
    "pkce_pair",
    "refresh",
    "revoke",
]

logger = logging.getLogger("apps.desk")

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


def _log(*, operation: str, path: str, status: int | str, started: float) -> None:
    fields = {
        "operation": operation,
        "path": path,
        "status": status,
        "duration_ms": int((time.monotonic() - started) * 1000),
    }
    level = logging.INFO if isinstance(status, int) and status < 400 else logging.WARNING
    # The path only: the revoke URL's query carries the token.
    logger.log(
        level,
        "accounts_call operation=%(operation)s path=%(path)s status=%(status)s duration_ms=%(duration_ms)s",
        fields,
        extra={"accounts_call": fields},
    )


@sensitive_variables()
def _post(url: str, *, data: dict[str, str], operation: str, transport: Transport | None) -> httpx.Response:
    timeout = http_timeout(read=settings.CONNECTIONS_OAUTH_TIMEOUT, write=settings.CONNECTIONS_OAUTH_TIMEOUT)
    client, owned = http_client_for(transport_for("accounts", transport))
    path = urlsplit(url).path
    started = time.monotonic()
    try:
        response = client.post(url, data=data, headers={"Accept": "application/json"}, timeout=timeout)
    except httpx.HTTPError as exc:
        # The exception text may contain the URL (with a token for revoke): log only its class.
        _log(operation=operation, path=path, status=type(exc).__name__, started=started)
        raise OAuthUnavailable(f"The accounts server could not be reached ({type(exc).__name__}).") from None
    finally:
        if owned:
            client.close()
    _log(operation=operation, path=path, status=response.status_code, started=started)
    return response


@sensitive_variables()
def _token_request(
    url: str, *, data: dict[str, str], operation: str, transport: Transport | None
) -> TokenGrant:
    response = _post(url, data=data, operation=operation, transport=transport)
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        if status >= 500 or status == 429:
            raise OAuthUnavailable(f"The accounts server answered HTTP {status}.", status=status)
        raise OAuthError(f"The accounts server answered HTTP {status} without JSON.", status=status)
    error = str(body.get("error") or "")
    if error:
        # Zoho's "Access Denied" + "too many requests" is a rate limit, not a rejected grant.
        code = error.strip()
        description = str(body.get("error_description") or "")[:200]
        if code in INVALID_GRANT_ERRORS:
            raise OAuthInvalidGrant(
                f"The accounts server rejected the grant ({code}).", code=code, status=status
            )
        if status >= 500 or "too many" in description.lower() or code == "Access Denied":
            raise OAuthUnavailable(
                f"The accounts server is refusing for now ({code}).", code=code, status=status
            )
        raise OAuthError(f"The accounts server refused ({code}).", code=code, status=status)
    if status >= 400:
        cls = OAuthUnavailable if status >= 500 or status == 429 else OAuthError
        raise cls(f"The accounts server answered HTTP {status}.", status=status)
    access_token = body.get("access_token")
    if not isinstance(access_token, str) or not access_token:
        raise OAuthError("The accounts server's answer had no access token.", status=status)
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
    transport: Transport | None = None,
) -> TokenGrant:
    """Trade an authorization (or Self Client) grant code for tokens. ``redirect_uri`` "" for a Self Client."""
    data = {
        "grant_type": "authorization_code",
        "client_id": client_id,
        "client_secret": client_secret,
        "redirect_uri": redirect_uri,
        "code": code,
    }
    if code_verifier:
        data["code_verifier"] = code_verifier
    return _token_request(
        f"{accounts_url.rstrip('/')}/oauth/v2/token",
        data=data,
        operation="authorization_code",
        transport=transport,
    )


@sensitive_variables()
def refresh(
    *,
    accounts_url: str,
    client_id: str,
    client_secret: str,
    refresh_token: str,
    transport: Transport | None = None,
) -> TokenGrant:
    data = {
        "grant_type": "refresh_token",
        "client_id": client_id,
        "client_secret": client_secret,
        "refresh_token": refresh_token,
    }
    return _token_request(
        f"{accounts_url.rstrip('/')}/oauth/v2/token",
        data=data,
        operation="refresh_token",
        transport=transport,
    )


@sensitive_variables()
def revoke(*, accounts_url: str, refresh_token: str, transport: Transport | None = None) -> None:
    """Revoke a refresh token (and the access tokens it minted). Raises OAuthError on failure."""
    # Zoho documents only the query form (`POST /oauth/v2/token/revoke?token=`; body-only is not documented,
    # so a revoke could silently fail), so the token stays in the URL, and in the body too, harmlessly. What
    # logs URLs keeps it out: gunicorn's access line has no query string (deskadmin/gunicorn_conf.py), the
    # sandbox's request log redacts it, and our own log line names the path only.
    url = f"{accounts_url.rstrip('/')}/oauth/v2/token/revoke?{urlencode({'token': refresh_token})}"
    response = _post(url, data={"token": refresh_token}, operation="revoke", transport=transport)
    status = response.status_code
    if status >= 500:
        raise OAuthUnavailable(f"The accounts server answered HTTP {status}.", status=status)
    try:
        body = response.json()
    except ValueError:
        body = {}
    error = str(body.get("error") or "") if isinstance(body, dict) else ""
    if status >= 400 or error:
        raise OAuthError(
            f"The accounts server did not revoke the token ({error or status}).", code=error, status=status
        )
