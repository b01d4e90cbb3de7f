"""Unit tests for the sandbox's SLA due-time computation (business hours and calendar hours)."""

import datetime as dt

from apps.sandbox.sla import BusinessHours, add_business_time, business_hours_from_config, ticket_sla_targets

UTC = dt.UTC


def test_business_time_within_one_working_day_adds_plainly():
    start = dt.datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # a Wednesday
    assert add_business_time(start, hours=3, business_hours=BusinessHours()) == dt.datetime(
        2026, 11, 25, 13, 0, tzinfo=UTC
    )


def test_business_time_carries_over_night_into_next_morning():
    start = dt.datetime(2026, 11, 25, 16, 0, tzinfo=UTC)
    # 2 h left today (16-18), 2 h tomorrow from 09:00.
    assert add_business_time(start, hours=4, business_hours=BusinessHours()) == dt.datetime(
        2026, 11, 26, 11, 0, tzinfo=UTC
    )


def test_business_time_skips_the_weekend():
    start = dt.datetime(2026, 11, 27, 17, 0, tzinfo=UTC)  # Friday 17:00
    assert add_business_time(start, hours=2, business_hours=BusinessHours()) == dt.datetime(
        2026, 11, 30, 10, 0, tzinfo=UTC
    )


def test_ticket_created_outside_hours_starts_counting_at_opening():
    start = dt.datetime(2026, 11, 28, 12, 0, tzinfo=UTC)  # Saturday
    assert add_business_time(start, hours=1, business_hours=BusinessHours()) == dt.datetime(
        2026, 11, 30, 10, 0, tzinfo=UTC
    )


def test_always_open_hours_count_like_calendar_hours():
    start = dt.datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    hours = business_hours_from_config("24x7")
    assert add_business_time(start, hours=30, business_hours=hours) == start + dt.timedelta(hours=30)


def test_business_hours_respect_the_department_time_zone():
    hours = business_hours_from_config({"timezone": "America/New_York", "monday": ["09:00", "17:00"]})
    start = dt.datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # Monday 07:00 in New York
    assert add_business_time(start, hours=1, business_hours=hours) == dt.datetime(
        2026, 11, 30, 15, 0, tzinfo=UTC
    )


def test_unreadable_business_hours_fall_back_to_weekday_defaults():
    assert business_hours_from_config({"monday": "nonsense"}).days == BusinessHours().days


def test_targets_report_overdue_and_remaining_time():
    created = dt.datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    now = dt.datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    response, resolution = ticket_sla_targets(
        created=created,
        response=(2, None),
        resolution=(None, 72),
        business_hours=BusinessHours(),
        now=now,
    )
    assert response.due_time == dt.datetime(2026, 11, 25, 11, 0, tzinfo=UTC)
    assert response.is_overdue
    assert resolution.due_time == created + dt.timedelta(hours=72)
    assert not resolution.is_overdue
    assert resolution.remaining_ms == 69 * 3600 * 1000


def test_a_target_met_in_time_is_not_overdue():
    created = dt.datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    response, _ = ticket_sla_targets(
        created=created,
        response=(2, None),
        resolution=(None, None),
        business_hours=BusinessHours(),
        now=created + dt.timedelta(days=3),
        responded=created + dt.timedelta(hours=1),
    )
    assert not response.is_overdue
    assert response.remaining_ms == 0


def test_department_hours_in_desk_day_codes_are_read():
    hours = business_hours_from_config(
        {"timeZone": "UTC", "days": {"MON": {"from": "10:00", "to": "12:00"}}, "holidays": []}
    )
    start = dt.datetime(2026, 11, 30, 11, 0, tzinfo=UTC)  # Monday
    # 1 h today (11-12), then next Monday 10:00 + 1 h.
    assert add_business_time(start, hours=2, business_hours=hours) == dt.datetime(
        2026, 12, 7, 11, 0, tzinfo=UTC
    )


def test_holidays_are_not_counted():
    hours = business_hours_from_config(
        {"timeZone": "UTC", "days": {"FRI": {"from": "09:00", "to": "17:00"}}, "holidays": ["2026-11-27"]}
    )
    start = dt.datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # Thursday before a holiday Friday
    assert add_business_time(start, hours=1, business_hours=hours) == dt.datetime(
        2026, 12, 4, 10, 0, tzinfo=UTC
    )
