"""The Desk API contract, enforced: auth, orgId, scopes, query params, API credits, faults and the request log.

Interface for the Desk API views:

* Put ``@desk_endpoint(...)`` on every view under ``/sandbox/desk/api/v1/``::

      @desk_endpoint(
          scopes=("Desk.tickets.READ",),          # any one suffices; Desk.tickets.ALL implies READ etc.
          params={"from", "limit", "sortBy", "status", "include"},  # anything else -> 422
          methods=("GET",),                        # optional; others -> 405 METHOD_NOT_ALLOWED
          org_required=True,                       # False only for /organizations
          list_call=None,                          # None: a list when "from" is in params (3+ credits)
      )
      def tickets_list(request, ...): ...

  The view receives ``request.sandbox_org`` (an ``Org``; ``None`` only when ``org_required=False`` and no
  ``orgId`` was sent), ``request.sandbox_token`` (the ``AccessToken``; ``.user`` is the ``ZohoUser``)
  and ``request.sandbox_agent`` (the org's ``Agent`` with the token user's email, or ``None``).
  ``orgId`` is read from the header or the query string (Common.json declares it a query parameter).
  ``from``/``limit`` are validated by the decorator when listed in ``params`` (from >= 0, 1 <= limit <= 100,
  or ``max_limit=``); read them with ``paging(request)``. The decorator also makes the view CSRF-exempt.
* Answer with ``desk_json(obj, status=200)``, ``desk_list(items)`` (``{"data": [...]}`` or an empty 204),
  ``desk_no_content()``, ``desk_empty(200)`` (a 200 or 202 with no body) or ``desk_error(status, code, message, errors=[...])`` — or raise ``DeskAPIError``
  (same arguments) anywhere below the view; ``desk_object_or_404(queryset, id)`` raises the Desk 404;
  ``license_limited(feature, org)`` is the edition's LICENSE_ACCESS_LIMITED.
  Unexpected exceptions become a Desk-shaped 500, never Django's HTML page.
* ``desk_time(dt)`` formats a datetime as Desk does: ``2025-12-12T14:25:00.000Z``.
* ``read_json_body(request)`` parses a JSON body or raises the Desk 422 for bad JSON.

Rate model (``SANDBOX_RATE_MODEL``): ``real`` (the default) charges each admitted call its credits
(``call_weight``) against the org's daily credits (reset at midnight in the org's time zone) and caps calls
in flight by edition; every response carries ``X-Rate-Limit-Request-Weight-v3`` (credits this call cost:
0 when it was refused) and ``X-Rate-Limit-Remaining-v3`` (credits left today, when the org is known).
``reference`` keeps the reference document's per-minute model and its ``X-RateLimit-*`` headers.
Every response is written to ``RequestLog``.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from typing import Any
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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

# Zoho Accounts documents both schemes; our own token response says token_type "Bearer".
AUTH_SCHEMES = ("zoho-oauthtoken", "bearer")
# Common.json's errorDetailArr: the only errorType values Desk sends.
ERROR_TYPES = ("invalid", "duplicate", "missing")
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
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message
        self.errors = list(errors or [])
        self.headers = headers or {}
        self.extra = extra or {}

    def response(self) -> JsonResponse:
        return desk_error(
            self.status,
            self.error_code,
            self.message,
            errors=self.errors,
            headers=self.headers,
            extra=self.extra,
        )


def desk_error(
    status: int,
    error_code: str,
    message: str,
    *,
    errors: Sequence[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JsonResponse:
    """Desk's error body as Common.json has it: `{errorCode, message}`, plus `errors` ([{"fieldName":
    "/subject", "errorType": "missing", "errorMessage": ...}]) for field errors, plus an error's own keys
    (`extra`, e.g. LICENSE_ACCESS_LIMITED's feature and editionType). Nothing else."""
    body: dict[str, Any] = {"errorCode": error_code, "message": message}
    if errors:
        body["errors"] = [_desk_field_error(entry) for entry in errors]
    body.update(extra or {})
    response = JsonResponse(body, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _desk_field_error(entry: dict[str, Any]) -> dict[str, Any]:
    """An `errors` entry with only Common.json's keys and errorType values (what a view built by hand
    with other keys or types is brought back to)."""
    error_type = str(entry.get("errorType", "invalid"))
    cleaned = {
        "fieldName": "/" + str(entry.get("fieldName", "")).lstrip("/"),
        "errorType": error_type if error_type in ERROR_TYPES else "invalid",
    }
    if entry.get("errorMessage"):
        cleaned["errorMessage"] = str(entry["errorMessage"])
    return cleaned


def field_error(field: str, error_type: str, message: str, **extra: Any) -> dict[str, Any]:
    """One entry of `errors`: field_error("subject", "missing", "subject is required"). `fieldName` is a
    JSON pointer; `errorType` is invalid, duplicate or missing (anything else is sent as invalid);
    `expectedValues=[...]` is folded into the message, as Desk's body has no key for it."""
    expected = extra.get("expectedValues")
    if expected:
        message = f"{message} Expected one of: {', '.join(str(value) for value in expected)}."
    return {
        "fieldName": "/" + field.lstrip("/"),
        "errorType": error_type if error_type in ERROR_TYPES else "invalid",
        "errorMessage": message,
    }


def license_limited(
    feature: str, org: Org, *, max_allowed: int = 0, message: str | None = None
) -> DeskAPIError:
    """Common.json's LICENSE_ACCESS_LIMITED: the org's edition does not allow this (or no more of it).
    403 is our best reading of its status (Common.json names no status)."""
    return DeskAPIError(
        403,
        "LICENSE_ACCESS_LIMITED",
        message or "Your Zoho Desk Edition does not support this feature/operation.",
        extra={
            "feature": feature,
            "editionType": org.edition_type,
            "isTrial": False,
            "maxAllowedEntity": str(max_allowed),
        },
    )


def desk_json(obj: Any, status: int = 200) -> JsonResponse:
    return JsonResponse(obj, status=status, safe=False, json_dumps_params={"separators": (",", ":")})


def desk_list(items: Sequence[Any] | Iterable[Any], **extra: Any) -> HttpResponse:
    """`{"data": [...]}`, or HTTP 204 with an empty body when there is nothing, as the real Desk answers."""
    items = list(items)
    if not items:
        return desk_no_content()
    return desk_json({"data": items, **extra})


def desk_no_content() -> HttpResponse:
    return desk_empty(204)


def desk_empty(status: int = 200) -> HttpResponse:
    """An answer with no body: 204, or the 200/202 with an empty body some Desk actions give
    (e.g. DELETE /webhooks/{id} -> 200, Webhook.json deleteWebhook)."""
    response = HttpResponse(status=status)
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
        # Common.json and Zoho's error list have no RESOURCE_NOT_FOUND: a record's URL that does not exist
        # is URL_NOT_FOUND, like any other (best reading).
        raise DeskAPIError(404, "URL_NOT_FOUND", f"The requested {what} does not exist.") from None


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


# Desk is a Java service: a number parameter past a 32-bit int is refused, like any other bad number.
MAX_INT = 2**31 - 1


def ascii_int(raw: object, *, maximum: int = MAX_INT) -> int | None:
    """A non-negative number written in ASCII digits, up to ``maximum``; None for anything else ("²" and
    "①" pass ``str.isdigit()`` but are no number; " 7" and "1e3" neither)."""
    if (
        not isinstance(raw, str)
        or not raw
        or len(raw) > len(str(maximum))
        or not raw.isascii()
        or not raw.isdigit()
    ):
        return None
    value = int(raw)
    return value if value <= maximum else None


def paging(request: HttpRequest, *, default_limit: int = 10) -> tuple[int, int]:
    """(offset, limit) from `from` (0-based) and `limit`; the decorator has already validated them."""
    offset = ascii_int(request.GET.get("from", "0")) or 0
    limit = ascii_int(request.GET.get("limit", "")) or default_limit
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
# Rate limits (API credits, or the reference document's per-minute model), concurrency and faults
# ---------------------------------------------------------------------------------------------------

WEIGHT_HEADER = "X-Rate-Limit-Request-Weight-v3"
REMAINING_HEADER = "X-Rate-Limit-Remaining-v3"
CREDITS = "credits"
# A list or search call's credits by its `from` offset: (largest offset, credits); beyond the last, 100.
WEIGHT_BANDS = ((2_000, 3), (10_000, 5), (50_000, 10), (100_000, 50))
DEEPEST_WEIGHT = 100
# Concurrency refusals (and the 429-burst fault) tell the client to come back soon.
CONCURRENCY_RETRY_AFTER = 1


def rate_model() -> str:
    """ "real" (API credits and concurrency, Desk's v3 headers) unless SANDBOX_RATE_MODEL=reference."""
    return "reference" if str(settings.SANDBOX_RATE_MODEL).lower() == "reference" else "real"


def call_weight(*, list_call: bool, offset: int = 0) -> int:
    """Credits one call costs: 1 for a single record; a list or search by how deep `from` reaches."""
    if not list_call:
        return 1
    for deepest, weight in WEIGHT_BANDS:
        if offset <= deepest:
            return weight
    return DEEPEST_WEIGHT


def _offset(request: HttpRequest) -> int:
    """The call's `from`, leniently (a bad value is refused later; it is weighed as the first page)."""
    return ascii_int(request.GET.get("from", "0")) or 0


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def credit_day(org: Org, now: datetime | None = None) -> tuple[datetime, datetime]:
    """(start, reset) of the org's credit day: midnight to midnight in the org's time zone."""
    zone = _zone(org.time_zone)
    local = (now or timezone.now()).astimezone(zone)
    start = datetime.combine(local.date(), dtime(0), tzinfo=zone)
    reset = datetime.combine(local.date() + timedelta(days=1), dtime(0), tzinfo=zone)
    return start, reset


def _used(org: Org, kind: str, window_start: int) -> int:
    return (
        RateWindow.objects.filter(org=org, kind=kind, window_start=window_start)
        .values_list("count", flat=True)
        .first()
        or 0
    )


@dataclass(frozen=True)
class CreditStatus:
    """An org's credits today, for headers and the sandbox admin page."""

    limit: int
    used: int
    reset_at: datetime
    max_concurrent: int
    in_flight: int

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)


def credit_status(org: Org, now: datetime | None = None) -> CreditStatus:
    now = now or timezone.now()
    start, reset = credit_day(org, now)
    in_flight = InFlightRequest.objects.filter(org=org, started_at__gte=now - IN_FLIGHT_STALE_AFTER).count()
    return CreditStatus(
        limit=org.daily_credits(),
        used=_used(org, CREDITS, int(start.timestamp())),
        reset_at=reset,
        max_concurrent=org.effective_max_concurrent,
        in_flight=in_flight,
    )


def _credit_headers(weight: int, remaining: int | None) -> dict[str, str]:
    headers = {WEIGHT_HEADER: str(weight)}
    if remaining is not None:
        headers[REMAINING_HEADER] = str(max(remaining, 0))
    return headers


def _minute_window(now: float) -> int:
    return int(now // 60) * 60


def _day_window(now: float) -> int:
    return int(now // 86400) * 86400


def _rate_headers(limit: int, remaining: int, reset: int) -> dict[str, str]:
    """The reference model's headers."""
    return {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(max(remaining, 0)),
        "X-RateLimit-Reset": str(reset),
    }


def rate_headers_for(org: Org | None) -> dict[str, str]:
    """The headers for a response that did not count against the budget (a 401, a 404, a 405): it cost
    nothing, and says what is left when the org is known (and the caller may act in it)."""
    if rate_model() == "real":
        return _credit_headers(0, credit_status(org).remaining if org is not None else None)
    now = time.time()
    minute = _minute_window(now)
    if org is None:
        return _rate_headers(DEFAULT_PER_MINUTE_WITHOUT_ORG, DEFAULT_PER_MINUTE_WITHOUT_ORG, minute + 60)
    limit = org.effective_per_minute_limit
    return _rate_headers(limit, limit - _used(org, "minute", minute), minute + 60)


def rate_headers_for_request(request: HttpRequest) -> dict[str, str]:
    """Headers for an answer given before the contract ran (URL_NOT_FOUND, a by-method 405): it cost
    nothing; what is left is told when the token is live and may act in the org the request names."""

    def find() -> dict[str, str]:
        try:
            token = _authenticate(request)
            org = _resolve_org(request, token, required=False) or _first_org(token)
        except DeskAPIError:
            org = None
        return rate_headers_for(org)

    return _retry_locked(find)


class _Admission:
    """The outcome of admitting a call: headers to send, and the in-flight row to remove afterwards."""

    def __init__(
        self, headers: dict[str, str], in_flight_id: int | None, refusal: DeskAPIError | None
    ) -> None:
        self.headers = headers
        self.in_flight_id = in_flight_id
        self.refusal = refusal


def _add(org: Org, kind: str, window_start: int, amount: int = 1) -> int:
    """Add to a usage window (creating it) and return its new total."""
    updated = RateWindow.objects.filter(org=org, kind=kind, window_start=window_start).update(
        count=F("count") + amount
    )
    if not updated:
        RateWindow.objects.create(org=org, kind=kind, window_start=window_start, count=amount)
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


def _in_flight(org: Org, stale_before: datetime) -> int:
    return InFlightRequest.objects.filter(org=org, started_at__gte=stale_before).count()


def _burst_starts(org: Org) -> bool:
    """Fault injection: a 429 burst answers several calls in a row, as a real throttle does. Consumes one
    call of a running burst, or starts one by chance."""
    burst_rate = org.burst_429_rate if org.burst_429_rate is not None else settings.SANDBOX_429_BURST
    if org.burst_429_remaining > 0:
        Org.objects.filter(pk=org.pk).update(burst_429_remaining=org.burst_429_remaining - 1)
        return True
    if burst_rate and random.random() < burst_rate:
        length = max(int(settings.SANDBOX_429_BURST_LENGTH) - 1, 0)
        Org.objects.filter(pk=org.pk).update(burst_429_remaining=length)
        return True
    return False


def _housekeeping(stale_before: datetime) -> None:
    if random.random() < 0.01:
        # Keep the counter tables small.
        RateWindow.objects.filter(window_start__lt=int(time.time()) - 3 * 86400).delete()
        InFlightRequest.objects.filter(started_at__lt=stale_before).delete()


def _admit(org: Org, weight: int) -> _Admission:
    if rate_model() == "reference":
        return _admit_reference(org)
    return _admit_credits(org, weight)


def _admit_credits(org: Org, weight: int) -> _Admission:
    """Charge the call's credits to the org's day and take a concurrency slot, in one transaction that
    holds the org's row (SQLite: the IMMEDIATE write lock), so threads and processes agree. A refused call
    (spent credits, no free slot, an injected 429) costs nothing: our best reading of Zoho's pages."""
    now = timezone.now()
    with transaction.atomic(using=SANDBOX_DB):
        locked = Org.objects.select_for_update().get(pk=org.pk)
        start, reset = credit_day(locked, now)
        window = int(start.timestamp())
        limit = locked.daily_credits()
        used = _used(locked, CREDITS, window)
        if used + weight > limit:
            headers = _credit_headers(0, limit - used)
            retry = max(1, math.ceil((reset - now).total_seconds()))
            message = (
                "You have exhausted the API credits of your organization for the day. "
                f"Try again after {retry} seconds."
            )
            refusal = DeskAPIError(
                429, "THRESHOLD_EXCEEDED", message, headers={**headers, "Retry-After": str(retry)}
            )
            return _Admission(headers, None, refusal)
        stale_before = now - IN_FLIGHT_STALE_AFTER
        if _in_flight(locked, stale_before) >= locked.effective_max_concurrent or _burst_starts(locked):
            headers = _credit_headers(0, limit - used)
            return _Admission(
                headers, None, _too_many(headers, CONCURRENCY_RETRY_AFTER, "concurrent API calls")
            )
        used = _add(locked, CREDITS, window, weight)
        flight = InFlightRequest.objects.create(org=locked)
        _housekeeping(stale_before)
    return _Admission(_credit_headers(weight, limit - used), flight.pk, None)


def _admit_reference(org: Org) -> _Admission:
    """The reference document's model (SANDBOX_RATE_MODEL=reference): calls a minute and a day by edition,
    X-RateLimit-* headers, every refusal a TOO_MANY_REQUESTS."""
    now = time.time()
    minute, day = _minute_window(now), _day_window(now)
    with transaction.atomic(using=SANDBOX_DB):
        locked = Org.objects.select_for_update().get(pk=org.pk)
        per_minute, per_day = locked.effective_per_minute_limit, locked.effective_daily_limit
        used_minute = _used(locked, "minute", minute)
        used_day = _used(locked, "day", day)
        minute_retry = max(1, minute + 60 - int(now))
        if used_minute >= per_minute:
            headers = _rate_headers(per_minute, 0, minute + 60)
            return _Admission(headers, None, _too_many(headers, minute_retry, "per-minute API limit"))
        if used_day >= per_day:
            headers = _rate_headers(per_minute, per_minute - used_minute, minute + 60)
            retry = max(1, day + 86400 - int(now))
            return _Admission(headers, None, _too_many(headers, retry, "daily API calls"))
        stale_before = timezone.now() - IN_FLIGHT_STALE_AFTER
        if _in_flight(locked, stale_before) >= locked.effective_max_concurrent:
            headers = _rate_headers(per_minute, per_minute - used_minute, minute + 60)
            return _Admission(headers, None, _too_many(headers, 1, "concurrent request limit"))
        if _burst_starts(locked):
            headers = _rate_headers(per_minute, 0, minute + 60)
            return _Admission(headers, None, _too_many(headers, minute_retry, "per-minute API limit"))
        used_minute = _add(locked, "minute", minute)
        _add(locked, "day", day)
        flight = InFlightRequest.objects.create(org=locked)
        _housekeeping(stale_before)
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
    latency = org.latency_ms if org.latency_ms is not None else int(settings.SANDBOX_LATENCY_MS)
    if latency:
        time.sleep(latency / 1000)
    timeout_rate = org.timeout_rate if org.timeout_rate is not None else float(settings.SANDBOX_TIMEOUT_RATE)
    if timeout_rate and random.random() < timeout_rate:
        seconds = org.timeout_seconds if org.timeout_seconds is not None else settings.SANDBOX_TIMEOUT_SECONDS
        time.sleep(float(seconds))
        return DeskAPIError(504, "GATEWAY_TIMEOUT", "The request timed out.")
    error_rate = org.error_rate if org.error_rate is not None else float(settings.SANDBOX_ERROR_RATE)
    if error_rate and random.random() < error_rate:
        if random.random() < 0.5:
            return DeskAPIError(500, "INTERNAL_SERVER_ERROR", "An internal server error occurred.")
        return DeskAPIError(503, "SERVICE_UNAVAILABLE", "The service is temporarily unavailable.")
    return None


def _org_or_setting(value: float | None, setting: str) -> float:
    return float(value) if value is not None else float(getattr(settings, setting))


def _lose_answer(org: Org, request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Fault injection for a write that Desk did: its answer comes late (after the caller's read timeout)
    or is cut off mid-way (the connection closes before the body is complete), as a proxy or a network
    fault can do. The write itself is committed already: only the answer is lost."""
    if (request.method or "GET").upper() in ("GET", "HEAD") or not 200 <= response.status_code < 300:
        return response
    late = _org_or_setting(org.late_answer_rate, "SANDBOX_LATE_ANSWER_RATE")
    dropped = _org_or_setting(org.dropped_answer_rate, "SANDBOX_DROPPED_ANSWER_RATE")
    roll = random.random()
    if late and roll < late:
        time.sleep(_org_or_setting(org.late_answer_seconds, "SANDBOX_LATE_ANSWER_SECONDS"))
        return response
    if dropped and late <= roll < late + dropped and not response.streaming:
        body = response.content
        cut = HttpResponse(body[: len(body) // 2], status=response.status_code)
        cut["Content-Type"] = response.get("Content-Type", "application/json")
        # Announce the whole body and send half of it: the caller never gets the rest (the server closes
        # the connection, or the caller's read times out waiting), so the answer is broken off.
        cut["Content-Length"] = str(len(body))
        return cut
    return response


# ---------------------------------------------------------------------------------------------------
# Request validation
# ---------------------------------------------------------------------------------------------------


def _presented_token(request: HttpRequest) -> str | None:
    """The token after `Zoho-oauthtoken` or `Bearer` (schemes compare without case, as HTTP's do)."""
    scheme, _, value = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() not in AUTH_SCHEMES or not value.strip():
        return None
    return value.strip()


def _authenticate(request: HttpRequest) -> AccessToken:
    """The live access token, or INVALID_OAUTH 401 for a missing, unknown, revoked or expired one."""
    presented = _presented_token(request)
    if presented is None:
        raise DeskAPIError(401, "INVALID_OAUTH", "The OAuth Token you provided is invalid.")
    token = (
        AccessToken.objects.select_related("user", "client").filter(token_hash=hash_token(presented)).first()
    )
    if token is None or token.revoked_at is not None:
        raise DeskAPIError(401, "INVALID_OAUTH", "The OAuth Token you provided is invalid.")
    if timezone.now() >= token.expires_at:
        raise DeskAPIError(401, "INVALID_OAUTH", "The OAuth Token you provided has expired.")
    return token


def _org_id_sent(request: HttpRequest) -> str:
    """orgId from the header (what clients send) or the query string (where Common.json declares it)."""
    return (request.headers.get("orgId") or request.GET.get("orgId") or "").strip()


def _resolve_org(request: HttpRequest, token: AccessToken, *, required: bool) -> Org | None:
    """The org the call acts in. Missing or malformed orgId: 422 UNPROCESSABLE_ENTITY naming it; an org
    the token's user is not in (or no such org): OAUTH_ORG_MISMATCH (403, our best reading)."""
    raw = _org_id_sent(request)
    if not raw:
        if required:
            message = "The 'orgId' parameter is missing."
            raise DeskAPIError(
                422, "UNPROCESSABLE_ENTITY", message, errors=[field_error("orgId", "missing", message)]
            )
        return None
    if ascii_int(raw, maximum=10**18) is None:
        message = "The value passed for the 'orgId' parameter is invalid."
        raise DeskAPIError(
            422, "UNPROCESSABLE_ENTITY", message, errors=[field_error("orgId", "invalid", message)]
        )
    org = Org.objects.filter(pk=int(raw)).first()
    if org is None or org.pk not in token.org_ids():
        raise DeskAPIError(
            403, "OAUTH_ORG_MISMATCH", "The OAuth Token is not valid for the specified organization."
        )
    return org


def _validate_params(request: HttpRequest, allowed: set[str], max_limit: int) -> None:
    for name in request.GET:
        if name not in allowed and name != "orgId":
            message = f"An extra parameter '{name}' is found"
            raise DeskAPIError(
                422, "UNPROCESSABLE_ENTITY", message, errors=[field_error(name, "invalid", message)]
            )
    for name, low, high in (("from", 0, None), ("limit", 1, max_limit)):
        if name not in allowed or name not in request.GET:
            continue
        value = ascii_int(request.GET.get(name, ""))
        if value is None or value < low or (high is not None and value > high):
            bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
            message = f"The value passed for the '{name}' query parameter is invalid: an integer {bounds}."
            raise DeskAPIError(
                422, "UNPROCESSABLE_ENTITY", message, errors=[field_error(name, "invalid", message)]
            )


# ---------------------------------------------------------------------------------------------------
# The decorator
# ---------------------------------------------------------------------------------------------------


# Query parameters that carry a secret (revoke's ?token=, a callback's ?code=, a token call sent with its
# parameters in the URL): kept out of the request log page.
SECRET_QUERY_NAMES = frozenset(
    {"token", "code", "refresh_token", "access_token", "client_secret", "code_verifier", "password"}
)


def redacted_query(query: str) -> str:
    """The query string with the values of ``SECRET_QUERY_NAMES`` replaced by ``[redacted]``."""
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(name.lower() in SECRET_QUERY_NAMES for name, _ in pairs):
        return query
    cleaned = [(name, "[redacted]" if name.lower() in SECRET_QUERY_NAMES else value) for name, value in pairs]
    return urlencode(cleaned, safe="[]")


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
    if not settings.SANDBOX_REQUEST_LOG:
        return
    try:
        _retry_locked(
            lambda: RequestLog.objects.create(
                kind=kind,
                method=request.method or "",
                path=request.path[:500],
                query=redacted_query(request.META.get("QUERY_STRING", ""))[:1000],
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
        cutoff = timezone.now() - timedelta(days=float(settings.SANDBOX_REQUEST_LOG_DAYS))
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
    list_call: bool | None = None,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Wrap a Desk API view in the contract (see the module docstring). `list_call` says whether the
    call is weighed as a list or search (3 credits and up by `from`) or a single record (1 credit);
    None infers it: a list when "from" is among the params."""
    allowed_params = set(params)
    allowed_methods = {m.upper() for m in methods} if methods else None
    is_list = ("from" in allowed_params) if list_call is None else list_call

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
                        weight = call_weight(list_call=is_list, offset=_offset(request))
                        admission = _retry_locked(lambda: _admit(budget_org, weight))
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
                    if budget_org is not None:
                        response = _lose_answer(budget_org, request, response)
                except DeskAPIError as error:
                    response = error.response()
                except Exception:
                    logger.exception("sandbox view failed: %s %s", request.method, request.path)
                    response = desk_error(500, "INTERNAL_SERVER_ERROR", "An internal server error occurred.")
            finally:
                if admission is not None:
                    _release(admission)
            if headers is None:
                # A refused call cost nothing; what is left is told only to a caller who may act in the org.
                told = org if org is not None or _org_id_sent(request) else _first_org(token)
                headers = _retry_locked(lambda: rate_headers_for(told))
            for name, value in headers.items():
                if name not in response:
                    response[name] = value
            log_request(
                request,
                status=response.status_code,
                kind=RequestLog.Kind.API,
                started=started,
                org_id=org.org_id if org else _org_id_sent(request)[:32],
                client_id=token.client.client_id if token else "",
                detail=_error_code(response),
            )
            return response

        wrapper.desk_scopes = tuple(scopes)  # type: ignore[attr-defined]
        wrapper.desk_params = frozenset(allowed_params)  # type: ignore[attr-defined]
        wrapper.desk_list_call = is_list  # type: ignore[attr-defined]
        return wrapper

    return decorate


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
    response = desk_error(404, "URL_NOT_FOUND", "The URL you requested could not be found.")
    for name, value in rate_headers_for_request(request).items():
        response[name] = value
    log_request(
        request,
        status=404,
        kind=RequestLog.Kind.API,
        started=started,
        org_id=_org_id_sent(request)[:32],
        detail="URL_NOT_FOUND",
    )
    return response


url_not_found = csrf_exempt(url_not_found)
