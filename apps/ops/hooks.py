"""What other apps call to feed the metrics: one function per event, nothing else to import.

This module imports no app: ``apps.desk`` (which imports nothing else) calls ``desk_call`` once per call, the
connections app ``token_refresh_failed``, the webhooks app ``webhook_delivery``. Each is cheap, never raises
and never receives a token or a secret (only an org id, an operation's path *template*, numbers).
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

_TRANSPORT_OUTCOMES = {"ConnectTimeout": "timeout", "ReadTimeout": "timeout", "WriteTimeout": "timeout"}


def desk_outcome(status: int | str) -> str:
    """A small, fixed set of outcomes: ok, client_error, unauthorized, rate_limited, server_error, timeout,
    network_error."""
    if isinstance(status, str):
        return _TRANSPORT_OUTCOMES.get(status, "network_error")
    if status < 400:
        return "ok"
    if status == 401:
        return "unauthorized"
    if status == 429:
        return "rate_limited"
    if status >= 500:
        return "server_error"
    return "client_error"


def desk_call(
    *,
    method: str,
    path_template: str,
    status: int | str,
    duration_s: float,
    org: str,
    credits: int,
    priority: str,
) -> None:
    """One Desk API attempt finished (or failed on the network)."""
    try:
        from apps.ops import metrics

        operation = f"{method.upper()} {path_template}"
        metrics.DESK_CALLS.labels(operation=operation, outcome=desk_outcome(status)).inc()
        metrics.DESK_LATENCY.labels(operation=operation).observe(max(0.0, duration_s))
        if credits:
            metrics.DESK_CREDITS.labels(org=org or "-", priority=priority).inc(credits)
    except Exception:  # metrics never break a Desk call
        logger.debug("desk call metric dropped", exc_info=True)


def token_refresh_failed(*, reason: str) -> None:
    """An access-token refresh failed: ``invalid_grant`` (re-consent needed) or ``error`` (try again later)."""
    try:
        from apps.ops import metrics

        metrics.TOKEN_REFRESH_FAILURES.labels(reason=reason).inc()
    except Exception:
        logger.debug("token refresh metric dropped", exc_info=True)


def webhook_delivery(*, outcome: str, lag_s: float | None = None) -> None:
    """A webhook delivery was processed: its outcome, and (when applied) seconds from arrival to applied."""
    try:
        from apps.ops import metrics

        metrics.WEBHOOK_DELIVERIES.labels(outcome=outcome).inc()
        if lag_s is not None:
            metrics.WEBHOOK_LAG.observe(max(0.0, lag_s))
    except Exception:
        logger.debug("webhook metric dropped", exc_info=True)
