"""Per-org API budget: daily credits, the concurrency cap by edition, and the background reserve (Django cache).

Real Zoho Desk counts **API credits per org per day** (reset at midnight) and caps **concurrent calls per
org by edition**; it has no per-minute limit. Everything here lives in the Django cache (Redis in
production, locmem in the embedded profile), so every thread and process of every web and worker process
shares one view of each org:

* **Weight before the call**: ``call_weight(method, path_template, params)`` is what Desk will charge: 1 for
  a single-record call, 3/5/10/50/100 for a list or search by its ``from``. "List" is decided from the
  operation (``LIST_OPERATIONS``), never guessed from the path's shape.
* **Credits after the call**: every answer carries ``X-Rate-Limit-Request-Weight-v3`` (what this call cost)
  and ``X-Rate-Limit-Remaining-v3`` (what is left today). We add the weight to today's counter and keep the
  last "remaining" with the time it was seen.
* **Background reserve**: background work (sync) may not spend the last ``1 - DESK_BACKGROUND_SHARE`` of the
  day's credits, so people clicking always find credits left.
* **Paused until**: a 429 ``THRESHOLD_EXCEEDED`` means the day's credits are spent; we remember the reset
  time, and background callers do not even try before it.
* **Concurrency**: at most the edition's cap (Free 5, Express/Standard 10, Professional 15, Enterprise 25;
  ``DESK_MAX_CONCURRENT`` overrides) calls in flight per org. Each call holds a *slot*, a cache key taken
  with the atomic ``cache.add`` under a lease, so a crashed process cannot leak a slot for longer than
  ``DESK_SLOT_LEASE_SECONDS``. Background callers may use only ``DESK_BACKGROUND_SHARE`` of the slots.
* The reference document's ``X-RateLimit-*`` per-minute headers (the sandbox's opt-in "reference" model) are
  still read when present, harmlessly: a spent minute makes callers wait for its reset.
"""

from __future__ import annotations

import contextlib
import math
import re
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

WEIGHT_HEADER = "X-Rate-Limit-Request-Weight-v3"
REMAINING_HEADER = "X-Rate-Limit-Remaining-v3"

# GET /organizations "edition" (Organization.json enum: FREE_2019, FREE, NEW_FREE, ENTERPRISE, PROFESSIONAL,
# EXPRESS, ZOHOONE; its description adds STANDARD, ULTIMATE) -> concurrent calls Desk allows.
EDITION_CONCURRENCY: dict[str, int] = {
    "FREE": 5,
    "FREE_2019": 5,
    "NEW_FREE": 5,
    "TRIAL": 5,
    "EXPRESS": 10,
    "STANDARD": 10,
    "PROFESSIONAL": 15,
    "ENTERPRISE": 25,
    "ULTIMATE": 25,
    "ZOHOONE": 25,  # our best reading: Zoho One carries Desk Enterprise
}
# An edition we cannot read gets the smallest cap: slower, but never refused for concurrency.
UNKNOWN_EDITION_CONCURRENCY = 5

# Daily credits: (base, per agent). The agent count is not known here, so the base is a lower bound.
EDITION_DAILY_CREDITS: dict[str, tuple[int, int]] = {
    "FREE": (5_000, 0),
    "FREE_2019": (5_000, 0),
    "NEW_FREE": (5_000, 0),
    "TRIAL": (5_000, 0),
    "EXPRESS": (25_000, 100),
    "STANDARD": (50_000, 250),
    "PROFESSIONAL": (75_000, 500),
    "ENTERPRISE": (100_000, 1_000),
    "ULTIMATE": (100_000, 1_000),
    "ZOHOONE": (100_000, 1_000),
}

# The operations Desk charges as a list or search (by their ``from``): those whose OAS declares a ``from``
# parameter, keyed by our path templates. Everything else costs 1, including collections without paging
# (a ticket's tags and followers, the by-ids calls, webhooks, organizations): our best reading of Zoho's
# "1 credit for a single-record call", and the rule the sandbox applies too.
LIST_OPERATIONS: frozenset[str] = frozenset(
    {
        "/tickets",  # Ticket.json getTickets
        "/tickets/search",  # Search.json searchTickets
        "/associatedTickets",  # Ticket.json getAssociatedTickets
        "/tickets/archivedTickets",  # Ticket.json getArchivedTickets
        "/contacts/{contact_id}/tickets",  # Ticket.json getTicketsByContact
        "/accounts/{account_id}/tickets",
        "/accounts/{account_id}/contacts",
        "/tickets/{ticket_id}/threads",  # Thread.json
        "/tickets/{ticket_id}/conversations",
        "/tickets/{ticket_id}/comments",
        "/tickets/{ticket_id}/attachments",
        "/ticketTags",  # TicketTag.json listTicketTags
        "/tags/search",  # TicketTag.json searchTags
        "/tags/{tag_id}/tickets",  # TicketTag.json getTicketsByTag
        "/contacts",  # Contact.json getContacts
        "/contacts/search",
        "/accounts",
        "/accounts/search",
        "/agents",  # Agent.json getAgents
        "/departments",
        "/mailReplyAddress",  # MailReplyAddress.json getReplyMailAddresses
    }
)

