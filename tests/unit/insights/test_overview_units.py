"""The Overview's pure parts: the clock's figures from a cached entry, durations in words, search input."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from apps.insights.overview import OrgFigures, duration_words
from apps.insights.search import SearchRefused, clean_query

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def entry(*due_minutes: int, overdue: int = 3) -> OrgFigures:
    return OrgFigures(
        computed_at=T0,
        day=date(2026, 12, 1),
        open=10,
        overdue_at_computed=overdue,
        due_times=tuple(T0 + timedelta(minutes=m) for m in sorted(due_minutes)),
        due_horizon=T0 + timedelta(hours=2),
        created_today=0,
        closed_today=0,
        first_response_median=None,
        first_response_count=0,
    )


def test_overdue_and_due_soon_move_with_the_clock_as_the_queue_counts_them():
    figures = entry(0, 30, 60, 90)
    # At T0: due exactly now is not overdue (due < now) but is due soon (now <= due <= now + 1 h).
    assert (figures.overdue(T0), figures.due_soon(T0)) == (3, 3)
    later = T0 + timedelta(minutes=30)
    assert (figures.overdue(later), figures.due_soon(later)) == (4, 3)  # 30, 60, 90 (90 = now + 1 h)
    assert figures.answers_for(later, date(2026, 12, 1))
    assert not figures.answers_for(T0 + timedelta(minutes=61), date(2026, 12, 1))  # past its due times
    assert not figures.answers_for(T0 - timedelta(seconds=1), date(2026, 12, 1))
    assert not figures.answers_for(later, date(2026, 12, 2))


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(None, "—"), (0, "0 s"), (59.4, "59 s"), (60, "1 min"), (3599, "59 min"), (3600, "1 h"),
     (3600 + 20 * 60, "1 h 20 min"), (86400, "1 d"), (2 * 86400 + 4 * 3600 + 59, "2 d 4 h")],
)  # fmt: skip
def test_durations_in_words(seconds, words):
    assert duration_words(seconds) == words


def test_search_input_is_trimmed_or_refused_with_a_reason():
    assert clean_query("  pat   printer \t") == "pat printer"
    assert clean_query("#1024") == "#1024"
    for bad, says in [
        ("", "Type"),
        (" \n ", "Type"),
        ("a" * 201, "too long"),
        ("*** ()", "nothing to search"),
    ]:
        with pytest.raises(SearchRefused, match=says):
            clean_query(bad)
