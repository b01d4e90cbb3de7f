"""Shared helpers for the sandbox's Desk API views: method dispatch, field validation, sorting, change events."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from apps.sandbox.contract import (
    DeskAPIError,
    desk_error,
    field_error,
    log_request,
    rate_headers_for_request,
)
from apps.sandbox.models import RequestLog

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Headers a client may use to mark its own writes (matched against a webhook's ignoreSourceId).
SOURCE_ID_HEADERS = ("sourceId", "X-ZSOURCEID", "X-Source-Id")


def by_method(**views: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """One URL, one contract-wrapped view per HTTP method (each has its own scope and params)."""

    @csrf_exempt
    def dispatch(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        view = views.get((request.method or "GET").upper())
        if view is None:
            started = time.perf_counter()
            response = desk_error(405, "METHOD_NOT_ALLOWED", "The HTTP method is not allowed for this URL.")
            response["Allow"] = ", ".join(sorted(views))
            # Like every other answer of the API: rate headers (it cost nothing) and a request-log row.
            for name, value in rate_headers_for_request(request).items():
                response[name] = value
            log_request(
                request,
                status=405,
                kind=RequestLog.Kind.API,
                started=started,
                org_id=(request.headers.get("orgId") or request.GET.get("orgId") or "")[:32],
                detail="METHOD_NOT_ALLOWED",
            )
            return response
        return view(request, *args, **kwargs)

    return dispatch


class FieldErrors:
    """Collects field errors so one 422 names every bad field, as Desk does."""

    def __init__(self) -> None:
        self.errors: list[dict[str, Any]] = []

    def add(self, field: str, message: str, *, error_type: str = "invalid", **extra: Any) -> None:
        self.errors.append(field_error(field, error_type, message, **extra))

    def missing(self, field: str) -> None:
        self.add(field, f"The field '{field}' is required.", error_type="missing")

    def raise_if_any(self) -> None:
        if not self.errors:
            return
        first = self.errors[0]
        raise DeskAPIError(422, "INVALID_DATA", str(first["errorMessage"]), errors=self.errors)


def reject_unknown_fields(data: dict[str, Any], allowed: set[str], errors: FieldErrors) -> None:
    for name in data:
        if name not in allowed:
            errors.add(name, f"An extra field '{name}' is found.", error_type="invalid")


def text(
    data: dict[str, Any],
    name: str,
    errors: FieldErrors,
    *,
    required: bool = False,
    max_length: int = 255,
) -> str | None:
    """A string field: None when absent; '' when sent empty (clears it); errors for wrong types."""
    if name not in data or data[name] is None:
        if required:
            errors.missing(name)
        return None
    value = data[name]
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        errors.add(name, f"The field '{name}' must be a string.")
        return None
    value = str(value).strip()
    if required and not value:
        errors.missing(name)
        return None
    if len(value) > max_length:
        errors.add(name, f"The field '{name}' must be at most {max_length} characters long.")
        return None
    return value


def email_field(
    data: dict[str, Any], name: str, errors: FieldErrors, *, required: bool = False
) -> str | None:
    value = text(data, name, errors, required=required, max_length=200)
    if value and not EMAIL_RE.match(value):
        errors.add(name, f"The field '{name}' must be a valid email address.")
        return None
    return value


def choice(
    data: dict[str, Any], name: str, allowed: tuple[str, ...] | list[str], errors: FieldErrors
) -> str | None:
    """A value from a fixed list, matched case-insensitively and returned in Desk's spelling."""
    value = text(data, name, errors)
    if not value:
        return value
    for option in allowed:
        if option.lower() == value.lower():
            return option
    errors.add(name, f"The value of '{name}' is invalid.", expectedValues=list(allowed))
    return None


def boolean(data: dict[str, Any], name: str, errors: FieldErrors) -> bool | None:
    if name not in data or data[name] is None:
        return None
    value = data[name]
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"true", "false"}:
        return value.lower() == "true"
    errors.add(name, f"The field '{name}' must be true or false.")
    return None


def integer(data: dict[str, Any], name: str, errors: FieldErrors, *, minimum: int = 0) -> int | None:
    if name not in data or data[name] in (None, ""):
        return None
    try:
        value = int(data[name])
    except (TypeError, ValueError):
        errors.add(name, f"The field '{name}' must be a number.")
        return None
    if value < minimum:
        errors.add(name, f"The field '{name}' must be at least {minimum}.")
        return None
    return value


