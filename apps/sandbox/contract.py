"""The Desk API contract, enforced: auth, orgId, scopes, query params, rate limits, faults and the request log.

Interface for the Desk API views (developer B):

* Put ``@desk_endpoint(...)`` on every view under ``/sandbox/desk/api/v1/``::

      @desk_endpoint(
          scopes=("Desk.tickets.READ",),          # any one suffices; Desk.tickets.ALL implies READ etc.
          params={"from", "limit", "sortBy", "status", "include"},  # anything else -> 422
          methods=("GET",),                        # optional; others -> 405 METHOD_NOT_ALLOWED
          org_required=True,                       # False only for /organizations
      )
      def tickets_list(request, ...): ...

  The view receives ``request.sandbox_org`` (an ``Org``; ``None`` only when ``org_required=False`` and no
  ``orgId`` header was sent), ``request.sandbox_token`` (the ``AccessToken``; ``.user`` is the ``ZohoUser``)
  and ``request.sandbox_agent`` (the org's ``Agent`` with the token user's email, or ``None``).
  ``from``/``limit`` are validated by the decorator when listed in ``params`` (from >= 0, 1 <= limit <= 100,
  or ``max_limit=``); read them with ``paging(request)``. The decorator also makes the view CSRF-exempt.
* Answer with ``desk_json(obj, status=200)``, ``desk_list(items)`` (``{"data": [...]}`` or an empty 204),
  ``desk_no_content()`` or ``desk_error(status, code, message, errors=[...])`` — or raise ``DeskAPIError``
  (same arguments) anywhere below the view; ``desk_object_or_404(queryset, id)`` raises the Desk 404.
  Unexpected exceptions become a Desk-shaped 500, never Django's HTML page.
* ``desk_time(dt)`` formats a datetime as Desk does: ``2025-12-12T14:25:00.000Z``.
* ``read_json_body(request)`` parses a JSON body or raises the Desk 422 for bad JSON.

Every response (errors included) carries ``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and
``X-RateLimit-Reset`` (Unix epoch seconds of the end of the current minute window) and is written to
``RequestLog``.
"""

from __future__ import annotations

import functools
import json
import logging
import random
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import OperationalError, transaction
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from apps.sandbox.models import (
    SANDBOX_DB,
    AccessToken,
    Agent,
    InFlightRequest,
    Org,
    RateWindow,
    RequestLog,
    hash_token,
)

logger = logging.getLogger(__name__)

AUTH_PREFIX = "Zoho-oauthtoken "
DEFAULT_MAX_LIMIT = 100
# In-flight rows older than this are from a crashed worker and no longer count.
IN_FLIGHT_STALE_AFTER = timedelta(minutes=5)
DEFAULT_PER_MINUTE_WITHOUT_ORG = 10


# ---------------------------------------------------------------------------------------------------
# Responses
# ---------------------------------------------------------------------------------------------------


