"""The top bar's API meter: credits left, calls in flight, and the "paused until" state, as people read it."""

from __future__ import annotations

from datetime import UTC, datetime

from django.template.loader import render_to_string
from django.test import override_settings

from apps.desk.budget import ApiUsage


def usage(**changes) -> ApiUsage:
    values = {
        "credits_used_today": 120,
        "credits_left": 4_880,
        "daily_limit": 5_000,
        "daily_limit_estimated": False,
        "in_flight": 2,
        "concurrency_cap": 5,
        "paused_until": None,
        "edition": "FREE",
        "reserve": 1_500,
    }
    return ApiUsage(**{**values, **changes})


def render(api_budget: ApiUsage | None) -> str:
    return " ".join(render_to_string("desk/api_meter.html", {"api_budget": api_budget}).split())


def test_the_meter_shows_credits_left_of_the_limit_and_calls_in_flight():
    html = render(usage())

    assert "4,880" in html and "5,000" in html and "credits left" in html
    assert "2/5" in html and "in flight" in html
    assert '<meter min="0" max="5000" value="4880" low="1500"' in html
    assert 'aria-label="Desk API credits left today"' in html


def test_an_estimated_limit_is_marked_as_such():
    assert "/~5,000" in render(usage(daily_limit_estimated=True))


def test_before_any_answer_the_meter_shows_credits_used():
    html = render(usage(credits_left=None, daily_limit=None, credits_used_today=3))

    assert '3 <span class="budget-unit">credits used today' in html
    assert "<meter" not in html


@override_settings(TIME_ZONE="UTC")
def test_spent_credits_show_paused_until_the_reset_as_a_status():
    html = render(usage(paused_until=datetime(2026, 12, 2, 0, 0, tzinfo=UTC), credits_left=0))

    assert 'role="status"' in html
    assert "paused until" in html and "00:00" in html and "(credits spent)" in html
    assert 'datetime="2026-12-02T00:00:00+00:00"' in html
    assert "<meter" not in html


def test_no_connection_no_meter():
    assert render(None) == ""
