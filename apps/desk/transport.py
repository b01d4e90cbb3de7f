"""The Desk client's HTTP engine: auth headers, credits and concurrency, retries with backoff, error mapping, call log.

The two 429s of real Desk are told apart by ``errorCode``: ``THRESHOLD_EXCEEDED`` (the day's credits are
spent) raises ``CreditsExhausted`` at once and pauses the org's background work until the reset;
``TOO_MANY_REQUESTS`` (too many concurrent calls) is retried after a brief backoff, a bounded number of times.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import IO, Any, Literal, Protocol
from urllib.parse import quote

import httpx
from django.conf import settings

from apps.desk.budget import BudgetBusy, OrgBudget, Priority, call_weight, next_reset, reset_epoch
from apps.desk.errors import (
    CreditsExhausted,
    DeskError,
    DeskNetworkError,
    DeskOutcomeUnknown,
    DeskRequestNotSent,
    RateLimited,
    error_from_response,
)
from apps.ops import hooks as ops_hooks

logger = logging.getLogger("apps.desk")

# "idempotent": safe to send again (GET, PUT, DELETE, PATCH of plain fields, trash/activate actions).
# "create": a POST that creates something: resent only when it surely never reached Desk.
RetryMode = Literal["idempotent", "create"]

# A gateway in front of Desk answering for it: Desk itself may have done the work (a create's outcome is
# unknown). Other 5xx answers come from Desk and mean it failed.
GATEWAY_STATUSES = frozenset({502, 504})

# The ``sourceId`` namespace (apps.desk.jwks.source_id_for gives the same value for an org).
_SOURCE_NAMESPACE = uuid.UUID("2f0c7a52-6d0e-4f5e-9a57-3c2d1e0b9a41")

USER_AGENT = "DeskAdmin/0.1 (self-hosted Zoho Desk console; httpx)"


class TokenProvider(Protocol):
    def access_token(self) -> str: ...  # current token (may refresh if near expiry)

    def refresh_access_token(self, *, rejected: str) -> str: ...  # called once on 401 with the rejected token


# What ``transport=`` takes everywhere (the Desk client, the accounts calls, desk_client_for): an
# ``httpx.MockTransport`` in tests, or a wrapper such as the sync's credit meter. Callers outside apps/desk
# name it through this alias and never import httpx themselves.
Transport = httpx.BaseTransport

# The one test hook: per service, a transport used by every client built without an explicit one. Code
# deep inside a request or a worker (a consent callback, a token refresh) builds its own client, so no
# argument can reach it; tests set this with ``transports_for_tests`` instead of patching a module global.
Service = Literal["desk", "accounts"]
_test_transports: dict[str, Transport] = {}


@contextlib.contextmanager
def transports_for_tests(service: Service, transport: Transport) -> Iterator[Transport]:
    """While active, ``service`` calls made without ``transport=`` go through ``transport`` (tests only)."""
    previous = _test_transports.get(service)
    _test_transports[service] = transport
    try:
        yield transport
    finally:
        if previous is None:
            _test_transports.pop(service, None)
        else:
            _test_transports[service] = previous


def transport_for(service: Service, transport: Transport | None) -> Transport | None:
    """The transport a new client uses: the one given, else a test's, else None (the network)."""
    return transport if transport is not None else _test_transports.get(service)


def http_timeout(*, read: float, write: float) -> httpx.Timeout:
    """Connect and pool waits are the Desk client's for every Zoho host; read and write vary by service."""
    return httpx.Timeout(
        connect=settings.DESK_CONNECT_TIMEOUT, read=read, write=write, pool=settings.DESK_POOL_TIMEOUT
    )


_shared_lock = threading.Lock()
_shared_client: httpx.Client | None = None
_shared_pid: int | None = None


def shared_http_client() -> httpx.Client:
    """One pooled httpx.Client per process (rebuilt after a fork: pools must not cross processes)."""
    global _shared_client, _shared_pid
    with _shared_lock:
        if _shared_client is None or _shared_pid != os.getpid():
            _shared_client = httpx.Client(
                limits=httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=30),
                headers={"User-Agent": USER_AGENT},
                follow_redirects=False,
            )
            _shared_pid = os.getpid()
        return _shared_client


