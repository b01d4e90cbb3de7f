"""The DeskError hierarchy: every failed Desk call (by HTTP status and errorCode) and Zoho Accounts call."""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime, timedelta
from typing import Any


class DeskError(Exception):
    """A Desk call failed. ``status`` is the HTTP status (None when no answer came back)."""

    def __init__(self, message: str, *, status: int | None = None, error_code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.error_code = error_code

    def __str__(self) -> str:
        parts = [self.message]
        if self.error_code:
            parts.append(f"[{self.error_code}]")
        if self.status is not None:
            parts.append(f"(HTTP {self.status})")
        return " ".join(parts)


class DeskAuthError(DeskError):
    """401: the access token was refused, even after one refresh and retry."""


class DeskScopeError(DeskError):
    """403: the token lacks a scope, or the user lacks the permission."""


class DeskNotFound(DeskError):
    """404: the record (or the URL) does not exist."""


class DeskValidationError(DeskError):
    """400/422: Desk refused the input; ``fields`` maps snake_case field names to messages."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error_code: str | None = None,
        fields: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message, status=status, error_code=error_code)
        self.fields: dict[str, str] = fields or {}


class DeskDuplicate(DeskError):
    """409 or a duplicate code: the record already exists."""


class RateLimited(DeskError):
    """429 (or our own budget said no): ``retry_at`` is when a call may succeed again."""

    def __init__(
        self,
        message: str,
        *,
        retry_at: datetime,
        status: int | None = 429,
        error_code: str | None = None,
        now: datetime | None = None,
    ) -> None:
        super().__init__(message, status=status, error_code=error_code)
        self.retry_at = retry_at
        self.retry_after = max(0.0, (retry_at - (now or datetime.now(UTC))).total_seconds())


class CreditsExhausted(RateLimited):
    """The org's API credits for the day are spent (429 ``THRESHOLD_EXCEEDED``), or the background share of
    them is. ``retry_at`` is the reset. Background work pauses until then (``CREDITS_PAUSED`` /
    ``BACKGROUND_SHARE_SPENT``: no request is sent); people's calls still go out while paused, and the
    first one Desk serves ends the pause (credits can come back early: an add-on bought mid-day)."""


class DeskServerError(DeskError):
    """5xx: Desk failed; retried for idempotent calls before this is raised."""


class DeskNetworkError(DeskError):
    """No usable answer: connection refused, DNS, timeouts, broken responses.

    Two subclasses say what that means for a write: ``DeskRequestNotSent`` (no byte of the request left
    this process: safe to send again) and ``DeskOutcomeUnknown`` (the request went out and its answer was
    lost: Desk may have saved it, so look before sending again). ``sent`` says which; None when unknown.
    """

    sent: bool | None = None


class DeskRequestNotSent(DeskNetworkError):
    """The request never reached Desk (connect failure, DNS, no free pooled connection): nothing was saved,
    and sending it again cannot make a second copy."""

    sent = False


class DeskOutcomeUnknown(DeskNetworkError):
    """The request was sent but its answer was lost (read timeout, connection reset or closed mid-answer,
    a gateway's 502/504): Desk may or may not have done it. A create must not be sent again until the
    caller has looked for what it would have made."""

    sent = True


class OAuthError(DeskError):
    """Zoho Accounts (authorize, code exchange, refresh, revoke) refused or failed.

    ``code`` is Zoho's error name (safe to show); it is also the DeskError's ``error_code``. The message
    already names it, so ``str()`` is the message alone. No token, secret or code is ever in it.
    """

    def __init__(self, message: str, *, code: str = "", status: int | None = None) -> None:
        super().__init__(message, status=status, error_code=code or None)
        self.code = code

    def __str__(self) -> str:
        return self.message


class OAuthInvalidGrant(OAuthError):
    """The code, refresh token or client was rejected: the admin must consent again."""


class OAuthUnavailable(OAuthError):
    """The accounts server could not be reached, or answered 5xx / too many requests."""


# Desk's codes (the real API's and the seed reference's); the code wins over the status when known,
# and unknown codes fall back to the status.
_CODE_CLASSES: dict[str, type[DeskError]] = {
    "INVALID_OAUTH": DeskAuthError,
    "INVALID_TOKEN": DeskAuthError,
    "OAUTH_TOKEN_EXPIRED": DeskAuthError,
    "SCOPE_MISMATCH": DeskScopeError,
    "INVALID_OAUTH_SCOPE": DeskScopeError,
    "FORBIDDEN": DeskScopeError,
    "PERMISSION_DENIED": DeskScopeError,
    "LICENSE_ACCESS_LIMITED": DeskScopeError,
    "URL_NOT_FOUND": DeskNotFound,
    "RESOURCE_NOT_FOUND": DeskNotFound,
    "RECORD_NOT_FOUND": DeskNotFound,
    "INVALID_DATA": DeskValidationError,
    "UNPROCESSABLE_ENTITY": DeskValidationError,
    "REQUIRED_FIELD_MISSING": DeskValidationError,
    "FIELD_NOT_EDITABLE": DeskValidationError,
    "INVALID_ORGID": DeskValidationError,
    "DUPLICATE_RECORD": DeskDuplicate,
    "DUPLICATE_DATA": DeskDuplicate,
    "ALREADY_EXISTS": DeskDuplicate,
    "THRESHOLD_EXCEEDED": CreditsExhausted,
    "TOO_MANY_REQUESTS": RateLimited,
    "RATE_LIMIT_EXCEEDED": RateLimited,
    "INTERNAL_SERVER_ERROR": DeskServerError,
    "INTERNAL_ERROR": DeskServerError,
}

_STATUS_CLASSES: dict[int, type[DeskError]] = {
    400: DeskValidationError,
    401: DeskAuthError,
    403: DeskScopeError,
    404: DeskNotFound,
    409: DeskDuplicate,
    422: DeskValidationError,
    429: RateLimited,
}

_DEFAULT_MESSAGES: dict[type[DeskError], str] = {
    DeskAuthError: "Zoho Desk refused the access token.",
    DeskScopeError: "The connection is not allowed to do this in Zoho Desk.",
    DeskNotFound: "Zoho Desk could not find it.",
    DeskValidationError: "Zoho Desk refused the input.",
    DeskDuplicate: "It already exists in Zoho Desk.",
    CreditsExhausted: "This org's Zoho Desk API credits for today are spent.",
    RateLimited: "Zoho Desk's rate limit is reached.",
    DeskServerError: "Zoho Desk had a server error.",
    DeskError: "Zoho Desk answered with an error.",
}

_FIELD_ERROR_TYPES = {
    "missing": "This field is required.",
    "invalid": "Enter a valid value.",
    "duplicate": "This value is already used.",
}


@functools.lru_cache(maxsize=4096)
def snake_case(name: str) -> str:
    """``departmentId`` -> ``department_id``; already snake names are left alone.

    Cached: Desk's field names are a small set, and converting every key of every object of every
    sync page was a quarter of the sync's CPU time.
    """
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def field_path(field_name: str) -> str:
    """Desk's ``/contact/lastName`` (a JSON pointer) -> ``contact.last_name``."""
    segments = [segment for segment in field_name.strip().strip("/").split("/") if segment]
    return ".".join(snake_case(segment) for segment in segments) or field_name


def validation_fields(body: dict[str, Any]) -> dict[str, str]:
    """Field errors from the real ``errors`` list, then the seed's ``details`` object."""
    fields: dict[str, str] = {}
    errors = body.get("errors")
    if isinstance(errors, list):
        for item in errors:
            if not isinstance(item, dict) or not item.get("fieldName"):
                continue
            message = item.get("errorMessage") or _FIELD_ERROR_TYPES.get(
                str(item.get("errorType", "")).lower(), "Enter a valid value."
            )
            fields.setdefault(field_path(str(item["fieldName"])), str(message))
    details = body.get("details")
    if isinstance(details, dict) and details.get("field"):
        name = field_path(str(details["field"]))
        message = str(body.get("message") or "Enter a valid value.")
        expected = details.get("expectedValues")
        if isinstance(expected, list) and expected:
            message = f"{message} Expected one of: {', '.join(map(str, expected))}."
        fields.setdefault(name, message)
    return fields


def error_class(*, status: int, error_code: str | None) -> type[DeskError]:
    if error_code and error_code.upper() in _CODE_CLASSES:
        return _CODE_CLASSES[error_code.upper()]
    if error_code and "DUPLICATE" in error_code.upper():
        return DeskDuplicate
    if status in _STATUS_CLASSES:
        return _STATUS_CLASSES[status]
    if status >= 500:
        return DeskServerError
    return DeskError


def error_from_response(
    *,
    status: int,
    body: Any,
    retry_at: datetime | None = None,
    now: datetime | None = None,
) -> DeskError:
    """Build the right DeskError for an error answer; ``body`` is the decoded JSON (or None)."""
    body = body if isinstance(body, dict) else {}
    error_code = body.get("errorCode") or body.get("code")
    error_code = str(error_code) if error_code else None
    cls = error_class(status=status, error_code=error_code)
    message = str(body.get("message") or body.get("errorMessage") or _DEFAULT_MESSAGES.get(cls, "Desk error"))
    if cls is DeskValidationError:
        return DeskValidationError(
            message, status=status, error_code=error_code, fields=validation_fields(body)
        )
    if issubclass(cls, RateLimited):
        now = now or datetime.now(UTC)
        return cls(
            message,
            retry_at=retry_at or now + timedelta(seconds=60),
            status=status,
            error_code=error_code,
            now=now,
        )
    return cls(message, status=status, error_code=error_code)