# ``from`` ceilings and what a list call costs up to each (Zoho's API credits page; M).
_LIST_WEIGHTS: tuple[tuple[int, int], ...] = ((2_000, 3), (10_000, 5), (50_000, 10), (100_000, 50))
_BEYOND_WEIGHT = 100

_PLACEHOLDER = re.compile(r"\{[^}]+\}")


def _cache() -> BaseCache:
    return caches[settings.DESK_BUDGET_CACHE]


def _normal_template(path_template: str) -> str:
    """``/tickets/{id}/tags`` and ``/tickets/{ticket_id}/tags`` are one operation."""
    return _PLACEHOLDER.sub("{}", path_template.rstrip("/") or "/")


_LIST_TEMPLATES = frozenset(_normal_template(template) for template in LIST_OPERATIONS)


def is_list_operation(method: str, path_template: str) -> bool:
    return method.upper() == "GET" and _normal_template(path_template) in _LIST_TEMPLATES


def list_weight(start: int) -> int:
    """What a list or search call costs when it starts at ``from``."""
    for ceiling, weight in _LIST_WEIGHTS:
        if start <= ceiling:
            return weight
    return _BEYOND_WEIGHT


def call_weight(method: str, path_template: str, params: Mapping[str, Any] | None = None) -> int:
    """The credits Desk will charge for this call: 1 for a single record, a list's weight by its ``from``."""
    if not is_list_operation(method, path_template):
        return 1
    raw = (params or {}).get("from")
    try:
        start = max(0, int(raw)) if raw is not None else 0
    except (TypeError, ValueError):
        start = 0
    return list_weight(start)


def concurrency_for_edition(edition: str | None) -> int:
    """Desk's concurrent-call cap for an edition (GET /organizations ``edition``), or the safe minimum."""
    key = (edition or "").strip().upper().replace(" ", "_")
    return EDITION_CONCURRENCY.get(key, UNKNOWN_EDITION_CONCURRENCY)


def daily_base_for_edition(edition: str | None) -> int | None:
    """The edition's base daily credits (a lower bound: Desk adds credits per agent)."""
    key = (edition or "").strip().upper().replace(" ", "_")
    base = EDITION_DAILY_CREDITS.get(key)
    return base[0] if base else None


def next_reset(now: float) -> float:
    """Our best reading of when the day's credits come back: the next midnight, UTC.

    Desk resets at midnight in the org's (data center's) time zone; without it we assume UTC, and a 429's
    ``Retry-After`` corrects us whenever Desk says.
    """
    today = datetime.fromtimestamp(now, tz=UTC).date()
    return datetime(today.year, today.month, today.day, tzinfo=UTC).timestamp() + 86_400


@dataclass
class ApiUsage:
    """One org's API budget as the UI shows it (top-bar meter, connection pages)."""

    credits_used_today: int  # what this console spent today (the weights Desk reported)
    credits_left: int | None  # X-Rate-Limit-Remaining-v3 of the last answer today (None: not seen yet)
    daily_limit: int | None  # the day's credits, if known (setting, or learned: left + used)
    daily_limit_estimated: bool  # True when daily_limit is learned, not configured
    in_flight: int  # calls in flight now, across processes
    concurrency_cap: int  # the edition's (or the override's) concurrent-call cap
    paused_until: datetime | None  # set while the day's credits are spent (429 THRESHOLD_EXCEEDED)
    edition: str | None = None
    credits_seen_at: datetime | None = None
    reserve: int | None = None  # credits kept for people: background work stops at this many left

    @property
    def paused(self) -> bool:
        return self.paused_until is not None

    @property
    def credits_left_percent(self) -> int | None:
        if self.credits_left is None or not self.daily_limit:
            return None
        return max(0, min(100, round(100 * self.credits_left / self.daily_limit)))


class BudgetBusy(Exception):
    """No slot within the wait the caller accepts; ``retry_after`` seconds is a fair guess."""

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
    """``X-RateLimit-Reset`` (reference model): an epoch time; small numbers are seconds from now."""
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


