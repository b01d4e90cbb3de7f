"""Webhook authenticity helpers on Desk's side of the door: the data center's JWKS (fetched over HTTP, the
only network call here) and the source id DeskAdmin sends with its own calls.

* ``jwks_fetch(api_domain)`` reads ``<api_domain>/.well-known/jwks.json`` (real Desk publishes its signing
  keys there; the sandbox does the same under its own api_domain). Callers cache the answer.
* ``source_id_for(org_id)`` is the UUID this installation sends as the ``sourceId`` header on every Desk call;
  a webhook created with the same ``ignoreSourceId`` gets no events for changes DeskAdmin made itself (its
  writes already updated the mirror from Desk's answer).
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from django.conf import settings

from apps.desk.errors import DeskError
from apps.desk.transport import _SOURCE_NAMESPACE, Transport, http_client_for, http_timeout, transport_for

SOURCE_ID_HEADER = "sourceId"
JWKS_PATH = "/.well-known/jwks.json"


def source_id_for(org_id: str | int | None) -> str:
    """The same value DeskHttp sends (the source id depends only on this installation's address and the org)."""
    return str(uuid.uuid5(_SOURCE_NAMESPACE, f"{settings.SITE_URL}|{org_id or ''}"))


def jwks_url(api_domain: str) -> str:
    return api_domain.rstrip("/") + JWKS_PATH


def jwks_fetch(api_domain: str, *, transport: Transport | None = None) -> dict[str, Any]:
    """The data center's public keys as a JWKS dict (``{"keys": [...]}``); DeskError when unreachable or bad."""
    client, owned = http_client_for(transport_for("desk", transport))
    try:
        response = client.get(jwks_url(api_domain), timeout=http_timeout(read=5.0, write=5.0))
    except httpx.HTTPError as exc:
        raise DeskError(f"Could not fetch the data center's webhook keys: {type(exc).__name__}") from exc
    finally:
        if owned:
            client.close()
    if response.status_code != 200:
        raise DeskError(f"The data center's webhook keys answered HTTP {response.status_code}.")
    try:
        body = response.json()
    except ValueError as exc:
        raise DeskError("The data center's webhook keys are not JSON.") from exc
    if not isinstance(body, dict) or not isinstance(body.get("keys"), list):
        raise DeskError("The data center's webhook keys are not a JWKS.")
    return body
