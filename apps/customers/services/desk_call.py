"""One audited Desk call on a customer record: the shape every contact and account write shares."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User

from apps.connections.models import DeskConnection
from apps.connections.services import desk_client_for
from apps.core.models import AuditEntry
from apps.core.services import audit_record
from apps.desk.client import DeskClient
from apps.desk.errors import CreditsExhausted, DeskError, DeskOutcomeUnknown, RateLimited


def customer_desk_call[R](
    *,
    actor: User,
    connection: DeskConnection,
    action: str,
    target_type: str,
    target_id: str,
    call: Callable[[DeskClient], R],
    detail: dict[str, Any] | None = None,
) -> R:
    """Run ``call(client)`` once on a client of ``connection``; record success or failure (with Desk's
    message and the credits the client counted) in the audit log. Returns Desk's answer.

    A call whose answer was lost (``DeskOutcomeUnknown``) is recorded with the outcome ``unknown``: Desk may
    have done it, and a later entry settles it (``services.unknown``)."""
    with desk_client_for(connection) as desk:
        before = desk.credits_spent
        try:
            result = call(desk)
        except DeskError as error:
            spent = isinstance(error, CreditsExhausted) or (
                isinstance(error, RateLimited) and (error.error_code or "").upper() == "THRESHOLD_EXCEEDED"
            )
            lost = isinstance(error, DeskOutcomeUnknown)
            audit_record(
                actor=actor,
                action=action,
                org_id=connection.org_id,
                target_type=target_type,
                target_id=target_id,
                outcome=AuditEntry.Outcome.UNKNOWN if lost else AuditEntry.Outcome.FAILURE,
                message="Desk's answer was lost; it may have saved this. Checking."
                if lost
                else error.message,
                api_calls=1,
                credits=0 if spent else max(desk.credits_spent - before, 1),
                detail={**(detail or {}), "error_code": error.error_code or "", "status": error.status},
            )
            raise
        audit_record(
            actor=actor,
            action=action,
            org_id=connection.org_id,
            target_type=target_type,
            target_id=target_id or _answer_id(result),
            api_calls=1,
            credits=max(desk.credits_spent - before, 1),
            detail=detail or {},
        )
        return result


def _answer_id(result: object) -> str:
    return str(getattr(result, "id", "") or "")
