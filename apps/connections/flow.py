"""The OAuth authorization-code flow, bound to the admin's session: start, callback, pending grant.

State lives in the session (server side): each started flow is keyed by its random ``state``, holds
the PKCE verifier and the client secret (encrypted), and is used at most once. The callback only
exchanges a code for a state this session started, and only at a trusted accounts server.
"""

import contextlib
import secrets
import time
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.sessions.backends.base import SessionBase
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from apps.connections import crypto
from apps.connections.services import (
    Grant,
    data_center_for,
    data_center_for_location,
    granted_scopes,
    organizations_fetch,
    trusted_accounts_url,
    trusted_api_domain,
)
from apps.core.services import audit_record
from apps.desk import accounts
from apps.desk.datacenters import SANDBOX
from apps.desk.transport import Transport

PENDING_KEY = "connections_oauth_pending"
GRANT_KEY = "connections_oauth_grant"
# How long a started consent may take before its state is no longer accepted.
FLOW_MAX_AGE_SECONDS = 15 * 60
MAX_PENDING = 5


class FlowError(Exception):
    """The consent did not complete; the message is safe to show to the admin."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason  # "state", "denied", "error", "exchange", "organizations", "accounts_server"


def redirect_uri_for(origin: str) -> str:
    return f"{origin.rstrip('/')}/connections/oauth/callback/"


def pkce_enabled() -> bool:
    return bool(settings.CONNECTIONS_OAUTH_PKCE)


@sensitive_variables()
def flow_start(
    *,
    session: SessionBase,
    data_center_code: str,
    client_id: str,
    client_secret: str,
    scopes: list[str],
    origin: str,
    reconnect_id: int | None = None,
) -> str:
    """Remember a new consent in the session; return the accounts server URL to send the browser to."""
    dc = data_center_for(data_center_code, origin=origin)
    state = secrets.token_urlsafe(32)
    verifier, challenge = accounts.pkce_pair() if pkce_enabled() else ("", "")
    redirect_uri = redirect_uri_for(origin)
    pending = _pending(session)
    pending[state] = {
        "data_center": dc.code,
        "accounts_url": dc.accounts_url,
        "client_id": client_id,
        "client_secret_encrypted": crypto.encrypt(client_secret),
        "scopes": list(scopes),
        "code_verifier_encrypted": crypto.encrypt(verifier),
        "redirect_uri": redirect_uri,
        "origin": origin.rstrip("/"),
        "started": time.time(),
        "reconnect_id": reconnect_id,
    }
    # Keep only the newest few: abandoned consents must not pile up in the session.
    newest = sorted(pending.items(), key=lambda item: item[1]["started"], reverse=True)[:MAX_PENDING]
    session[PENDING_KEY] = dict(newest)
    return accounts.authorization_url(
        accounts_url=dc.accounts_url,
        client_id=client_id,
        scopes=list(scopes),
        redirect_uri=redirect_uri,
        state=state,
        code_challenge=challenge,
    )


def _pending(session: SessionBase) -> dict[str, dict[str, Any]]:
    now = time.time()
    stored = session.get(PENDING_KEY) or {}
    if not isinstance(stored, dict):
        return {}
    return {
        state: flow
        for state, flow in stored.items()
        if isinstance(flow, dict) and now - float(flow.get("started", 0)) < FLOW_MAX_AGE_SECONDS
    }


@sensitive_variables()
def flow_callback(
    *,
    session: SessionBase,
    params: Mapping[str, str],
    origin: str,
    actor: User,
    transport: Transport | None = None,
) -> Grant:
    """Check the callback, exchange the code, list the orgs; the Grant is also kept in the session."""
    state = str(params.get("state", ""))
    pending = _pending(session)
    flow = pending.pop(state, None) if state else None
    session[PENDING_KEY] = pending
    if flow is None:
        audit_record(
            actor=actor,
            action="connection.state_rejected",
            target_type="connection",
            outcome="denied",
            message="OAuth callback with an unknown, reused or expired state was refused",
        )
        raise FlowError(
            "This authorization response does not belong to a connection you started here (or it "
            "expired), so it was refused. Start again from “Connect an org”.",
            reason="state",
        )
    error = str(params.get("error", ""))
    if error:
        denied = error == "access_denied"
        audit_record(
            actor=actor,
            action="connection.consent_denied" if denied else "connection.consent_failed",
            target_type="connection",
            outcome="denied" if denied else "failure",
            message=f"The accounts server answered error={error[:60]}",
        )
        if denied:
            raise FlowError(
                "Access was denied on the consent page, so no org was connected. "
                "Choose “Connect an org” again and accept to connect.",
                reason="denied",
            )
        raise FlowError(f"The accounts server refused the request ({error[:60]}).", reason="error")
    code = str(params.get("code", ""))
    if not code:
        raise FlowError("The accounts server sent no authorization code. Start again.", reason="error")

    data_center = str(flow["data_center"])
    accounts_url = str(flow["accounts_url"])
    dc = data_center_for(data_center, origin=flow["origin"])
    # Multi-DC accounts: Zoho says where the user's data lives; the code is only valid there.
    location = str(params.get("location", ""))
    if data_center != SANDBOX and location:
        located = data_center_for_location(location)
        if located is not None:
            dc, data_center, accounts_url = located, located.code, located.accounts_url
    server = str(params.get("accounts-server", ""))
    if server:
        trusted = trusted_accounts_url(server, origin=flow["origin"])
        if trusted is None or (data_center == SANDBOX) != trusted.endswith("/sandbox/accounts"):
            audit_record(
                actor=actor,
                action="connection.consent_failed",
                target_type="connection",
                outcome="denied",
                message="OAuth callback named an accounts server that is not a known Zoho one",
                detail={"accounts_server": server[:200]},
            )
            raise FlowError(
                "The authorization response named an unknown accounts server, so the code was not used.",
                reason="accounts_server",
            )
        accounts_url = trusted

    client_secret = crypto.decrypt(flow["client_secret_encrypted"])
    try:
        tokens = accounts.exchange_code(
            accounts_url=accounts_url,
            client_id=flow["client_id"],
            client_secret=client_secret,
            redirect_uri=flow["redirect_uri"],
            code=code,
            code_verifier=crypto.decrypt(flow.get("code_verifier_encrypted", "")),
            transport=transport,
        )
    except accounts.OAuthError as exc:
        audit_record(
            actor=actor,
            action="connection.code_exchange_failed",
            target_type="connection",
            outcome="failure",
            message=str(exc),
            api_calls=1,
        )
        raise FlowError(
            f"Exchanging the authorization code failed: {exc} Start again.", reason="exchange"
        ) from None
    if not tokens.refresh_token:
        audit_record(
            actor=actor,
            action="connection.code_exchange_failed",
            target_type="connection",
            outcome="failure",
            message="The accounts server issued no refresh token",
            api_calls=1,
        )
        raise FlowError(
            "Zoho issued no refresh token, so the connection could not last. Start again (the consent "
            "must be given anew).",
            reason="exchange",
        )

    api_domain = trusted_api_domain(tokens.api_domain, dc=dc, origin=flow["origin"])
    try:
        orgs = organizations_fetch(
            api_base_url=f"{api_domain}/api/v1", access_token=tokens.access_token, transport=transport
        )
    except Exception as exc:  # any Desk error: the admin must see it, the grant is useless without orgs
        with contextlib.suppress(accounts.OAuthError):
            accounts.revoke(
                accounts_url=accounts_url, refresh_token=tokens.refresh_token, transport=transport
            )
        audit_record(
            actor=actor,
            action="connection.organizations_failed",
            target_type="connection",
            outcome="failure",
            message=f"Listing the orgs failed: {type(exc).__name__}: {str(exc)[:200]}",
            api_calls=3,
        )
        raise FlowError(
            f"Desk did not list the orgs for this consent ({exc}).", reason="organizations"
        ) from None

    grant = Grant(
        grant_id=secrets.token_hex(16),
        data_center=data_center,
        accounts_url=accounts_url,
        api_domain=api_domain,
        client_id=flow["client_id"],
        client_secret_encrypted=crypto.encrypt(client_secret),
        refresh_token_encrypted=crypto.encrypt(tokens.refresh_token),
        access_token_encrypted=crypto.encrypt(tokens.access_token),
        access_token_expires_at=(timezone.now() + timedelta(seconds=tokens.expires_in)).isoformat(),
        scopes=granted_scopes(tokens.scope, requested=flow["scopes"]),
        orgs=orgs,
        reconnect_id=flow.get("reconnect_id"),
    )
    session[GRANT_KEY] = grant.as_session()
    audit_record(
        actor=actor,
        action="connection.authorized",
        target_type="connection",
        message=f"Consent given on {data_center}; {len(orgs)} org(s) reachable",
        api_calls=2,
        detail={"data_center": data_center, "orgs": [o["id"] for o in orgs]},
    )
    return grant


def pending_grant(session: SessionBase) -> Grant | None:
    return Grant.from_session(session.get(GRANT_KEY))


def grant_discard(session: SessionBase) -> None:
    session.pop(GRANT_KEY, None)
