"""The Desk client's token provider for a connection: decrypts, and refreshes once under a row lock.

Zoho lets a refresh token mint only a handful of access tokens per few minutes, so every thread,
request and worker must share one access token and refresh it exactly once when it runs out. The
refresh happens inside a transaction holding the connection's row lock (``select_for_update`` on
PostgreSQL; on SQLite the ``IMMEDIATE`` transaction mode takes the database's write lock); whoever
gets the lock second re-reads the row and uses the token the first one stored. Threads of one
process first queue on a process-local lock per connection, so they do not pile up on the database.
"""

import logging
import threading
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from apps.connections.models import DeskConnection
from apps.core.services import audit_record
from apps.desk import accounts
from apps.desk.errors import DeskAuthError, DeskNetworkError
from apps.desk.transport import Transport
from apps.ops import hooks as ops_hooks

logger = logging.getLogger(__name__)


_LOCKS: dict[int, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def _process_lock(connection_id: int) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(connection_id, threading.Lock())


class ConnectionUnavailable(Exception):
    """The connection cannot give a token (disconnected, needs re-consent, or the refresh failed).

    Translated into the Desk client's error types by ``_desk_error`` so callers catch one hierarchy.
    """

    def __init__(self, message: str, *, needs_reconsent: bool = False) -> None:
        super().__init__(message)
        self.needs_reconsent = needs_reconsent


def refresh_margin() -> timedelta:
    """How long before expiry a token counts as spent (so a call never starts with a dying token)."""
    return timedelta(seconds=settings.CONNECTIONS_REFRESH_MARGIN_SECONDS)


def _token_is_fresh(connection: DeskConnection) -> bool:
    expires_at = connection.access_token_expires_at
    return (
        bool(connection.access_token_encrypted)
        and expires_at is not None
        and expires_at - refresh_margin() > timezone.now()
    )


def _desk_error(exc: ConnectionUnavailable) -> DeskAuthError | DeskNetworkError:
    """The Desk client's own error for this failure."""
    error = DeskAuthError(str(exc)) if exc.needs_reconsent else DeskNetworkError(str(exc))
    error.__cause__ = exc
    return error


class ConnectionTokenProvider:
    """Implements apps.desk.client.TokenProvider for one DeskConnection."""

    def __init__(self, connection: DeskConnection, *, transport: Transport | None = None) -> None:
        self._connection_id = connection.pk
        self._transport = transport
        self._token = ""
        self._expires_at: datetime | None = None
        if _token_is_fresh(connection):
            self._token = connection.get_access_token()
            self._expires_at = connection.access_token_expires_at

    def __repr__(self) -> str:
        return f"<ConnectionTokenProvider connection={self._connection_id}>"

    def access_token(self) -> str:
        if self._token and self._expires_at and self._expires_at - refresh_margin() > timezone.now():
            return self._token
        return self._refresh(rejected="")

    def refresh_access_token(self, *, rejected: str) -> str:
        return self._refresh(rejected=rejected or self._token or "")

    def _refresh(self, *, rejected: str) -> str:
        try:
            token, expires_at = refresh_connection_token(
                connection_id=self._connection_id, rejected=rejected, transport=self._transport
            )
        except ConnectionUnavailable as exc:
            raise _desk_error(exc) from exc
        self._token, self._expires_at = token, expires_at
        return token


def refresh_connection_token(
    *, connection_id: int, rejected: str = "", transport: Transport | None = None
) -> tuple[str, datetime | None]:
    """A usable access token for the connection and its expiry, refreshing at most once across workers.

    ``rejected`` is a token Desk refused: if the stored token is still that one it is refreshed even
    though it has not expired; if another worker already replaced it, the stored one is returned.
    Raises ConnectionUnavailable; a rejected refresh token moves the connection to needs_reconsent.
    """
    with _process_lock(connection_id):
        return _refresh_locked(connection_id=connection_id, rejected=rejected, transport=transport)


@sensitive_variables()
def _refresh_locked(
    *, connection_id: int, rejected: str, transport: Transport | None
) -> tuple[str, datetime | None]:
    failure: ConnectionUnavailable | None = None
    with transaction.atomic():
        connection = DeskConnection.objects.select_for_update().filter(pk=connection_id).first()
        if connection is None:
            raise ConnectionUnavailable("This Desk connection no longer exists.")
        if not connection.has_refresh_token or connection.status in {
            DeskConnection.Status.DISCONNECTED,
            DeskConnection.Status.NEEDS_RECONSENT,
        }:
            raise ConnectionUnavailable(
                f"The connection to {connection.org_name} needs an admin to reconnect it.",
                needs_reconsent=connection.status != DeskConnection.Status.DISCONNECTED,
            )
        current = connection.get_access_token()
        if _token_is_fresh(connection) and current != rejected:
            return current, connection.access_token_expires_at
        try:
            grant = accounts.refresh(
                accounts_url=connection.accounts_url,
                client_id=connection.client_id,
                client_secret=connection.get_client_secret(),
                refresh_token=connection.get_refresh_token(),
                transport=transport,
            )
        except accounts.OAuthInvalidGrant as exc:
            failure = ConnectionUnavailable(
                f"Desk no longer accepts the connection to {connection.org_name}; an admin must reconnect it.",
                needs_reconsent=True,
            )
            _mark_needs_reconsent(connection, reason=str(exc))
            ops_hooks.token_refresh_failed(reason="invalid_grant")
        except accounts.OAuthError as exc:
            failure = ConnectionUnavailable(f"Could not refresh the Desk access token: {exc}")
            connection.last_error = str(exc)[:500]
            connection.save(update_fields=["last_error", "updated_at"])
            logger.warning("token refresh failed for connection %s: %s", connection.pk, exc)
            ops_hooks.token_refresh_failed(reason="error")
        else:
            now = timezone.now()
            expires_at = now + timedelta(seconds=grant.expires_in)
            connection.set_access_token(grant.access_token, expires_at=expires_at)
            connection.token_refreshed_at = now
            if connection.status == DeskConnection.Status.ERROR:
                connection.status = DeskConnection.Status.HEALTHY
            connection.last_error = ""
            connection.save(
                update_fields=[
                    "access_token_encrypted",
                    "access_token_expires_at",
                    "token_refreshed_at",
                    "status",
                    "last_error",
                    "updated_at",
                ]
            )
            logger.info("access token refreshed for connection %s", connection.pk)
            return grant.access_token, expires_at
    # Raised outside the atomic block so the status change above is committed, not rolled back.
    assert failure is not None
    raise failure


def _mark_needs_reconsent(connection: DeskConnection, *, reason: str) -> None:

    connection.status = DeskConnection.Status.NEEDS_RECONSENT
    connection.access_token_encrypted = ""
    connection.access_token_expires_at = None
    connection.last_error = reason[:500]
    connection.save(
        update_fields=[
            "status",
            "access_token_encrypted",
            "access_token_expires_at",
            "last_error",
            "updated_at",
        ]
    )
    audit_record(
        actor=None,
        action="connection.needs_reconsent",
        org_id=connection.org_id,
        target_type="connection",
        target_id=connection.pk,
        outcome="failure",
        message=f"Token refresh rejected for {connection.org_name}: {reason}",
        api_calls=1,
    )
    logger.warning("connection %s needs re-consent: %s", connection.pk, reason)
