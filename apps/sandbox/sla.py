"""SLA due-time computation for the sandbox: targets from a policy, counted in business hours."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Monday..Friday, 09:00-18:00: what a department without configured hours gets, like Desk's default.
DEFAULT_DAYS: dict[int, tuple[dt.time, dt.time]] = {day: (dt.time(9, 0), dt.time(18, 0)) for day in range(5)}
WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAY_CODES = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


@dataclass(frozen=True)
class BusinessHours:
    """Working windows per weekday (0 = Monday) in a time zone; `always` means 24x7."""

    timezone: str = "UTC"
    days: dict[int, tuple[dt.time, dt.time]] = field(default_factory=lambda: dict(DEFAULT_DAYS))
    always: bool = False
    holidays: frozenset[dt.date] = frozenset()

    def zone(self) -> dt.tzinfo:
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return dt.UTC


def _window(value: Any) -> tuple[dt.time, dt.time] | None:
    """["09:00", "17:00"] or {"from": "09:00", "to": "17:00"}."""
    try:
        if isinstance(value, dict):
            start, end = dt.time.fromisoformat(value["from"]), dt.time.fromisoformat(value["to"])
        else:
            start, end = dt.time.fromisoformat(value[0]), dt.time.fromisoformat(value[1])
    except (TypeError, ValueError, IndexError, KeyError):
        return None
    return (start, end) if end > start else None


def _holidays(config: dict[str, Any]) -> frozenset[dt.date]:
    days = set()
    for value in config.get("holidays") or []:
        try:
            days.add(dt.date.fromisoformat(str(value)))
        except ValueError:
            continue
    return frozenset(days)


def business_hours_from_config(config: Any, *, timezone: str = "UTC") -> BusinessHours:
    """Reads a department's business-hours JSON.

    Accepted: None (weekday defaults), "24x7", {"timeZone": ..., "days": {"MON": {"from": "09:00",
    "to": "17:00"}, ...}, "holidays": ["2026-12-25"]}, or {"monday": ["09:00", "18:00"], ...}.
    """
    if config in (None, "", {}):
        return BusinessHours(timezone=timezone)
    if config == "24x7" or (isinstance(config, dict) and config.get("type") == "24x7"):
        return BusinessHours(timezone=timezone, always=True)
    if not isinstance(config, dict):
        return BusinessHours(timezone=timezone)
    timezone = str(config.get("timezone") or config.get("timeZone") or timezone)
    holidays = _holidays(config)
    source = config.get("days", config)
    days: dict[int, tuple[dt.time, dt.time]] = {}
    for index, (name, code) in enumerate(zip(WEEKDAY_NAMES, WEEKDAY_CODES, strict=True)):
        raw = source.get(code, source.get(name)) if isinstance(source, dict) else None
        window = _window(raw) if raw else None
        if window:
            days[index] = window
    if not days:
        return BusinessHours(timezone=timezone, holidays=holidays)
    return BusinessHours(timezone=timezone, days=days, holidays=holidays)


def add_business_time(start: dt.datetime, *, hours: float, business_hours: BusinessHours) -> dt.datetime:
    """The instant `hours` of working time after `start`, skipping closed hours and days."""
    if start.tzinfo is None:
        start = start.replace(tzinfo=dt.UTC)
    remaining = dt.timedelta(hours=hours)
    if business_hours.always or not business_hours.days:
        return start + remaining
    zone = business_hours.zone()
    cursor = start.astimezone(zone)
    # A week always contains a working window, so this terminates; 3660 days is a safety bound.
    for _ in range(3660):
        window = business_hours.days.get(cursor.weekday())
        if window and cursor.date() not in business_hours.holidays:
            open_at = dt.datetime.combine(cursor.date(), window[0], tzinfo=zone)
            close_at = dt.datetime.combine(cursor.date(), window[1], tzinfo=zone)
            begin = max(cursor, open_at)
            if begin < close_at:
                available = close_at - begin
                if remaining <= available:
                    return (begin + remaining).astimezone(dt.UTC)
                remaining -= available
        next_day = cursor.date() + dt.timedelta(days=1)
        cursor = dt.datetime.combine(next_day, dt.time(0, 0), tzinfo=zone)
    return (start + remaining).astimezone(dt.UTC)


@dataclass(frozen=True)
class SlaTarget:
    due_time: dt.datetime | None
    met_time: dt.datetime | None
    now: dt.datetime

    @property
    def is_overdue(self) -> bool:
        if self.due_time is None:
            return False
        reference = self.met_time or self.now
        return reference > self.due_time

    @property
    def remaining_ms(self) -> int | None:
        if self.due_time is None:
            return None
        if self.met_time is not None:
            return 0
        return int((self.due_time - self.now).total_seconds() * 1000)


def target_due(
    *,
    start: dt.datetime,
    business_hours_value: float | None,
    calendar_hours_value: float | None,
    business_hours: BusinessHours,
) -> dt.datetime | None:
    """A policy's target is given in business hours or in calendar hours (the seed's two fields)."""
    if business_hours_value is not None:
        return add_business_time(start, hours=float(business_hours_value), business_hours=business_hours)
    if calendar_hours_value is not None:
        return start + dt.timedelta(hours=float(calendar_hours_value))
    return None


def ticket_sla_targets(
    *,
    created: dt.datetime,
    response: tuple[float | None, float | None],
    resolution: tuple[float | None, float | None],
    business_hours: BusinessHours,
    now: dt.datetime,
    responded: dt.datetime | None = None,
    closed: dt.datetime | None = None,
) -> tuple[SlaTarget, SlaTarget]:
    """Response and resolution targets; each tuple is (businessHours, calendarHours) from the policy."""
    response_due = target_due(
        start=created,
        business_hours_value=response[0],
        calendar_hours_value=response[1],
        business_hours=business_hours,
    )
    resolution_due = target_due(
        start=created,
        business_hours_value=resolution[0],
        calendar_hours_value=resolution[1],
        business_hours=business_hours,
    )
    return (
        SlaTarget(due_time=response_due, met_time=responded, now=now),
        SlaTarget(due_time=resolution_due, met_time=closed, now=now),
    )


# ---------------------------------------------------------------------------------------------------
# Applied to sandbox records
# ---------------------------------------------------------------------------------------------------


def policy_for(*, org: Any, department: Any) -> Any:
    """The active policy of the ticket's department, else the org's default policy, else None."""
    from apps.sandbox.models import SlaPolicy

    policies = SlaPolicy.objects.filter(org=org, is_active=True)
    return (
        policies.filter(department=department).order_by("-is_default", "id").first()
        or policies.filter(department__isnull=True, is_default=True).order_by("id").first()
        or policies.filter(is_default=True).order_by("id").first()
    )


def policy_hours(policy: Any, priority: str) -> tuple[float | None, float | None]:
    """(response hours, resolution hours) for a priority; an unknown priority uses Medium's."""
    targets = policy.targets or {}
    target = targets.get(priority or "Medium") or targets.get("Medium") or {}
    response = target.get("responseHours")
    resolution = target.get("resolutionHours")
    return (
        None if response is None else float(response),
        None if resolution is None else float(resolution),
    )