def http_client_for(transport: Transport | None) -> tuple[httpx.Client, bool]:
    """The client to send with and whether the caller owns it (and must close it).

    A test's transport gets a client of its own; otherwise the process's shared pool is used.
    """
    if transport is not None:
        client = httpx.Client(transport=transport, headers={"User-Agent": USER_AGENT}, follow_redirects=False)
        return client, True
    return shared_http_client(), False


def query_params(params: Mapping[str, Any] | None) -> dict[str, str]:
    """Only what was given: Desk rejects unknown or empty parameters, so None is never sent."""
    result: dict[str, str] = {}
    for key, value in (params or {}).items():
        if value is None:
            continue
        if isinstance(value, bool):
            result[key] = "true" if value else "false"
        elif isinstance(value, list | tuple | set):
            if not value:
                continue
            result[key] = ",".join(str(item) for item in value)
        else:
            result[key] = str(value)
    return result


def _never_reached_server(exc: httpx.TransportError) -> bool:
    # A connect failure or a wait for a pooled connection: no byte of the request left this process.
    return isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


def _json_or_none(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


class DeskHttp:
    """Sends one logical Desk call, retrying as its RetryMode allows. Used by DeskClient."""

    def __init__(
        self,
        *,
        api_base_url: str,
        org_id: str | None,
        token_provider: TokenProvider,
        transport: httpx.BaseTransport | None = None,
        priority: Priority = "interactive",
        timeout: float | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
        rng: random.Random | None = None,
        budget: OrgBudget | None = None,
        edition: str | None = None,
    ) -> None:
        if priority not in ("interactive", "background"):
            raise ValueError("priority must be 'interactive' or 'background'")
        self.api_base_url = api_base_url.rstrip("/")
        self.org_id = org_id
        self.source_id = str(uuid.uuid5(_SOURCE_NAMESPACE, f"{settings.SITE_URL}|{org_id or ''}"))
        self.token_provider = token_provider
        self.priority: Priority = priority
        self.sleep = sleep or time.sleep
        self.clock = clock or time.time
        self.rng = rng or random.Random()
        self.budget = budget or OrgBudget(org_id, edition=edition, clock=self.clock, sleep=self.sleep)
        # Credits the answers reported (or our computed weight when an answer had no header), summed over
        # this object's life: a service reads it before and after a write to audit what the write cost.
        self.credits_spent = 0
        self.last_call_credits = 0
        self.http, self._own_client = http_client_for(transport_for("desk", transport))
        self.timeout = http_timeout(
            read=float(timeout if timeout is not None else settings.DESK_READ_TIMEOUT),
            write=settings.DESK_WRITE_TIMEOUT,
        )
        self.max_attempts = max(1, settings.DESK_MAX_ATTEMPTS)
        self.backoff_base = settings.DESK_BACKOFF_BASE
        self.backoff_cap = settings.DESK_BACKOFF_CAP
        self.max_rate_wait = (
            settings.DESK_MAX_WAIT_BACKGROUND
            if priority == "background"
            else settings.DESK_MAX_WAIT_INTERACTIVE
        )

    def close(self) -> None:
        if self._own_client:
            self.http.close()

    # ------------------------------------------------------------------------------------------
    def backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter: between half and all of base * 2^(attempt-1), capped."""
        delay = min(self.backoff_cap, self.backoff_base * (2 ** (attempt - 1)))
        return delay / 2 + self.rng.uniform(0, delay / 2)

    def url(self, path_template: str, path_params: Mapping[str, Any] | None) -> str:
        quoted = {key: quote(str(value), safe="") for key, value in (path_params or {}).items()}
        return self.api_base_url + path_template.format(**quoted)

    def _same_origin(self, absolute_url: str) -> str:
        wanted = httpx.URL(self.api_base_url)
        given = httpx.URL(absolute_url)
        if (given.scheme, given.host, given.port) != (wanted.scheme, wanted.host, wanted.port):
            raise DeskError("Zoho Desk pointed at a file on another host; it was not fetched.")
        return str(given)

    def _headers(self, token: str, *, org_header: bool) -> dict[str, str]:
        headers = {"Authorization": f"Zoho-oauthtoken {token}", "Accept": "application/json"}
        if org_header and self.org_id:
            headers["orgId"] = str(self.org_id)
            # Our own changes are marked, so webhooks created with this ignoreSourceId do not echo them.
            headers["sourceId"] = self.source_id
        return headers

    def _retry_at(self, response: httpx.Response, attempt: int) -> datetime:
        """When Desk said a call may succeed again: Retry-After, else X-RateLimit-Reset, else backoff."""
        now = self.clock()
        retry_after = _retry_after_at(response.headers.get("Retry-After"), now=now)
        if retry_after is not None:
            return retry_after
        reset = reset_epoch(response.headers.get("X-RateLimit-Reset"), now=now)
        if reset is not None:
            return datetime.fromtimestamp(max(now, reset), tz=UTC)
        return datetime.fromtimestamp(now + self.backoff(attempt), tz=UTC)

    def _log(
        self,
        *,
        method: str,
        path_template: str,
        status: int | str,
        started: float,
        attempt: int,
        credits: int = 0,
    ) -> None:
        duration_ms = int((time.monotonic() - started) * 1000)
        fields = {
            "org": self.org_id or "-",
            "method": method,
            "path": path_template,
            "status": status,
            "duration_ms": duration_ms,
            "attempt": attempt,
            "priority": self.priority,
            "credits": credits,
        }
        level = logging.INFO if isinstance(status, int) and status < 400 else logging.WARNING
        # The path *template* only: ids and query strings (search terms, emails) stay out of logs.
        logger.log(
            level,
            "desk_call org=%(org)s method=%(method)s path=%(path)s status=%(status)s "
            "duration_ms=%(duration_ms)s attempt=%(attempt)s priority=%(priority)s credits=%(credits)s",
            fields,
            extra={"desk_call": fields},
        )
        ops_hooks.desk_call(
            method=method,
            path_template=path_template,
            status=status,
            duration_s=duration_ms / 1000,
            org=self.org_id or "-",
            credits=credits,
            priority=self.priority,
        )

    # ------------------------------------------------------------------------------------------
    def request(
        self,
        method: str,
        path_template: str,
        *,
        retry: RetryMode,
        path_params: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        files: Mapping[str, tuple[str, bytes | IO[bytes], str]] | None = None,
        org_header: bool = True,
        stream: bool = False,
        absolute_url: str | None = None,
    ) -> httpx.Response:
        """Send the call; return a 2xx response (open, for ``stream``) or raise a DeskError.

        ``absolute_url`` (a URL Desk gave us, such as an attachment's ``href``) replaces the built URL; it
        must be on the API's own host, so the token is never sent elsewhere. ``path_template`` still names
        the operation for the weight and the log.
        """
        url = self._same_origin(absolute_url) if absolute_url else self.url(path_template, path_params)
        query = query_params(params)
        weight = call_weight(method, path_template, params)
        self.last_call_credits = 0
        refreshed = False
        attempt = 0
        sent_before = False  # an earlier attempt reached Desk and its answer was lost
        # A file object is rewound before each attempt, so a retried upload sends the whole file.
        file_starts = {
            name: spec[1].tell() for name, spec in (files or {}).items() if not isinstance(spec[1], bytes)
        }
        while True:
            attempt += 1
            self._wait_for_budget(weight)
            token = self.token_provider.access_token()
            for name, start in file_starts.items():
                file_object = (files or {})[name][1]
                if not isinstance(file_object, bytes):
                    file_object.seek(start)
            request = self.http.build_request(
                method,
                url,
                params=query or None,  # None keeps the query of a URL Desk gave us (an href)
                json=json,
                files=files,
                headers=self._headers(token, org_header=org_header),
                timeout=self.timeout,
            )
            try:
                slot = self.budget.acquire_slot(self.priority, max_wait=self.max_rate_wait)
            except BudgetBusy as exc:
                now = datetime.fromtimestamp(self.clock(), tz=UTC)
                raise RateLimited(
                    "Too many Desk calls in flight for this org; try again shortly.",
                    retry_at=now + timedelta(seconds=exc.retry_after),
                    status=None,
                    error_code="CONCURRENCY_LIMIT",
                    now=now,
                ) from exc
            release_slot = True
            started = time.monotonic()
            failure: httpx.TransportError | None = None
            try:
                try:
                    response = self.http.send(request, stream=stream)
                except httpx.TransportError as exc:
                    self._log(
                        method=method,
                        path_template=path_template,
                        status=type(exc).__name__,
                        started=started,
                        attempt=attempt,
                    )
                    failure = exc
                else:
                    release_slot = self._answered(
                        response, slot, method, path_template, started, attempt, stream, weight
                    )
                    if not release_slot or response.status_code < 400:
                        return response
            finally:
                # Backoff waits happen below, after the slot is given back to other callers.
                if release_slot:
                    self.budget.release_slot(slot)

            if failure is not None:
                never_sent = _never_reached_server(failure)
                if (retry == "idempotent" or never_sent) and attempt < self.max_attempts:
                    sent_before = sent_before or not never_sent
                    self.sleep(self.backoff(attempt))
                    continue
                if method.upper() in ("GET", "HEAD"):
                    raise DeskNetworkError(
                        f"Could not reach Zoho Desk ({type(failure).__name__}).",
                        error_code=type(failure).__name__,
                    ) from failure
                if never_sent and not sent_before:
                    raise DeskRequestNotSent(
                        f"Could not reach Zoho Desk ({type(failure).__name__}); nothing was sent.",
                        error_code=type(failure).__name__,
                    ) from failure
                raise DeskOutcomeUnknown(
                    f"Zoho Desk's answer was lost ({type(failure).__name__}); it may have done it.",
                    error_code=type(failure).__name__,
                ) from failure

            body = _json_or_none(response)
            status = response.status_code
            if status == 401 and not refreshed:
                # An expired or revoked token: ask for a fresh one once, and retry once.
                refreshed = True
                attempt -= 1
                self.token_provider.refresh_access_token(rejected=token)
                continue
            if status == 429 and _error_code(body) == "THRESHOLD_EXCEEDED":
                # The day's credits are spent: retrying before the reset only fails again.
                retry_at = self._credits_reset_at(response)
                self.budget.pause_until(retry_at.timestamp())
                raise error_from_response(
                    status=status,
                    body=body,
                    retry_at=retry_at,
                    now=datetime.fromtimestamp(self.clock(), tz=UTC),
                )
            if status == 429:
                # TOO_MANY_REQUESTS (concurrency) or the reference model's spent minute: brief, bounded waits.
                retry_at = self._retry_at(response, attempt)
                wait = (retry_at - datetime.fromtimestamp(self.clock(), tz=UTC)).total_seconds()
                # A 429 is refused before any work, so even a create may be resent.
                if wait <= self.max_rate_wait and attempt < self.max_attempts:
                    self.sleep(max(0.0, wait))
                    continue
                raise error_from_response(
                    status=status,
                    body=body,
                    retry_at=retry_at,
                    now=datetime.fromtimestamp(self.clock(), tz=UTC),
                )
            if status >= 500 and retry == "idempotent" and attempt < self.max_attempts:
                sent_before = sent_before or status in GATEWAY_STATUSES
                self.sleep(self.backoff(attempt))
                continue
            if method.upper() not in ("GET", "HEAD") and (
                status in GATEWAY_STATUSES or (status >= 500 and sent_before)
            ):
                # A gateway answered instead of Desk (or an earlier try's answer was lost): maybe done.
                raise DeskOutcomeUnknown(
                    f"Zoho Desk's answer was lost (HTTP {status} from a gateway); it may have done it.",
                    status=status,
                    error_code=_error_code(body) or "GATEWAY",
                )
            raise error_from_response(
                status=status, body=body, now=datetime.fromtimestamp(self.clock(), tz=UTC)
            )

    def _answered(
        self,
        response: httpx.Response,
        slot: str,
        method: str,
        path_template: str,
        started: float,
        attempt: int,
        stream: bool,
        weight: int,
    ) -> bool:
        """Learn from and log an answer; False when a streamed success keeps its slot until closed."""
        charged = self.budget.learn(response.headers, expected_weight=weight, status=response.status_code)
        self.credits_spent += charged
        self.last_call_credits += charged
        self._log(
            method=method,
            path_template=path_template,
            status=response.status_code,
            started=started,
            attempt=attempt,
            credits=charged,
        )
        if stream and response.status_code < 400:
            _release_on_close(response, functools.partial(self.budget.release_slot, slot))
            return False
        if stream:
            response.read()
            response.close()
        return True

    def _wait_for_budget(self, weight: int) -> None:
        """Refuse background calls while credits are spent or only the people's reserve is left.

        Also waits out the reference model's spent minute when the server uses ``X-RateLimit-*``.
        """
        now = datetime.fromtimestamp(self.clock(), tz=UTC)
        if self.priority == "background":
            paused = self.budget.paused_until()
            if paused is not None:
                raise CreditsExhausted(
                    "This org's Desk API credits for today are spent; background work resumes at the reset.",
                    retry_at=datetime.fromtimestamp(paused, tz=UTC),
                    status=None,
                    error_code="CREDITS_PAUSED",
                    now=now,
                )
            blocked = self.budget.reserve_blocked_until(weight)  # the pause was just checked
            if blocked is not None:
                raise CreditsExhausted(
                    "Background work has spent its share of today's Desk API credits; the rest is kept "
                    "for people.",
                    retry_at=datetime.fromtimestamp(blocked, tz=UTC),
                    status=None,
                    error_code="BACKGROUND_SHARE_SPENT",
                    now=now,
                )
        wait = self.budget.minute_wait()
        if wait <= 0:
            return
        if wait > self.max_rate_wait:
            raise RateLimited(
                "This org's Desk API budget for the minute is spent; try again later.",
                retry_at=now + timedelta(seconds=wait),
                status=None,
                error_code="BUDGET_EXHAUSTED",
                now=now,
            )
        self.sleep(wait)

    def _credits_reset_at(self, response: httpx.Response) -> datetime:
        """When spent credits come back: ``Retry-After`` (Desk sends it up to the reset), else next midnight."""
        now = self.clock()
        retry_after = _retry_after_at(response.headers.get("Retry-After"), now=now)
        if retry_after is not None:
            return retry_after
        return datetime.fromtimestamp(next_reset(now), tz=UTC)

    def json(self, method: str, path_template: str, **kwargs: Any) -> Any:
        """The decoded JSON of a call; None for 204 No Content or an empty body."""
        response = self.request(method, path_template, **kwargs)
        if response.status_code == 204:
            return None
        body = _json_or_none(response)
        if body is None and response.content:
            raise DeskError(
                "Zoho Desk answered with something that is not JSON.", status=response.status_code
            )
        return body


def _error_code(body: Any) -> str | None:
    if isinstance(body, dict):
        code = body.get("errorCode") or body.get("code")
        return str(code).upper() if code else None
    return None


def _release_on_close(response: httpx.Response, release: Callable[[], None]) -> None:
    """Give the concurrency slot back when the caller closes a streamed response."""
    original_close = response.close
    released = False

    def close() -> None:
        nonlocal released
        try:
            original_close()
        finally:
            if not released:
                released = True
                release()

    response.close = close  # type: ignore[method-assign]


def _retry_after_at(value: str | None, *, now: float) -> datetime | None:
    """The moment a ``Retry-After`` header names (delta seconds or an HTTP date); None if absent or unreadable."""
    if not value:
        return None
    try:
        return datetime.fromtimestamp(now + max(0.0, float(value)), tz=UTC)
    except ValueError:
        try:
            return parsedate_to_datetime(value).astimezone(UTC)
        except (TypeError, ValueError):
            return None
