"""What ticket writes cost in Desk API credits, and what the org has left today (read from apps.desk)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from apps.desk import budget
from apps.desk.errors import CreditsExhausted, DeskError, RateLimited

# Desk's code for "the day's credits are spent" (Common.json); TOO_MANY_REQUESTS is concurrency.
THRESHOLD_EXCEEDED = "THRESHOLD_EXCEEDED"
# A single-record call (PATCH /tickets/{id}) costs 1 credit.
SINGLE_RECORD_CREDITS = 1
# POST /tickets/updateMany takes at most this many ids per call (our best reading; the OAS bounds ``ids``).
UPDATE_MANY_MAX_IDS = 50


def call_weight(method: str, path_template: str, params: dict[str, Any] | None = None) -> int:
    """The credits Desk charges for one call, as the Desk client weighs it."""
    return budget.call_weight(method, path_template, params or {})


def credits_spent(client: object) -> int | None:
    """The credits the client has spent so far (None when the client does not count them)."""
    for owner in (client, getattr(client, "http", None)):
        value = getattr(owner, "credits_spent", None)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return int(value)
    return None


def is_credits_exhausted(error: DeskError) -> bool:
    """The day's credits are spent (not a brief concurrency 429): writes wait for the reset."""
    if isinstance(error, CreditsExhausted):
        return True
    return isinstance(error, RateLimited) and (error.error_code or "").upper() == THRESHOLD_EXCEEDED


@dataclass
class CreditsToday:
    """What the org has left today, as far as the console knows (``remaining`` None: not seen yet)."""

    remaining: int | None
    limit: int | None
    reset_at: datetime
    paused: bool
    # The share of the day's credits background work (a bulk job) leaves for people clicking.
    reserve: int


def credits_today(org_id: str, *, edition: str | None = None) -> CreditsToday:
    """This org's credits, from the Desk client's shared budget (read defensively: a meter never breaks a page)."""
    try:
        usage = budget.api_usage(org_id, edition=edition)
    except Exception:  # a meter must never break the page it is on
        return CreditsToday(remaining=None, limit=None, reset_at=budget.reset_time(), paused=False, reserve=0)
    paused_until = getattr(usage, "paused_until", None)
    remaining = getattr(usage, "credits_left", None)
    limit = getattr(usage, "daily_limit", None)
    return CreditsToday(
        remaining=0 if paused_until is not None else remaining,
        limit=limit,
        reset_at=paused_until or budget.reset_time(),
        paused=paused_until is not None,
        # The budget's own reserve (the one background calls are stopped at), not a second computation.
        reserve=getattr(usage, "reserve", None) or 0,
    )


@dataclass
class BulkCost:
    """A bulk action's price before it starts: one PATCH per ticket, beside what updateMany would cost."""

    tickets: int
    credits: int
    per_ticket: int
    update_many_calls: int
    update_many_credits: int
    today: CreditsToday

    @property
    def affordable(self) -> bool:
        """Known to fit in what is left today, above the reserve kept for people (unknown: let it try)."""
        if self.today.paused:
            return False
        if self.today.remaining is None:
            return True
        return self.today.remaining - self.today.reserve >= self.credits

    @property
    def usable(self) -> int | None:
        """Credits a background job may spend today (what is left above the people's reserve)."""
        if self.today.remaining is None:
            return None
        return max(0, self.today.remaining - self.today.reserve)


def bulk_cost(*, org_id: str, tickets: int, edition: str | None = None) -> BulkCost:
    per_ticket = call_weight("PATCH", "/tickets/{ticket_id}")
    update_many_calls = math.ceil(tickets / UPDATE_MANY_MAX_IDS) if tickets else 0
    update_many_credits = update_many_calls * call_weight("POST", "/tickets/updateMany")
    return BulkCost(
        tickets=tickets,
        credits=tickets * per_ticket,
        per_ticket=per_ticket,
        update_many_calls=update_many_calls,
        update_many_credits=update_many_credits,
        today=credits_today(org_id, edition=edition),
    )


def reset_words(moment: datetime) -> str:
    """``00:00 tomorrow (UTC)``: when the credits come back, in the console's time zone."""
    local = timezone.localtime(moment)
    today = timezone.localdate()
    if local.date() == today:
        day = ""
    elif local.date() == today + timedelta(days=1):
        day = " tomorrow"
    else:
        day = f" on {local:%a %d %b}"
    return f"{local:%H:%M}{day} ({local.tzname()})"


def credits_exhausted_message(error: RateLimited) -> str:
    """What a refusal for spent credits means, with when writes go through again."""
    when = reset_words(error.retry_at)
    if (error.error_code or "").upper() == "BACKGROUND_SHARE_SPENT":
        return (
            "Background work has spent its share of today's Desk API credits (the rest is kept for people "
            f"working now); it can go on after the reset at {when}."
        )
    return (
        f"Today's Desk API credits for this org are spent: Desk takes writes again after the reset at {when}."
    )
