"""The Insights page's content: the figures of one org or several merged, drawn as charts whose every bar
links to the queue behind it (through ``insights:drill``), with a CSV of each chart's numbers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from apps.connections.models import DeskConnection
from apps.core.charts import Chart, SeriesChart, bar_chart, column_chart, series_chart
from apps.insights.forms import InsightsChoice
from apps.insights.metrics import (
    SLA_STATES,
    OrgFigures,
    Scope,
    drill_filters,
    durations,
    figures_for,
    trend_days,
)
from apps.team.models import Agent, Department, Team
from apps.tickets.columns import CHANNELS, PRIORITIES
from apps.tickets.filters import QueueFilters

SLA_LABELS = {
    "met": "Met",
    "breached": "Breached",
    "at_risk": "At risk (due within 1 h)",
    "pending": "Not yet due",
    "none": "No target",
}
BACKLOG_LABELS = {"unclosed": "Not closed", "open": "Open", "on_hold": "On hold", "overdue": "Overdue"}


def duration_words(seconds: float | None) -> str:
    """12 min, 3 h 5 min, 2 d 4 h; "—" when there is nothing to measure."""
    if seconds is None:
        return "—"
    minutes = int(round(seconds) // 60)
    days, minutes = divmod(minutes, 1440)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min"
    return f"{int(round(seconds))} s"


def drill_url(org: int, filters: QueueFilters, *, export: bool = False) -> str:
    """The link behind a number: the queue of that org with ``filters`` (``export``: the tickets as CSV)."""
    query = urlencode({"org": org}) + "&" + filters.to_query()
    return reverse("insights:drill") + "?" + query.rstrip("&") + ("&export=csv" if export else "")


@dataclass
class Table:
    """A chart's numbers as the CSV gives them (durations in seconds)."""

    headings: list[str]
    rows: list[list[Any]] = field(default_factory=list)


@dataclass
class Card:
    label: str
    text: str
    href: str = ""
    note: str = ""
    alert: bool = False


@dataclass
class Page:
    cards: list[Card]
    time_cards: list[Card]
    charts: dict[str, Chart | SeriesChart]
    tables: dict[str, Table]
    agents: list[dict[str, Any]]
    coverage: dict[str, int]
    as_of: datetime
    single_org: DeskConnection | None
    per_org: list[dict[str, Any]]
    export_url: str


def _merge(items: list[OrgFigures]) -> OrgFigures:
    """Several orgs' figures as one (sums; the durations pooled, so medians are of all tickets)."""
    if len(items) == 1:
        return items[0]
    merged = OrgFigures(connection_id=0)
    for f in items:
        for key, value in f.backlog.items():
            merged.backlog[key] = merged.backlog.get(key, 0) + value
        trend = dict(merged.trend)
        for day, n in f.trend:
            trend[day] = trend.get(day, 0) + n
        merged.trend = sorted(trend.items())
        for target, source in (
            (merged.created, f.created),
            (merged.closed, f.closed),
            (merged.channel, f.channel),
            (merged.priority, f.priority),
            (merged.status, f.status),
        ):
            for key, value in source.items():
                target[key] = target.get(key, 0) + value
        for d_target, d_source in ((merged.frt, f.frt), (merged.resolution, f.resolution)):
            for day, values in d_source.items():
                d_target.setdefault(day, []).extend(values)
        merged.created_total += f.created_total
        merged.responded += f.responded
        merged.conversations += f.conversations
        for kind, states in f.sla.items():
            into = merged.sla.setdefault(kind, dict.fromkeys(SLA_STATES, 0))
            for state, n in states.items():
                into[state] += n
        for dep, n in f.department.items():
            name = f.department_names.get(dep) or (f"department {dep}" if dep else "")
            merged.department[name] = merged.department.get(name, 0) + n
            merged.department_names[name] = name
    return merged


