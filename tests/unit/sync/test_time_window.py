"""The time-window walk against an in-memory search with Desk's rules (from <= 999, pages of 100, count)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from apps.desk.types import ListPage, format_datetime
from apps.sync import engine

BASE = datetime(2026, 1, 1, tzinfo=UTC)


class FakeSearch:
    """Objects with a createdTime; answers like Desk's search: sorted by time then id, both range ends
    included, `from` at most 999, `count` the range's total."""

    def __init__(self, moments: list[int]) -> None:
        self.rows = {str(1000 + n): BASE + timedelta(milliseconds=ms) for n, ms in enumerate(moments)}
        self.calls = 0
        self.before_call = None

    def search(self, entity, *, field_name, start, end, descending=False, offset=0, department_id=None):
        assert offset <= engine.SEARCH_MAX_FROM
        if self.before_call:
            self.before_call(self)
        self.calls += 1
        rows = sorted((t, i) for i, t in self.rows.items() if start <= t <= end)
        if descending:
            rows.reverse()
        page = rows[offset : offset + engine.PAGE_SIZE]
        items = [{"id": i, field_name: format_datetime(t)} for t, i in page]
        return ListPage(items=items, from_index=offset, count=len(rows), credits=3)


def walk(fake: FakeSearch) -> list[str]:
    run = type("Run", (), {"search": fake.search})()
    state = {
        "lo": format_datetime(engine.TIME_FLOOR),
        "hi": format_datetime(BASE + timedelta(days=30)),
        "ids": [],
    }
    window = engine.TimeWindow(run, "tickets", "createdTime", state)
    applied: list[str] = []
    while not window.done:
        applied += [item["id"] for item in window.step()]
    return applied


def test_every_object_once_in_about_one_call_a_hundred():
    rng = random.Random(5)
    fake = FakeSearch([rng.randrange(10**9) for _ in range(5_000)])
    applied = walk(fake)
    assert sorted(applied) == sorted(fake.rows) and len(applied) == len(set(applied))
    assert fake.calls <= 51


def test_crowded_milliseconds_are_read_from_both_ends():
    moments = [7] * 1_700 + [8] * 30 + list(range(100, 400))
    fake = FakeSearch(moments)
    applied = walk(fake)
    assert sorted(applied) == sorted(fake.rows) and len(applied) == len(set(applied))


def test_a_deletion_mid_walk_never_hides_a_live_object():
    rng = random.Random(9)
    fake = FakeSearch([rng.randrange(10**6) for _ in range(3_000)] + [500_000] * 40)
    seen: set[str] = set()
    order = sorted(fake.rows, key=lambda i: (fake.rows[i], i))

    def delete_one_already_read(f):
        read = [i for i in order if i in seen and i in f.rows]
        if f.calls % 3 == 2 and read:
            del f.rows[read[-1]]  # the newest read: it sits at the window's start

    fake.before_call = delete_one_already_read
    run = type("Run", (), {"search": fake.search})()
    state = {
        "lo": format_datetime(engine.TIME_FLOOR),
        "hi": format_datetime(BASE + timedelta(days=30)),
        "ids": [],
    }
    window = engine.TimeWindow(run, "tickets", "createdTime", state)
    while not window.done:
        seen |= {item["id"] for item in window.step()}
    assert set(fake.rows) <= seen
