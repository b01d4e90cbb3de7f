"""Is a delivery from Desk? The ``X-ZDesk-JWT`` check: RS256 against the data center's JWKS (cached; fetched
again once when a token names an unknown ``kid``), ``iss`` = ``orgId:<org>``, ``aud`` = ``webhookId:<one of
ours>``, not expired. PyJWT does the cryptography."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import jwt
from django.core.cache import cache

from apps.connections.models import DeskConnection
from apps.desk.errors import DeskError
from apps.desk.jwks import jwks_fetch

logger = logging.getLogger(__name__)

HEADER = "X-ZDesk-JWT"
JWKS_TTL = 24 * 3600
# An unknown kid makes one refetch; the same unknown kid again within this window makes none.
REFETCH_WINDOW = 60
LEEWAY = 30  # seconds of clock difference tolerated on exp/iat


class Rejected(Exception):
    """The delivery is not verified; ``reason`` is a Delivery.Signature value."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Verified:
    webhook_id: str
    claims: dict[str, Any]


_lock = threading.Lock()
_parsed: dict[tuple[str, str], jwt.PyJWK] = {}  # (api_domain, kid) -> key, per process


def _cache_key(api_domain: str) -> str:
    return f"webhooks:jwks:{api_domain}"


def _keys(api_domain: str, *, refresh: bool = False) -> dict[str, dict[str, Any]]:
    jwks = None if refresh else cache.get(_cache_key(api_domain))
    if jwks is None:
        jwks = jwks_fetch(api_domain)
        cache.set(_cache_key(api_domain), jwks, JWKS_TTL)
    return {str(k.get("kid")): k for k in jwks.get("keys", []) if isinstance(k, dict) and k.get("kid")}


def _key_for(api_domain: str, kid: str) -> jwt.PyJWK:
    with _lock:
        parsed = _parsed.get((api_domain, kid))
    if parsed is not None:
        return parsed
    try:
        keys = _keys(api_domain)
        if kid not in keys and cache.add(f"webhooks:jwks-refetch:{api_domain}:{kid}", 1, REFETCH_WINDOW):
            keys = _keys(api_domain, refresh=True)
    except DeskError as exc:
        raise Rejected("unknown_kid", str(exc)) from exc
    if kid not in keys:
        raise Rejected("unknown_kid", "The token's key is not in the data center's JWKS.")
    try:
        parsed = jwt.PyJWK(keys[kid], algorithm="RS256")
    except jwt.PyJWKError as exc:
        raise Rejected("unknown_kid", "The data center's key could not be read.") from exc
    with _lock:
        _parsed[(api_domain, kid)] = parsed
    return parsed


def forget_keys() -> None:
    """Drop the parsed keys of this process (tests rotate the sandbox's keys)."""
    with _lock:
        _parsed.clear()


def verify_delivery(token: str, *, connection: DeskConnection, webhook_ids: Iterable[str]) -> Verified:
    """Verify a delivery's token for ``connection``, whose own webhooks are ``webhook_ids``; else Rejected."""
    if not token:
        raise Rejected("missing", "The delivery has no X-ZDesk-JWT header.")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise Rejected("invalid", "The X-ZDesk-JWT is not a JWT.") from exc
    if header.get("alg") != "RS256" or not isinstance(header.get("kid"), str):
        raise Rejected("invalid", "The token is not RS256 with a kid.")
    audiences = [f"webhookId:{webhook_id}" for webhook_id in webhook_ids]
    if not audiences:
        raise Rejected("wrong_aud", "This connection has no webhook of DeskAdmin's.")
    key = _key_for(connection.api_domain.rstrip("/"), header["kid"])
    try:
        claims = jwt.decode(
            token,
            key=key.key,
            algorithms=["RS256"],
            audience=audiences,
            issuer=f"orgId:{connection.org_id}",
            leeway=LEEWAY,
            options={"require": ["exp", "iat", "iss", "aud"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Rejected("expired", "The token has expired.") from exc
    except jwt.InvalidAudienceError as exc:
        raise Rejected("wrong_aud", "The token names a webhook DeskAdmin did not create.") from exc
    except jwt.InvalidIssuerError as exc:
        raise Rejected("wrong_iss", "The token was issued for another org.") from exc
    except jwt.PyJWTError as exc:
        raise Rejected("invalid", f"The token did not verify ({type(exc).__name__}).") from exc
    audience = claims["aud"] if isinstance(claims["aud"], str) else next(iter(claims["aud"]), "")
    return Verified(webhook_id=str(audience).removeprefix("webhookId:"), claims=claims)
