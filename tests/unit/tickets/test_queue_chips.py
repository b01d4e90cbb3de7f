"""The queue's drill-down chips: labels, the URL without each, where the focus goes, and "Clear filters"."""

from datetime import date

from django.http import QueryDict

from apps.tickets.filters import QueueFilters, focus_after_removal
from apps.tickets.forms.queue import queue_filters_from

TODAY = date(2026, 12, 1)


def parse(query: str) -> QueueFilters:
    return queue_filters_from(QueryDict(query))


def labels(query: str) -> dict[str, str]:
    return {chip.key: chip.label for chip in parse(query).chips(today=TODAY)}


def test_each_drill_down_filter_has_a_readable_chip():
    assert labels(
        "closed_from=2026-11-03&closed_to=2026-11-09&state=on_hold&open_on=2025-12-31&responded=yes"
        "&sla=resolution-at_risk"
    ) == {
        "closed": "Closed 3 Nov – 9 Nov",
        "open_on": "Open at the end of 31 Dec 2025",
        "state": "State: on hold",
        "responded": "First reply: sent",
        "sla": "Resolution SLA: at risk",
    }
    assert labels("closed_from=2026-11-03&closed_to=2026-11-03&hour=9")["closed"] == "Closed 3 Nov"
    assert labels("closed_from=2026-11-03&closed_to=2026-11-03&hour=9")["hour"] == "Closed at 09:00–10:00"
    assert labels("closed_to=2026-11-09") == {"closed": "Closed up to 9 Nov"}
    assert labels("responded=no&sla=response-none") == {
        "responded": "First reply: none yet",
        "sla": "Response SLA: no target",
    }
    assert labels("created_from=2026-11-03&hour=23") == {"hour": "Created at 23:00–00:00"}
    assert (
        labels("created_from=2026-11-03&closed_from=2026-11-03&hour=0")["hour"]
        == "Created and closed at 00:00–01:00"
    )
    assert "not applied" in labels("hour=23")["hour"]


def test_filters_with_a_control_in_the_bar_and_bad_values_have_no_chip():
    assert labels("status=Open&created_from=2026-11-01&overdue=1&state=nope&sla=x-y&hour=24") == {}


def test_removing_a_chip_drops_only_it_and_the_page_position():
    filters = parse(
        "closed_from=2026-11-03&closed_to=2026-11-09&sla=response-met&sort=subject&after=x&per_page=50"
    )
    chips = {chip.key: QueryDict(chip.remove_query) for chip in filters.chips(today=TODAY)}
    assert chips["sla"].dict() == {
        "closed_from": "2026-11-03",
        "closed_to": "2026-11-09",
        "sort": "subject",
        "per_page": "50",
    }
    assert chips["closed"].dict() == {"sla": "response-met", "sort": "subject", "per_page": "50"}


def test_the_hour_goes_with_the_closed_days_unless_a_created_day_keeps_it():
    alone = parse("closed_from=2026-11-03&closed_to=2026-11-03&hour=9").chips(today=TODAY)[0]
    assert "hour" not in QueryDict(alone.remove_query)
    both = parse("created_from=2026-11-03&closed_from=2026-11-03&closed_to=2026-11-03&hour=9").chips(
        today=TODAY
    )
    assert QueryDict(both[0].remove_query)["hour"] == "9"


def test_the_bar_carries_the_drill_down_as_hidden_inputs():
    filters = parse("status=Open&state=closed&closed_from=2026-11-03&hour=0&col=subject")
    assert filters.chip_params() == [("closed_from", "2026-11-03"), ("hour", "0"), ("state", "closed")]


def test_clear_filters_keeps_sort_columns_and_page_size():
    filters = parse(
        "q=printer&status=Open&tag=vip&state=closed&sla=response-met&sort=subject&col=subject&per_page=50"
    )
    assert list(QueryDict(filters.clear_query()).lists()) == [
        ("sort", ["subject"]),
        ("per_page", ["50"]),
        ("col", ["subject"]),
    ]
    assert not parse(filters.clear_query()).is_filtered


def test_focus_after_a_chip_is_removed():
    chips = parse("closed_from=2026-11-03&responded=yes&sla=response-met").chips(today=TODAY)
    # The state chip was between closed and responded: the focus goes to the one after it.
    assert focus_after_removal(chips, "state") == "responded"
    assert focus_after_removal(chips[:1], "sla") == "closed"
    assert focus_after_removal([], "closed") == "count"
    assert focus_after_removal(chips, "all") == "sla"