def department_hours(department: Any) -> BusinessHours:
    return business_hours_from_config(department.business_hours if department is not None else None)


def ticket_due_dates(
    *, policy: Any, department: Any, priority: str, created: dt.datetime
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """(responseDueDate, dueDate) for a new ticket under `policy`."""
    if policy is None:
        return None, None
    response_hours, resolution_hours = policy_hours(policy, priority)
    response_target, resolution_target = ticket_sla_targets(
        created=created,
        response=_as_pair(response_hours, business=policy.uses_business_hours),
        resolution=_as_pair(resolution_hours, business=policy.uses_business_hours),
        business_hours=department_hours(department),
        now=created,
    )
    return response_target.due_time, resolution_target.due_time


def _as_pair(hours: float | None, *, business: bool) -> tuple[float | None, float | None]:
    return (hours, None) if business else (None, hours)


def ticket_sla_status(ticket: Any, *, now: dt.datetime) -> tuple[Any, SlaTarget, SlaTarget]:
    """The policy and both targets for an existing ticket (computed afresh from policy and hours)."""
    policy = ticket.sla or policy_for(org=ticket.org, department=ticket.department)
    if policy is None:
        empty = SlaTarget(due_time=None, met_time=None, now=now)
        return None, empty, empty
    response_hours, resolution_hours = policy_hours(policy, ticket.priority)
    response_target, resolution_target = ticket_sla_targets(
        created=ticket.created_time,
        response=_as_pair(response_hours, business=policy.uses_business_hours),
        resolution=_as_pair(resolution_hours, business=policy.uses_business_hours),
        business_hours=department_hours(ticket.department),
        now=now,
        responded=ticket.first_response_time,
        closed=ticket.closed_time,
    )
    return policy, response_target, resolution_target