class DeskAPIError(Exception):
    """Raise anywhere in a Desk API view to answer with Desk's error body."""

    def __init__(
        self,
        status: int,
        error_code: str,
        message: str,
        *,
        errors: Sequence[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message
        self.errors = list(errors or [])
        self.headers = headers or {}

    def response(self) -> JsonResponse:
        return desk_error(
            self.status, self.error_code, self.message, errors=self.errors, headers=self.headers
        )


def desk_error(
    status: int,
    error_code: str,
    message: str,
    *,
    errors: Sequence[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JsonResponse:
    """Desk's error body. `errors` is the real shape ([{"fieldName": "/subject", "errorType": "missing",
    "errorMessage": ...}]); the seed's `details` object is added for the first field error."""
    body: dict[str, Any] = {"errorCode": error_code, "message": message}
    if errors:
        body["errors"] = list(errors)
        first = errors[0]
        body["details"] = {
            "field": str(first.get("fieldName", "")).lstrip("/"),
            "errorType": first.get("errorType"),
        }
        if "expectedValues" in first:
            body["details"]["expectedValues"] = first["expectedValues"]
    response = JsonResponse(body, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def field_error(field: str, error_type: str, message: str, **extra: Any) -> dict[str, Any]:
    """One entry of `errors`: field_error("subject", "missing", "subject is required")."""
    return {"fieldName": "/" + field.lstrip("/"), "errorType": error_type, "errorMessage": message, **extra}


def desk_json(obj: Any, status: int = 200) -> JsonResponse:
    return JsonResponse(obj, status=status, safe=False, json_dumps_params={"separators": (",", ":")})


def desk_list(items: Sequence[Any] | Iterable[Any], **extra: Any) -> HttpResponse:
    """`{"data": [...]}`, or HTTP 204 with an empty body when there is nothing, as the real Desk answers."""
    items = list(items)
    if not items:
        return desk_no_content()
    return desk_json({"data": items, **extra})


def desk_no_content() -> HttpResponse:
    response = HttpResponse(status=204)
    del response["Content-Type"]
    return response


def desk_time(value: datetime | None) -> str | None:
    """Desk's timestamp format: UTC with milliseconds and a Z."""
    if value is None:
        return None
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def desk_object_or_404(queryset: QuerySet, object_id: Any, *, what: str = "resource") -> Any:
    """The object with this Desk id in the queryset (already scoped to the org), or Desk's 404."""
    try:
        return queryset.get(pk=int(str(object_id)))
    except (ValueError, queryset.model.DoesNotExist):
        raise DeskAPIError(404, "RESOURCE_NOT_FOUND", f"The requested {what} does not exist.") from None


def read_json_body(request: HttpRequest) -> dict[str, Any]:
    """The request's JSON object body; Desk's 422 when it is not a JSON object."""
    if not request.body:
        return {}
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise DeskAPIError(422, "UNPROCESSABLE_ENTITY", "The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise DeskAPIError(422, "UNPROCESSABLE_ENTITY", "The request body must be a JSON object.")
    return data


def paging(request: HttpRequest, *, default_limit: int = 10) -> tuple[int, int]:
    """(offset, limit) from `from` (0-based) and `limit`; the decorator has already validated them."""
    offset = int(request.GET.get("from", 0) or 0)
    limit = int(request.GET.get("limit", default_limit) or default_limit)
    return offset, limit


# ---------------------------------------------------------------------------------------------------
# Scopes
# ---------------------------------------------------------------------------------------------------


def scope_satisfied(*, granted: Iterable[str], accepted: Iterable[str]) -> bool:
    """True when one granted scope covers one accepted scope. Desk.x.ALL covers every operation of x;
    Desk.contacts.WRITE covers CREATE and UPDATE; Zoho compares scopes without regard to case."""
    granted_set = {scope.strip().lower() for scope in granted}
    for scope in accepted:
        wanted = scope.strip().lower()
        if wanted in granted_set:
            return True
        service, _, operation = wanted.rpartition(".")
        if f"{service}.all" in granted_set:
            return True
        if operation in {"create", "update"} and f"{service}.write" in granted_set:
            return True
    return False


# ---------------------------------------------------------------------------------------------------
# Rate limits, concurrency and faults
# ---------------------------------------------------------------------------------------------------


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def _minute_window(now: float) -> int:
    return int(now // 60) * 60


def _day_window(now: float) -> int:
    return int(now // 86400) * 86400


def _rate_headers(limit: int, remaining: int, reset: int) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(max(remaining, 0)),
        "X-RateLimit-Reset": str(reset),
    }


def rate_headers_for(org: Org | None) -> dict[str, str]:
    """The headers for a response that did not count against the limit (e.g. a 401)."""
    now = time.time()
    minute = _minute_window(now)
    if org is None:
        return _rate_headers(DEFAULT_PER_MINUTE_WITHOUT_ORG, DEFAULT_PER_MINUTE_WITHOUT_ORG, minute + 60)
    used = (
        RateWindow.objects.filter(org=org, kind="minute", window_start=minute)
        .values_list("count", flat=True)
        .first()
        or 0
    )
    limit = org.effective_per_minute_limit
    return _rate_headers(limit, limit - used, minute + 60)


class _Admission:
    """The outcome of admitting a call: headers to send, and the in-flight row to remove afterwards."""

    def __init__(
        self, headers: dict[str, str], in_flight_id: int | None, refusal: DeskAPIError | None
    ) -> None:
        self.headers = headers
        self.in_flight_id = in_flight_id
        self.refusal = refusal


def _count(org: Org, kind: str, window_start: int) -> int:
    updated = RateWindow.objects.filter(org=org, kind=kind, window_start=window_start).update(
        count=F("count") + 1
    )
    if not updated:
        RateWindow.objects.create(org=org, kind=kind, window_start=window_start, count=1)
    return RateWindow.objects.get(org=org, kind=kind, window_start=window_start).count


def _retry_locked[T](action: Callable[[], T], *, attempts: int = 100) -> T:
    """Run a bookkeeping write, retrying while SQLite reports a lock (shared-cache test databases report
    "table is locked" at once instead of waiting for the busy timeout)."""
    for attempt in range(attempts):
        try:
            return action()
        except OperationalError as error:
            if "locked" not in str(error) or attempt == attempts - 1:
                raise
            time.sleep(0.01 + random.random() * 0.04)
    raise AssertionError("unreachable")


def _admit(org: Org) -> _Admission:
    """Count the call against the org's per-minute and daily budgets and the concurrency cap, in one
    transaction that holds the org's row (SQLite: the IMMEDIATE write lock), so threads and processes agree."""
    now = time.time()
    minute, day = _minute_window(now), _day_window(now)
    with transaction.atomic(using=SANDBOX_DB):
        locked = Org.objects.select_for_update().get(pk=org.pk)
        per_minute, per_day = locked.effective_per_minute_limit, locked.effective_daily_limit
        used_minute = (
            RateWindow.objects.filter(org=locked, kind="minute", window_start=minute)
            .values_list("count", flat=True)
            .first()
            or 0
        )
        used_day = (
            RateWindow.objects.filter(org=locked, kind="day", window_start=day)
            .values_list("count", flat=True)
            .first()
            or 0
        )
        if used_minute >= per_minute:
            headers = _rate_headers(per_minute, 0, minute + 60)
            retry = max(1, minute + 60 - int(now))
            return _Admission(headers, None, _too_many(headers, retry, "per-minute API limit"))
        if used_day >= per_day:
            headers = _rate_headers(per_minute, per_minute - used_minute, minute + 60)
            retry = max(1, day + 86400 - int(now))
            return _Admission(headers, None, _too_many(headers, retry, "daily API credits"))
        stale_before = timezone.now() - IN_FLIGHT_STALE_AFTER
        in_flight = InFlightRequest.objects.filter(org=locked, started_at__gte=stale_before).count()
        if in_flight >= locked.max_concurrent:
            headers = _rate_headers(per_minute, per_minute - used_minute, minute + 60)
            return _Admission(headers, None, _too_many(headers, 1, "concurrent request limit"))

        # Fault injection: a 429 burst answers several calls in a row, as a real throttle does.
        burst_rate = (
            locked.burst_429_rate if locked.burst_429_rate is not None else _setting("SANDBOX_429_BURST", 0.0)
        )
        if locked.burst_429_remaining > 0 or (burst_rate and random.random() < burst_rate):
            remaining = locked.burst_429_remaining - 1 if locked.burst_429_remaining > 0 else None
            if remaining is None:
                remaining = max(int(_setting("SANDBOX_429_BURST_LENGTH", 5)) - 1, 0)
            Org.objects.filter(pk=locked.pk).update(burst_429_remaining=remaining)
            headers = _rate_headers(per_minute, 0, minute + 60)
            return _Admission(
                headers, None, _too_many(headers, max(1, minute + 60 - int(now)), "per-minute API limit")
            )

        used_minute = _count(locked, "minute", minute)
        _count(locked, "day", day)
        flight = InFlightRequest.objects.create(org=locked)
        if random.random() < 0.01:
            # Keep the counter tables small.
            RateWindow.objects.filter(window_start__lt=day - 86400).delete()
            InFlightRequest.objects.filter(started_at__lt=stale_before).delete()
    return _Admission(_rate_headers(per_minute, per_minute - used_minute, minute + 60), flight.pk, None)


def _too_many(headers: dict[str, str], retry_after: int, what: str) -> DeskAPIError:
    return DeskAPIError(
        429,
        "TOO_MANY_REQUESTS",
        f"You have exceeded the {what} of your organization. Try again after {retry_after} seconds.",
        headers={**headers, "Retry-After": str(retry_after)},
    )


def _release(admission: _Admission) -> None:
    if admission.in_flight_id is not None:
        in_flight_id = admission.in_flight_id
        _retry_locked(lambda: InFlightRequest.objects.filter(pk=in_flight_id).delete())


def _inject_faults(org: Org) -> DeskAPIError | None:
    """Latency, hanging calls and 500/503 answers, per org or from the global settings."""
    latency = org.latency_ms if org.latency_ms is not None else int(_setting("SANDBOX_LATENCY_MS", 0))
    if latency:
        time.sleep(latency / 1000)
    timeout_rate = (
        org.timeout_rate if org.timeout_rate is not None else float(_setting("SANDBOX_TIMEOUT_RATE", 0.0))
    )
    if timeout_rate and random.random() < timeout_rate:
        seconds = (
            org.timeout_seconds
            if org.timeout_seconds is not None
            else _setting("SANDBOX_TIMEOUT_SECONDS", 35)
        )
        time.sleep(float(seconds))
        return DeskAPIError(504, "GATEWAY_TIMEOUT", "The request timed out.")
    error_rate = org.error_rate if org.error_rate is not None else float(_setting("SANDBOX_ERROR_RATE", 0.0))
    if error_rate and random.random() < error_rate:
        if random.random() < 0.5:
            return DeskAPIError(500, "INTERNAL_SERVER_ERROR", "An internal server error occurred.")
        return DeskAPIError(503, "SERVICE_UNAVAILABLE", "The service is temporarily unavailable.")
    return None


# ---------------------------------------------------------------------------------------------------
# Request validation
# ---------------------------------------------------------------------------------------------------


def _authenticate(request: HttpRequest) -> AccessToken:
    header = request.headers.get("Authorization", "")
    if not header.startswith(AUTH_PREFIX) or not header[len(AUTH_PREFIX) :].strip():
        raise DeskAPIError(401, "INVALID_OAUTH", "The OAuth Token you provided is invalid.")
    token_hash = hash_token(header[len(AUTH_PREFIX) :].strip())
    token = AccessToken.objects.select_related("user", "client").filter(token_hash=token_hash).first()
    if token is None or token.revoked_at is not None:
        raise DeskAPIError(401, "INVALID_OAUTH", "The OAuth Token you provided is invalid.")
    if timezone.now() >= token.expires_at:
        raise DeskAPIError(401, "INVALID_OAUTH", "The OAuth Token you provided has expired.")
    return token


def _resolve_org(request: HttpRequest, token: AccessToken, *, required: bool) -> Org | None:
    raw = request.headers.get("orgId", "").strip()
    if not raw:
        if required:
            raise DeskAPIError(
                422,
                "UNPROCESSABLE_ENTITY",
                "The orgId header is required.",
                errors=[field_error("orgId", "missing", "orgId header is missing")],
            )
        return None
    org = Org.objects.filter(pk=int(raw)).first() if raw.isdigit() and len(raw) < 19 else None
    if org is None:
        raise DeskAPIError(400, "INVALID_ORGID", "The orgId given in the header is invalid.")
    if org.pk not in token.org_ids():
        raise DeskAPIError(403, "FORBIDDEN", "You do not have permission to access this organization.")
    return org


def _validate_params(request: HttpRequest, allowed: set[str], max_limit: int) -> None:
    for name in request.GET:
        if name not in allowed:
            raise DeskAPIError(
                422,
                "UNPROCESSABLE_ENTITY",
                f"An extra parameter '{name}' is found",
                errors=[field_error(name, "extra", f"An extra parameter '{name}' is found")],
            )
    for name, low, high in (("from", 0, None), ("limit", 1, max_limit)):
        if name not in allowed or name not in request.GET:
            continue
        raw = request.GET.get(name, "")
        try:
            value = int(raw)
        except ValueError:
            value = None
        if value is None or value < low or (high is not None and value > high):
            bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
            message = f"The value of '{name}' must be an integer {bounds}."
            raise DeskAPIError(
                422, "UNPROCESSABLE_ENTITY", message, errors=[field_error(name, "invalid", message)]
            )


# ---------------------------------------------------------------------------------------------------
# The decorator
# ---------------------------------------------------------------------------------------------------


def log_request(
    request: HttpRequest,
    *,
    status: int,
    kind: str,
    started: float,
    org_id: str = "",
    client_id: str = "",
    detail: str = "",
) -> None:
    """Write one RequestLog row; a failure to log never breaks the answer."""
    if not _setting("SANDBOX_REQUEST_LOG", True):
        return
    try:
        _retry_locked(
            lambda: RequestLog.objects.create(
                kind=kind,
                method=request.method or "",
                path=request.path[:500],
                query=request.META.get("QUERY_STRING", "")[:1000],
                status=status,
                org_id=org_id,
                client_id=client_id[:100],
                detail=detail[:100],
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )
        )
    except Exception:  # the log is a convenience; the response matters more
        logger.exception("sandbox request log write failed")
        return
    if random.random() < 0.001:
        # Now and then, drop rows older than SANDBOX_REQUEST_LOG_DAYS so a long-running demo stays small.
        cutoff = timezone.now() - timedelta(days=float(_setting("SANDBOX_REQUEST_LOG_DAYS", 7)))
        try:
            RequestLog.objects.filter(created_at__lt=cutoff).delete()
        except OperationalError:
            logger.warning("sandbox request log pruning skipped: database busy")


def desk_endpoint(
    *,
    scopes: Sequence[str] = (),
    params: Iterable[str] = (),
    methods: Sequence[str] | None = None,
    org_required: bool = True,
    max_limit: int = DEFAULT_MAX_LIMIT,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Wrap a Desk API view in the contract (see the module docstring)."""
    allowed_params = set(params)
    allowed_methods = {m.upper() for m in methods} if methods else None

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            started = time.perf_counter()
            org: Org | None = None
            token: AccessToken | None = None
            admission: _Admission | None = None
            headers: dict[str, str] | None = None
            try:
                try:
                    token = _retry_locked(lambda: _authenticate(request))
                    org = _retry_locked(lambda: _resolve_org(request, token, required=org_required))
                    if scopes and not scope_satisfied(granted=token.scopes, accepted=scopes):
                        raise DeskAPIError(
                            403,
                            "SCOPE_MISMATCH",
                            "The OAuth token does not have the scope needed for this operation.",
                        )
                    budget_org = org or _retry_locked(lambda: _first_org(token))
                    if budget_org is not None:
                        admission = _retry_locked(lambda: _admit(budget_org))
                        headers = admission.headers
                        if admission.refusal is not None:
                            raise admission.refusal
                        fault = _inject_faults(budget_org)
                        if fault is not None:
                            raise fault
                    if allowed_methods and (request.method or "").upper() not in allowed_methods:
                        raise DeskAPIError(
                            405, "METHOD_NOT_ALLOWED", "The HTTP method is not allowed for this URL."
                        )
                    _validate_params(request, allowed_params, max_limit)
                    request.sandbox_org = org  # type: ignore[attr-defined]
                    request.sandbox_token = token  # type: ignore[attr-defined]
                    request.sandbox_agent = _retry_locked(lambda: _agent_for(org, token))  # type: ignore[attr-defined]
                    response = view(request, *args, **kwargs)
                except DeskAPIError as error:
                    response = error.response()
                except Exception:
                    logger.exception("sandbox view failed: %s %s", request.method, request.path)
                    response = desk_error(500, "INTERNAL_SERVER_ERROR", "An internal server error occurred.")
            finally:
                if admission is not None:
                    _release(admission)
            if headers is None:
                headers = _retry_locked(
                    lambda: rate_headers_for(org or _header_org(request) or _first_org(token))
                )
            for name, value in headers.items():
                if name not in response:
                    response[name] = value
            log_request(
                request,
                status=response.status_code,
                kind=RequestLog.Kind.API,
                started=started,
                org_id=org.org_id if org else request.headers.get("orgId", "")[:32],
                client_id=token.client.client_id if token else "",
                detail=_error_code(response),
            )
            return response

        wrapper.desk_scopes = tuple(scopes)  # type: ignore[attr-defined]
        wrapper.desk_params = frozenset(allowed_params)  # type: ignore[attr-defined]
        return wrapper

    return decorate


def _header_org(request: HttpRequest) -> Org | None:
    """The org named by the orgId header, if it exists (for the headers of a refused call)."""
    raw = request.headers.get("orgId", "").strip()
    if not raw.isdigit() or len(raw) >= 19:
        return None
    return Org.objects.filter(pk=int(raw)).first()


def _first_org(token: AccessToken | None) -> Org | None:
    if token is None:
        return None
    org_ids = sorted(token.org_ids())
    return Org.objects.filter(pk=org_ids[0]).first() if org_ids else None


def _agent_for(org: Org | None, token: AccessToken) -> Agent | None:
    if org is None or token.user is None:
        return None
    return Agent.objects.filter(org=org, email__iexact=token.user.email, is_deleted=False).first()


def _error_code(response: HttpResponse) -> str:
    if response.status_code < 400 or response.get("Content-Type", "") != "application/json":
        return ""
    try:
        return str(json.loads(response.content).get("errorCode", ""))[:100]
    except (ValueError, AttributeError):
        return ""


def url_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Desk's answer for a path under /api/v1/ that no operation matches."""
    started = time.perf_counter()
    response = desk_error(404, "URL_NOT_FOUND", "The URL you have requested is not found.")
    for name, value in rate_headers_for(None).items():
        response[name] = value
    log_request(
        request,
        status=404,
        kind=RequestLog.Kind.API,
        started=started,
        org_id=request.headers.get("orgId", "")[:32],
    )
    return response


url_not_found = csrf_exempt(url_not_found)