def timestamp(data: dict[str, Any], name: str, errors: FieldErrors) -> dt.datetime | None:
    value = data.get(name)
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        errors.add(name, f"The field '{name}' must be an ISO-8601 date-time.")
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        errors.add(name, f"The field '{name}' must be an ISO-8601 date-time.")
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def record_id(data: dict[str, Any], name: str, queryset: QuerySet, errors: FieldErrors) -> Any:
    """The record an `...Id` field points at (in the org-scoped queryset); errors name the field."""
    value = data.get(name)
    if value in (None, ""):
        return None
    number = ascii_id(str(value))
    try:
        if number is None:
            raise ValueError(value)
        return queryset.get(pk=number)
    except (ValueError, OverflowError, queryset.model.DoesNotExist):
        errors.add(name, f"The value of '{name}' does not match any record.")
        return None


def id_list(data: dict[str, Any], name: str, errors: FieldErrors) -> list[int]:
    """A non-empty JSON list of ids, as moveToTrash takes."""
    value = data.get(name)
    if not isinstance(value, list) or not value:
        if name not in data:
            errors.missing(name)
        else:
            errors.add(name, f"The field '{name}' must be a non-empty list of ids.")
        return []
    ids: list[int] = []
    for item in value:
        number = None if isinstance(item, bool) else ascii_id(str(item))
        if number is None:
            errors.add(name, f"The field '{name}' contains an invalid id.")
        else:
            ids.append(number)
    return ids


def csv_param(request: HttpRequest, name: str) -> list[str]:
    raw = request.GET.get(name, "")
    return [part.strip() for part in raw.split(",") if part.strip()]


def ascii_id(raw: object) -> int | None:
    """An id written in ASCII digits that fits Desk's 64-bit ids; None otherwise ("²" passes
    ``str.isdigit()`` and crashes ``int()``; 25 digits overflow the database)."""
    text = str(raw) if isinstance(raw, int) and not isinstance(raw, bool) else raw
    if not isinstance(text, str) or not 0 < len(text) <= 18 or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


def csv_ids(request: HttpRequest, name: str) -> list[int]:
    ids = [ascii_id(value) for value in csv_param(request, name)]
    if any(i is None for i in ids):
        raise invalid_param(name)
    return [i for i in ids if i is not None]


def bool_param(request: HttpRequest, name: str) -> bool | None:
    raw = request.GET.get(name)
    if raw is None:
        return None
    if raw.lower() not in {"true", "false"}:
        raise invalid_param(name)
    return raw.lower() == "true"


def invalid_param(name: str) -> DeskAPIError:
    message = f"The value of the parameter '{name}' is invalid."
    return DeskAPIError(422, "UNPROCESSABLE_ENTITY", message, errors=[field_error(name, "invalid", message)])


def sort_queryset(
    queryset: QuerySet, request: HttpRequest, *, fields: dict[str, str], default: str
) -> QuerySet:
    """`sortBy=field` ascending or `sortBy=-field` descending; one field only (Desk has no sortOrder)."""
    raw = request.GET.get("sortBy") or default
    descending = raw.startswith("-")
    column = fields.get(raw.lstrip("-"))
    if column is None:
        message = f"The value of 'sortBy' must be one of {', '.join(sorted(fields))}, optionally with a leading '-'."
        raise DeskAPIError(
            422, "UNPROCESSABLE_ENTITY", message, errors=[field_error("sortBy", "invalid", message)]
        )
    return queryset.order_by(f"-{column}" if descending else column, "-pk" if descending else "pk")


def page(queryset: QuerySet, request: HttpRequest, *, default_limit: int = 10) -> list[Any]:
    from apps.sandbox.contract import paging

    offset, limit = paging(request, default_limit=default_limit)
    return list(queryset[offset : offset + limit])


def pick_fields(data: dict[str, Any], request: HttpRequest) -> dict[str, Any]:
    """`fields=a,b`: only those keys (plus id), as Desk's list `fields` parameter does."""
    wanted = csv_param(request, "fields")
    if not wanted:
        return data
    return {key: value for key, value in data.items() if key == "id" or key in wanted}


def source_id(request: HttpRequest) -> str | None:
    for name in SOURCE_ID_HEADERS:
        value = request.headers.get(name)
        if value:
            return value.strip()[:64]
    return None


def now() -> dt.datetime:
    return timezone.now()


def actor_id(request: HttpRequest) -> int | None:
    agent = getattr(request, "sandbox_agent", None)
    return agent.pk if agent is not None else None
