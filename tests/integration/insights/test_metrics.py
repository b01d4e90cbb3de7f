"""Each metric on a hand-built mirror (tests/integration/insights/mirror.py), against values worked out by
hand, in New York days; and each chart's drill-down: the queue URL behind a number holds that many tickets."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from django.http import QueryDict

from apps.insights.forms import InsightsChoice
from apps.insights.metrics import Scope, compute, percentile
from apps.insights.selectors import build_page
from apps.tickets.forms.queue import QueueFilterForm
from apps.tickets.selectors.queue import tickets_for_queue
from tests.integration.insights.mirror import END, NOW, START, TZ, build

D = date


@pytest.fixture
def mirror(connection, settings):
    """The hand-built mirror of an org whose time zone is New York; the console stays on UTC."""
    settings.TIME_ZONE = "UTC"
    connection.time_zone = TZ
    connection.save()
    build(connection)
    return connection


def test_percentile_is_nearest_rank():
    assert percentile([600, 1800, 2400, 3600], 0.9) == 3600
    assert percentile(list(range(1, 11)), 0.9) == 9
    assert percentile([5], 0.9) == 5 and percentile([], 0.9) is None


def test_backlog_volume_and_trend_in_the_org_time_zone(mirror):
    f = compute(mirror, Scope(START, END), now=NOW)
    assert f.backlog == {"open": 3, "on_hold": 1, "unclosed": 4, "overdue": 1}
    assert [n for _, n in f.trend] == [1, 2, 1, 1, 3, 3, 4]
    # T1 (04:30 UTC on the 30th) is a ticket of the 29th in New York; T7 closed on the 26th there.
    assert f.created == {D(2026, 11, 25): 1, D(2026, 11, 28): 2, D(2026, 11, 29): 1, D(2026, 11, 30): 2}
    assert f.closed == {D(2026, 11, 26): 1, D(2026, 11, 29): 1, D(2026, 11, 30): 1}
    today = compute(mirror, Scope(END, END), now=NOW)
    assert today.created == {1: 1, 9: 1} and today.closed == {3: 1}


def test_first_response_and_resolution_medians_and_p90(mirror):
    page = build_page(connections=[mirror], choice=InsightsChoice("", "7d", Scope(START, END)), now=NOW)
    f = compute(mirror, Scope(START, END), now=NOW)
    assert f.frt == {D(2026, 11, 29): [3600.0], D(2026, 11, 30): [1800.0, 2400.0], D(2026, 11, 28): [600.0]}
    assert page.tables["frt"].rows[-1] == ["2026-11-30", 2, "2100", "2400"]
    assert [c.text for c in page.time_cards] == ["35 min", "1 h 0 min", "1 d 0 h", "1 d 17 h"]
    assert page.tables["resolution"].rows[2] == ["2026-11-26", 1, "147600", "147600"]
    assert (f.created_total, f.responded, f.conversations) == (6, 4, 2)


def test_sla_met_breached_at_risk(mirror):
    f = compute(mirror, Scope(START, END), now=NOW)
    assert f.sla["response"] == {"met": 2, "breached": 1, "at_risk": 1, "pending": 0, "none": 2}
    assert f.sla["resolution"] == {"met": 1, "breached": 2, "at_risk": 1, "pending": 1, "none": 1}


def test_per_agent_load_and_throughput(mirror):
    f = compute(mirror, Scope(START, END), now=NOW)
    assert f.agents["501"] == {
        "open": 2,
        "overdue": 0,
        "closed": 1,
        "replies": 3,
        "frt": 2400.0,
        "frt_count": 3,
    }
    assert f.agents["502"] == {
        "open": 1,
        "overdue": 1,
        "closed": 2,
        "replies": 1,
        "frt": 600.0,
        "frt_count": 1,
    }
    assert f.agents["unassigned"]["open"] == 1


def test_distributions_and_dimension_filters(mirror):
    f = compute(mirror, Scope(START, END), now=NOW)
    assert f.channel == {"email": 3, "chat": 1, "phone": 1, "web": 1}
    assert f.priority == {"High": 3, "": 1, "Low": 1, "Urgent": 1}
    assert f.status == {"Closed": 3, "Open": 2, "On Hold": 1}
    assert f.department == {"1001": 5, "1002": 1}
    narrowed = compute(mirror, Scope(START, END, assignee="501", channel="Email"), now=NOW)
    assert narrowed.created_total == 2 and narrowed.backlog["unclosed"] == 1


def _count(connection, url: str) -> int:
    query = QueryDict(urlsplit(url).query, mutable=True)
    assert query.pop("org") == [str(connection.pk)]
    filters = QueueFilterForm(query).filters()
    assert not filters.problems
    return tickets_for_queue(connection=connection, filters=filters, now=NOW).count()


@pytest.mark.parametrize("scope", [Scope(START, END), Scope(END, END), Scope(START, END, assignee="501")])
def test_every_number_drills_down_to_that_many_tickets(mirror, scope):
    page = build_page(connections=[mirror], choice=InsightsChoice(str(mirror.pk), "7d", scope), now=NOW)
    checked = 0
    for card in page.cards:
        assert _count(mirror, card.href) == int(card.text.replace(",", "")), card.label
        checked += 1
    for card in page.time_cards:
        assert _count(mirror, card.href) == int(card.note.split()[0]), card.label
        checked += 1
    for name, chart in page.charts.items():
        rows = getattr(chart, "groups", None)
        if rows is not None:  # series: created/closed counts; durations drill to the tickets measured
            table = page.tables[name]
            for group, row in zip(rows, table.rows, strict=True):
                for index, bar in enumerate(group.bars):
                    if not bar.href:
                        continue
                    expected = row[1 + index] if name == "volume" else row[1]
                    assert _count(mirror, bar.href) == expected, (name, group.label, bar.series)
                    checked += 1
        else:
            for row in chart.rows:
                if row.href:
                    assert _count(mirror, row.href) == row.value, (name, row.label)
                    checked += 1
    for agent in page.agents:
        for key in ("open", "overdue", "closed"):
            if agent[f"{key}_url"]:
                assert _count(mirror, agent[f"{key}_url"]) == agent[key], (agent["name"], key)
                checked += 1
        if agent["frt_url"]:
            assert _count(mirror, agent["frt_url"]) == agent["frt_count"]
    assert checked > 30
    assert parse_qs(urlsplit(page.export_url).query)["export"] == ["csv"]


def test_trend_counts_odd_closings_as_the_queue_does(mirror):
    """A closed ticket without a closing time is never open; one closed "before" its creation leaves at its
    creation: the trend's running count still equals the queue's ``open_on`` count each day."""
    from apps.insights.metrics import drill_filters
    from apps.tickets.models import Ticket
    from tests.integration.insights.mirror import utc

    for desk_id, created, closed in (("9101", utc(26, 12), None), ("9102", utc(27, 12), utc(25, 12))):
        Ticket.objects.create(
            connection=mirror, desk_id=desk_id, status="Closed", status_type="Closed",
            created_time=created, closed_time=closed,
        )  # fmt: skip
    scope = Scope(START, END)
    f = compute(mirror, scope, now=NOW)
    queue = [
        tickets_for_queue(connection=mirror, filters=drill_filters(scope, "trend", day), now=NOW).count()
        for day, _ in f.trend
    ]
    assert [n for _, n in f.trend] == queue == [1, 2, 1, 1, 3, 3, 4]