def build_page(
    *, connections: list[DeskConnection], choice: InsightsChoice, now: datetime | None = None
) -> Page:
    now = now or timezone.now()
    scope = choice.scope
    per = [figures_for(c, scope, now=now) for c in connections]
    single = connections[0] if len(connections) == 1 else None
    figures = _merge(per)

    def link(kind: str, value: Any = None, *, export: bool = False) -> str:
        if single is None:
            return ""
        return drill_url(single.pk, drill_filters(scope, kind, value), export=export)

    charts: dict[str, Chart | SeriesChart] = {}
    tables: dict[str, Table] = {}

    # Backlog now.
    cards = [
        Card(
            BACKLOG_LABELS[key],
            f"{figures.backlog.get(key, 0):,}",
            link("backlog", key),
            alert=key == "overdue" and figures.backlog.get(key, 0) > 0,
        )
        for key in ("unclosed", "open", "on_hold", "overdue")
    ]
    cards.append(Card("Created in range", f"{figures.created_total:,}", link("created_total")))
    closed_total = sum(figures.closed.values())
    cards.append(Card("Closed in range", f"{closed_total:,}", link("resolution")))

    # Backlog trend.
    days = trend_days(scope)
    trend = dict(figures.trend)
    charts["trend"] = column_chart(
        title="Backlog at the end of each day",
        chart_id="chart-trend",
        data=[(_day(d), trend.get(d, 0), link("trend", d)) for d in days],
        label_heading="Day",
        value_heading="Tickets not closed at the day's end",
        summary=_trend_summary([(d, trend.get(d, 0)) for d in days]),
    )
    tables["trend"] = Table(["day", "open_at_end_of_day"], [[d.isoformat(), trend.get(d, 0)] for d in days])

    # Created vs closed, per day or per hour (one day).
    if scope.is_one_day:
        slots: list[Any] = list(range(24))
        labels = [f"{h:02d}:00" for h in slots]
        heading = "Hour"
    else:
        slots = scope.days
        labels = [_day(d) for d in slots]
        heading = "Day"
    created = [float(figures.created.get(s, 0)) for s in slots]
    closed = [float(figures.closed.get(s, 0)) for s in slots]
    charts["volume"] = series_chart(
        title="Created and closed per " + ("hour" if scope.is_one_day else "day"),
        chart_id="chart-volume",
        labels=labels,
        series=[
            ("Created", created, [link("created", s) for s in slots]),
            ("Closed", closed, [link("closed", s) for s in slots]),
        ],
        label_heading=heading,
    )
    tables["volume"] = Table(
        [heading.lower(), "created", "closed"],
        [[_slot_text(s), c, d] for s, c, d in zip(slots, created, closed, strict=True)],
    )

    # First response and resolution times per day (median and p90).
    all_frt = [v for values in figures.frt.values() for v in values]
    all_res = [v for values in figures.resolution.values() for v in values]
    frt_total, res_total = durations(all_frt), durations(all_res)
    time_cards = [
        Card(
            "First response, median",
            duration_words(frt_total.median),
            link("frt"),
            note=f"{frt_total.count:,} tickets",
        ),
        Card(
            "First response, 90th percentile",
            duration_words(frt_total.p90),
            link("frt"),
            note=f"{frt_total.count:,} tickets",
        ),
        Card(
            "Resolution, median",
            duration_words(res_total.median),
            link("resolution"),
            note=f"{res_total.count:,} tickets",
        ),
        Card(
            "Resolution, 90th percentile",
            duration_words(res_total.p90),
            link("resolution"),
            note=f"{res_total.count:,} tickets",
        ),
    ]
    for key, title, source, kind in (
        ("frt", "First response time by creation day", figures.frt, "frt"),
        ("resolution", "Resolution time by closing day", figures.resolution, "resolution"),
    ):
        stats = {d: durations(source.get(d, [])) for d in scope.days}
        charts[key] = series_chart(
            title=title,
            chart_id=f"chart-{key}",
            labels=[_day(d) for d in scope.days],
            series=[
                (
                    "Median",
                    [stats[d].median or 0 for d in scope.days],
                    [link(kind, d) if stats[d].count else "" for d in scope.days],
                ),
                (
                    "90th percentile",
                    [stats[d].p90 or 0 for d in scope.days],
                    [link(kind, d) if stats[d].count else "" for d in scope.days],
                ),
            ],
            label_heading="Day",
            display=duration_words,
            summary=f"Median {duration_words((frt_total if key == 'frt' else res_total).median)}, "
            f"90th percentile {duration_words((frt_total if key == 'frt' else res_total).p90)}, "
            f"over {(frt_total if key == 'frt' else res_total).count:,} tickets.",
        )
        tables[key] = Table(
            ["day", "tickets", "median_seconds", "p90_seconds"],
            [[d.isoformat(), stats[d].count, _num(stats[d].median), _num(stats[d].p90)] for d in scope.days],
        )

    # SLA compliance of the tickets created in the range.
    for kind, title in (("response", "First-response target"), ("resolution", "Resolution target")):
        states = figures.sla.get(kind, dict.fromkeys(SLA_STATES, 0))
        measured = sum(n for state, n in states.items() if state in ("met", "breached"))
        met_share = f"{100 * states['met'] / measured:.0f} % met" if measured else "nothing measured yet"
        charts[f"sla_{kind}"] = bar_chart(
            title=f"{title}: tickets created in the range",
            chart_id=f"chart-sla-{kind}",
            data=[
                (SLA_LABELS[s], states[s], link(f"sla-{kind}", s), link(f"sla-{kind}", s, export=True))
                for s in SLA_STATES
            ],
            label_heading="State",
            value_heading="Tickets",
            summary=f"{met_share} of those met or breached; {states['at_risk']:,} at risk now.",
        )
        tables[f"sla_{kind}"] = Table(["state", "tickets"], [[s, states[s]] for s in SLA_STATES])

    # Distributions of the tickets created in the range.
    channel_names = {c.lower(): c for c in CHANNELS}
    label_of: Callable[[str], str]
    linkable: Callable[[str], bool]
    for key, title, counts, label_of, linkable in (
        (
            "channel",
            "By channel",
            figures.channel,
            lambda v: channel_names.get(v, v.title()),
            lambda v: bool(v),
        ),
        ("priority", "By priority", figures.priority, str, lambda v: v in PRIORITIES),
        ("status", "By status", figures.status, str, lambda v: bool(v)),
        (
            "department",
            "By department",
            figures.department,
            lambda v: figures.department_names.get(v) or (f"department {v}" if v else ""),
            lambda v: bool(v) and v.isdigit(),
        ),
    ):
        data: list[tuple[str, float, str, str]] = [
            (
                label_of(v) or "(none)",
                float(n),
                link(key, _link_value(key, v, channel_names)) if linkable(v) else "",
                link(key, _link_value(key, v, channel_names), export=True) if linkable(v) else "",
            )
            for v, n in counts.items()
        ]
        charts[f"by_{key}"] = bar_chart(
            title=f"{title}: tickets created in the range",
            chart_id=f"chart-by-{key}",
            data=data,
            label_heading=key.capitalize(),
            value_heading="Tickets",
        )
        tables[f"by_{key}"] = Table([key, "tickets"], [[row[0], int(row[1])] for row in data])

    # Per agent (one org: links; several: each org's agents, named with the org).
    agents = _agent_rows(per, connections, scope, single)
    tables["agents"] = Table(
        ["agent", "open", "overdue", "closed", "replies", "median_first_response_seconds"],
        [[a["name"], a["open"], a["overdue"], a["closed"], a["replies"], _num(a["frt"])] for a in agents],
    )

    per_org = []
    if single is None:
        for connection, f in zip(connections, per, strict=True):
            per_org.append(
                {
                    "connection": connection,
                    "unclosed": f.backlog.get("unclosed", 0),
                    "overdue": f.backlog.get("overdue", 0),
                    "created": f.created_total,
                    "closed": sum(f.closed.values()),
                    "frt": duration_words(durations([v for vs in f.frt.values() for v in vs]).median),
                    "unclosed_url": drill_url(connection.pk, drill_filters(scope, "backlog", "unclosed")),
                    "overdue_url": drill_url(connection.pk, drill_filters(scope, "backlog", "overdue")),
                    "created_url": drill_url(connection.pk, drill_filters(scope, "created_total")),
                    "closed_url": drill_url(connection.pk, drill_filters(scope, "resolution")),
                }
            )
    return Page(
        cards=cards,
        time_cards=time_cards,
        charts=charts,
        tables=tables,
        agents=agents,
        coverage={
            "created": figures.created_total,
            "responded": figures.responded,
            "conversations": figures.conversations,
        },
        as_of=now,
        single_org=single,
        per_org=per_org,
        export_url=link("created_total", export=True),
    )