def _day(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y%m%d")


class OrgBudget:
    """The shared budget of one org. Cheap to build; all state is in the cache."""

    def __init__(
        self,
        org_id: str | None,
        *,
        edition: str | None = None,
        remember: bool = True,
        cache: BaseCache | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """``remember`` False reads with the given ``edition`` without storing it (the meter, on every page)."""
        self.org_id = org_id or _NO_ORG
        self.cache = cache or _cache()
        self.clock = clock
        self.sleep = sleep
        self.background_share = float(settings.DESK_BACKGROUND_SHARE)
        self.slot_lease = float(settings.DESK_SLOT_LEASE_SECONDS)
        if edition and remember:
            self.remember_edition(edition)
        self.edition = edition or self.cache.get(self._key("edition"))
        override = settings.DESK_MAX_CONCURRENT
        self.max_concurrent = int(override) if override else concurrency_for_edition(self.edition)

    # Keys ---------------------------------------------------------------------------------------
    def _key(self, *parts: object) -> str:
        return ":".join(["desk", str(self.org_id), *map(str, parts)])

    def remember_edition(self, edition: str) -> None:
        """Keep what GET /organizations said, so every process (and the meter) caps alike."""
        self.cache.set(self._key("edition"), edition, timeout=30 * 86_400)

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
        # Count past the cap too: slots taken under a larger cap (an edition change) still hold calls.
        size = max(self.max_concurrent, max(EDITION_CONCURRENCY.values()))
        keys = [self._key("slot", index) for index in range(size)]
        return len(self.cache.get_many(keys))

    # Credits ------------------------------------------------------------------------------------
    def learn(self, headers: Mapping[str, str], *, expected_weight: int = 1, status: int = 200) -> int:
        """Record an answer's credits; return the weight charged (the header's, else our own estimate).

        An error answer without a weight header is taken as free: Desk refused it (our best reading; the
        sandbox charges nothing for refusals either). Any successful answer ends a pause, with or without
        the remaining-credits header: Desk served the call, so credits are back (a reset, an add-on bought
        mid-day). Only interactive calls go out while paused, so in practice a person's click ends it.
        """
        now = self.clock()
        weight = _int_header(headers, WEIGHT_HEADER)
        if weight is None:
            weight = expected_weight if status < 400 else 0
        weight = max(0, weight)
        if weight:
            self._incr(self._key("credits", _day(now)), weight, timeout=2 * 86_400)
        if status < 400:
            self.cache.delete(self._key("paused_until"))
        remaining = _int_header(headers, REMAINING_HEADER)
        if remaining is not None:
            self.cache.set(
                self._key("remaining"),
                {"remaining": remaining, "at": now, "day": _day(now)},
                timeout=2 * 86_400,
            )
            self._learn_limit(remaining, now)
        else:
            self.note_spent(weight)
        self._learn_reference(headers, now)
        return weight

    def _learn_limit(self, remaining: int, now: float) -> None:
        """The day's limit, estimated as credits left + credits we spent (a lower bound: others spend too)."""
        estimate = remaining + self.credits_used_today()
        key = self._key("limit", _day(now))
        known = self.cache.get(key) or 0
        if estimate > known:
            self.cache.set(key, estimate, timeout=2 * 86_400)

    def credits_used_today(self) -> int:
        return int(self.cache.get(self._key("credits", _day(self.clock()))) or 0)

    def credits_left(self, state: dict[str, Any] | None = None) -> int | None:
        """Credits left today per the last answer's header, less what we spent since (None: unknown).

        ``state`` is the cached "remaining" entry when the caller has already read it.
        """
        if state is None:
            state = self.cache.get(self._key("remaining"))
        now = self.clock()
        if not state or state.get("day") != _day(now):
            return None
        return max(0, int(state["remaining"]))

    def daily_limit(self) -> tuple[int | None, bool]:
        """(limit, estimated): ``DESK_DAILY_LIMIT`` if set, else learned from the headers, else the base."""
        configured = settings.DESK_DAILY_LIMIT
        if configured:
            return int(configured), False
        learned = self.cache.get(self._key("limit", _day(self.clock())))
        base = daily_base_for_edition(self.edition)
        candidates = [value for value in (learned, base) if value]
        if not candidates:
            return None, True
        return max(candidates), True

    def note_spent(self, weight: int) -> None:
        """Lower the remembered "credits left" by a call's weight, for callers in other processes.

        Approximate under concurrency; the next answer's header corrects it.
        """
        state = self.cache.get(self._key("remaining"))
        if not state or weight <= 0:
            return
        state["remaining"] = max(0, int(state["remaining"]) - weight)
        self.cache.set(self._key("remaining"), state, timeout=2 * 86_400)

    # Pause (credits spent) ------------------------------------------------------------------------
    def pause_until(self, until: float) -> None:
        """Credits are spent: nothing goes out for background work before ``until`` (epoch seconds)."""
        now = self.clock()
        self.cache.set(self._key("paused_until"), until, timeout=max(1, int(until - now) + 1))
        state = {"remaining": 0, "at": now, "day": _day(now)}
        self.cache.set(self._key("remaining"), state, timeout=2 * 86_400)

    def paused_until(self) -> float | None:
        until = self.cache.get(self._key("paused_until"))
        if until is None or float(until) <= self.clock():
            return None
        return float(until)

    def background_blocked_until(self, weight: int) -> float | None:
        """When background work may spend ``weight`` credits again; None when it may now.

        Background work stops while the day's credits are spent, and before it would eat into the
        reserve kept for people (the last ``1 - DESK_BACKGROUND_SHARE`` of the day's credits).
        """
        paused = self.paused_until()
        return paused if paused is not None else self.reserve_blocked_until(weight)

    def reserve_blocked_until(self, weight: int) -> float | None:
        """When background work may spend ``weight`` credits without eating into people's reserve; None now.

        ``background_blocked_until`` without the pause check, for a caller that has just made it.
        """
        now = self.clock()
        left = self.credits_left()
        limit, _ = self.daily_limit()
        if left is None or not limit:
            return None
        if left - weight < self.reserve_for(limit):
            return next_reset(now)
        return None

    def reserve_for(self, limit: int) -> int:
        """Credits kept for people out of a day's ``limit`` (rounded first: 40 * 0.3 is 12, not 12.000…1)."""
        return math.ceil(round(limit * (1 - self.background_share), 6))

    # Reference model (X-RateLimit-*), read only when present ---------------------------------------
    def _learn_reference(self, headers: Mapping[str, str], now: float) -> None:
        limit = _int_header(headers, "X-RateLimit-Limit")
        remaining = _int_header(headers, "X-RateLimit-Remaining")
        if limit is None and remaining is None:
            return
        reset_at = reset_epoch(headers.get("X-RateLimit-Reset"), now=now) or now + 60
        state = {"limit": limit, "remaining": remaining, "reset_at": reset_at}
        self.cache.set(self._key("minute"), state, timeout=max(1, int(reset_at - now) + 60))

    def minute_state(self) -> dict[str, Any] | None:
        """The reference model's minute budget, when the server sends ``X-RateLimit-*`` (real Desk does not)."""
        state = self.cache.get(self._key("minute"))
        if not state or state.get("reset_at", 0) <= self.clock():
            return None
        return state

    def minute_wait(self) -> float:
        """Seconds until the reference model's spent minute resets (0 when not spent or not in use)."""
        state = self.minute_state()
        if state is None or state.get("remaining") is None or state["remaining"] > 0:
            return 0.0
        return max(0.0, float(state["reset_at"]) - self.clock())

    # ------------------------------------------------------------------------------------------
    def _incr(self, key: str, amount: int, *, timeout: int) -> int:
        if self.cache.add(key, amount, timeout=timeout):
            return amount
        try:
            return int(self.cache.incr(key, amount))
        except ValueError:  # expired between add and incr
            self.cache.add(key, amount, timeout=timeout)
            return amount

    def usage(self) -> ApiUsage:
        limit, estimated = self.daily_limit()
        paused = self.paused_until()
        state = self.cache.get(self._key("remaining"))
        seen_at = (
            datetime.fromtimestamp(state["at"], tz=UTC)
            if state and state.get("day") == _day(self.clock())
            else None
        )
        return ApiUsage(
            credits_used_today=self.credits_used_today(),
            credits_left=self.credits_left(state),
            daily_limit=limit,
            daily_limit_estimated=estimated,
            in_flight=self.in_flight(),
            concurrency_cap=self.max_concurrent,
            paused_until=datetime.fromtimestamp(paused, tz=UTC) if paused is not None else None,
            edition=self.edition,
            credits_seen_at=seen_at,
            reserve=self.reserve_for(limit) if limit else None,
        )


def api_usage(org_id: str, *, edition: str | None = None) -> ApiUsage:
    """This org's credits today, calls in flight and pause state (for the API meter and connection pages)."""
    return OrgBudget(org_id, edition=edition, remember=False).usage()


def reset_time(now: float | None = None) -> datetime:
    """The next credit reset as a datetime (see ``next_reset``)."""
    return datetime.fromtimestamp(next_reset(now if now is not None else time.time()), tz=UTC)


__all__ = [
    "EDITION_CONCURRENCY",
    "LIST_OPERATIONS",
    "ApiUsage",
    "BudgetBusy",
    "OrgBudget",
    "Priority",
    "api_usage",
    "call_weight",
    "concurrency_for_edition",
    "is_list_operation",
    "list_weight",
    "next_reset",
    "reset_epoch",
    "reset_time",
]
