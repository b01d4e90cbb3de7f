"""Per-org API budget: concurrency cap, per-minute budget learned from headers, call counters (Django cache).

Everything lives in the Django cache (Redis in production, locmem in the embedded profile), so the
threads and processes of every web and worker process share one view of each org:

* **Concurrency**: at most ``DESK_MAX_CONCURRENT`` (10, Desk's cap) calls in flight per org. Each call
  holds a *slot*, a cache key taken with the atomic ``cache.add`` and given a lease, so a crashed
  process cannot leak a slot for longer than ``DESK_SLOT_LEASE_SECONDS``. Background callers may use
  only ``DESK_BACKGROUND_SHARE`` of the slots.
* **Per-minute budget**: learned from ``X-RateLimit-Limit/-Remaining/-Reset`` when Desk sends them
  (the sandbox does; the real Desk counts daily credits instead). Interactive calls may spend the
  budget to zero; background calls stop when only ``1 - DESK_BACKGROUND_SHARE`` of it is left, so a
  sync never starves a person clicking.
* **Counters** of calls per org per minute and per day, read by ``api_usage`` for the budget meter.
"""

from __future__ import annotations

import contextlib
import math
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from django.conf import settings
from django.core.cache import BaseCache, caches

Priority = Literal["interactive", "background"]

_NO_ORG = "-"  # calls made before an org is chosen (GET /organizations)


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def _cache() -> BaseCache:
    return caches[_setting("DESK_BUDGET_CACHE", "default")]


@dataclass
class ApiUsage:
    calls_this_minute: int
    calls_today: int
    minute_limit: int | None
    minute_remaining: int | None
    daily_limit: int | None
    daily_remaining: int | None
    reset_at: datetime | None


class BudgetBusy(Exception):
    """No slot or budget within the wait the caller accepts; ``retry_after`` seconds is a fair guess."""

    def __init__(self, reason: str, *, retry_after: float) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(float(value))
    except ValueError:
        return None


def reset_epoch(value: str | None, *, now: float) -> float | None:
    """``X-RateLimit-Reset``: an epoch time per the reference; small numbers are read as seconds from now."""
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    if number > 1e12:  # epoch milliseconds
        return number / 1000
    if number > 1e9:
        return number
    return now + max(0.0, number)