def _link_value(key: str, value: str, channel_names: dict[str, str]) -> str:
    return channel_names.get(value, value) if key == "channel" else value


def _agent_rows(
    per: list[OrgFigures], connections: list[DeskConnection], scope: Scope, single: DeskConnection | None
) -> list[dict[str, Any]]:
    rows = []
    for connection, f in zip(connections, per, strict=True):
        for agent_id, values in f.agents.items():
            name = (
                "Unassigned"
                if agent_id == "unassigned"
                else f.agent_names.get(agent_id) or f"agent {agent_id}"
            )
            if single is None:
                name = f"{name} ({connection.org_name})"

            def link(figure: str, agent_id: str = agent_id) -> str:
                if single is None:
                    return ""
                return drill_url(single.pk, drill_filters(scope, f"agent-{figure}", agent_id))

            rows.append(
                {
                    "name": name,
                    "open": values["open"],
                    "overdue": values["overdue"],
                    "closed": values["closed"],
                    "replies": values["replies"],
                    "frt": values.get("frt"),
                    "frt_text": duration_words(values.get("frt")),
                    "frt_count": values.get("frt_count", 0),
                    "open_url": link("open"),
                    "overdue_url": link("overdue"),
                    "closed_url": link("closed"),
                    "frt_url": link("frt") if values.get("frt") is not None else "",
                }
            )
    rows.sort(key=lambda r: (-r["open"], -r["closed"], r["name"].lower()))
    return rows


def _trend_summary(points: list[tuple[date, int]]) -> str:
    if not points:
        return "No data yet."
    first, last = points[0], points[-1]
    top = max(points, key=lambda p: p[1])
    return (
        f"{last[1]:,} not closed at the end of {_day(last[0])} ({last[1] - first[1]:+,} since {_day(first[0])}); "
        f"highest {top[1]:,} on {_day(top[0])}."
    )


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def _slot_text(slot: Any) -> str:
    return slot.isoformat() if isinstance(slot, date) else f"{slot:02d}:00"


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}"


@dataclass
class FilterOptions:
    departments: list[tuple[str, str]]
    teams: list[tuple[str, str]]
    agents: list[tuple[str, str]]
    channels: tuple[str, ...] = CHANNELS
    priorities: tuple[str, ...] = PRIORITIES


def filter_options(connections: list[DeskConnection]) -> FilterOptions:
    """The dimension filters' choices, from the team mirror of the chosen orgs."""

    def named(model: Any) -> list[tuple[str, str]]:
        return list(
            model.objects.filter(connection__in=connections, is_deleted=False)
            .order_by("name", "desk_id")
            .values_list("desk_id", "name")
        )

    return FilterOptions(departments=named(Department), teams=named(Team), agents=named(Agent))