class OrgBudget:
    """The shared budget of one org. Cheap to build; all state is in the cache."""

    def __init__(
        self,
        org_id: str | None,
        *,
        cache: BaseCache | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.org_id = org_id or _NO_ORG
        self.cache = cache or _cache()
        self.clock = clock
        self.sleep = sleep
        self.max_concurrent = int(_setting("DESK_MAX_CONCURRENT", 10))
        self.background_share = float(_setting("DESK_BACKGROUND_SHARE", 0.7))
        self.slot_lease = float(_setting("DESK_SLOT_LEASE_SECONDS", 120))

    # Keys ---------------------------------------------------------------------------------------
    def _key(self, *parts: object) -> str:
        return ":".join(["desk", str(self.org_id), *map(str, parts)])

    # Concurrency --------------------------------------------------------------------------------
    def slots_for(self, priority: Priority) -> int:
        if priority == "background":
            return max(1, math.floor(self.max_concurrent * self.background_share))
        return self.max_concurrent

    @contextlib.contextmanager
    def slot(self, priority: Priority, *, max_wait: float) -> Iterator[None]:
        """Hold one of the org's in-flight slots for the duration of the block."""
        key = self.acquire_slot(priority, max_wait=max_wait)
        try:
            yield
        finally:
            self.release_slot(key)

    def release_slot(self, key: str) -> None:
        self.cache.delete(key)

    def acquire_slot(self, priority: Priority, *, max_wait: float) -> str:
        owner = uuid.uuid4().hex
        deadline = time.monotonic() + max_wait
        poll = 0.01
        while True:
            for index in range(self.slots_for(priority)):
                key = self._key("slot", index)
                if self.cache.add(key, owner, timeout=self.slot_lease):
                    return key
            if time.monotonic() >= deadline:
                raise BudgetBusy("all concurrent-call slots for this org are busy", retry_after=1.0)
            # A real sleep, never the injected one: it must let other threads finish their calls.
            time.sleep(poll)
            poll = min(poll * 2, 0.1)

    def in_flight(self) -> int:
        keys = [self._key("slot", index) for index in range(self.max_concurrent)]
        return len(self.cache.get_many(keys))

    # Per-minute budget ----------------------------------------------------------------------------
    def learn(self, headers: Mapping[str, str]) -> None:
        """Remember what Desk's ``X-RateLimit-*`` headers say; ignore answers without them."""
        limit = _int_header(headers, "X-RateLimit-Limit")
        remaining = _int_header(headers, "X-RateLimit-Remaining")
        if limit is None and remaining is None:
            return
        now = self.clock()
        reset_at = reset_epoch(headers.get("X-RateLimit-Reset"), now=now) or now + 60
        state = {"limit": limit, "remaining": remaining, "reset_at": reset_at}
        daily_limit = _int_header(headers, "X-RateLimit-Daily-Limit")
        daily_remaining = _int_header(headers, "X-RateLimit-Daily-Remaining")
        if daily_limit is not None or daily_remaining is not None:
            self.cache.set(
                self._key("daily"), {"limit": daily_limit, "remaining": daily_remaining}, timeout=2 * 86400
            )
        self.cache.set(self._key("minute"), state, timeout=max(1, int(reset_at - now) + 60))

    def minute_state(self) -> dict[str, Any] | None:
        state = self.cache.get(self._key("minute"))
        if not state or state.get("reset_at", 0) <= self.clock():
            return None
        return state

    def wait_needed(self, priority: Priority) -> float:
        """Seconds to wait before this priority may spend budget (0: go now)."""
        state = self.minute_state()
        if state is None:
            return self._wait_for_configured_limit(priority)
        limit, remaining = state.get("limit"), state.get("remaining")
        if remaining is None:
            return 0.0
        reserve = 0
        if priority == "background" and limit:
            reserve = math.ceil(limit * (1 - self.background_share))
        if remaining > reserve:
            return 0.0
        return max(0.0, state["reset_at"] - self.clock())

    def _wait_for_configured_limit(self, priority: Priority) -> float:
        # Without headers (the real Desk counts daily credits), an operator may still set a minute limit.
        limit = _setting("DESK_MINUTE_LIMIT", None)
        if not limit:
            return 0.0
        allowed = limit if priority == "interactive" else math.floor(limit * self.background_share)
        if self.calls_this_minute() < allowed:
            return 0.0
        return 60 - (self.clock() % 60)

    def spend(self) -> None:
        """Count one call about to be sent, in the counters and in the learned remaining budget."""
        now = self.clock()
        self._incr(self._key("calls", "m", int(now // 60)), timeout=180)
        self._incr(self._key("calls", "d", _day(now)), timeout=2 * 86400)
        state = self.minute_state()
        if state is not None and state.get("remaining") is not None:
            # Approximate across processes; the next answer's headers correct it.
            state["remaining"] = max(0, state["remaining"] - 1)
            self.cache.set(self._key("minute"), state, timeout=max(1, int(state["reset_at"] - now) + 60))

    def _incr(self, key: str, *, timeout: int) -> int:
        if self.cache.add(key, 1, timeout=timeout):
            return 1
        try:
            return self.cache.incr(key)
        except ValueError:  # expired between add and incr
            self.cache.add(key, 1, timeout=timeout)
            return 1

    def calls_this_minute(self) -> int:
        return int(self.cache.get(self._key("calls", "m", int(self.clock() // 60))) or 0)

    def calls_today(self) -> int:
        return int(self.cache.get(self._key("calls", "d", _day(self.clock()))) or 0)

    def usage(self) -> ApiUsage:
        state = self.minute_state()
        minute_limit = state.get("limit") if state else _setting("DESK_MINUTE_LIMIT", None)
        minute_remaining = state.get("remaining") if state else None
        if minute_remaining is None and minute_limit:
            minute_remaining = max(0, minute_limit - self.calls_this_minute())
        calls_today = self.calls_today()
        daily = self.cache.get(self._key("daily")) or {}
        daily_limit = daily.get("limit") or _setting("DESK_DAILY_LIMIT", None)
        daily_remaining = daily.get("remaining")
        if daily_remaining is None and daily_limit:
            daily_remaining = max(0, daily_limit - calls_today)
        return ApiUsage(
            calls_this_minute=self.calls_this_minute(),
            calls_today=calls_today,
            minute_limit=minute_limit,
            minute_remaining=minute_remaining,
            daily_limit=daily_limit,
            daily_remaining=daily_remaining,
            reset_at=datetime.fromtimestamp(state["reset_at"], tz=UTC) if state else None,
        )


def _day(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y%m%d")


def api_usage(org_id: str) -> ApiUsage:
    """This org's API use this minute and today, and the limits Desk announced (for the budget meter)."""
    return OrgBudget(org_id).usage()
