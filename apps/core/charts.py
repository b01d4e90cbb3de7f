"""Accessible charts for any page: a title, a summary in words and the numbers as a table (docs/accessibility.md).

A view builds a ``Chart`` with ``bar_chart`` (categories: tickets by status, load per agent) or
``column_chart`` (a series in order: tickets per day) and the template includes the matching partial::

    {% include "core/charts/bar.html" with chart=load_chart %}
    {% include "core/charts/columns.html" with chart=volume_chart %}

with ``<link rel="stylesheet" href="{% static 'css/charts.css' %}">`` in the page's ``extra_head``. The partials
draw with SVG geometry computed here (attributes, never ``style=``: the CSP forbids inline styles) and colours
from the theme's tokens, so both themes and 390 px work without anything else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.text import slugify

# Column charts draw in a 100-high box, each column this wide (the gap is part of it).
COLUMN_WIDTH = 10


@dataclass(frozen=True)
class ChartRow:
    label: str
    value: float
    display: str  # the value as people read it ("1,204", "3.5 h")
    percent: float  # of the largest value, 0..100: the bar's length or the column's height
    href: str = ""  # a row may link to the list behind it (the bar chart's label becomes a link)
    x: str = "0"  # columns: left edge in the SVG box (strings: SVG wants "12.5" whatever the locale)
    y: str = "100"  # columns: top edge (the box is 100 high)
    height: str = "0"  # columns: height; bars: their length in percent
    csv_href: str = ""  # a row may offer the rows behind it as a file (the table gains a "Tickets" column)

    @property
    def bar_width(self) -> str:
        return f"{self.height}%"


@dataclass(frozen=True)
class Chart:
    id: str  # prefix of the element ids (unique on the page)
    title: str
    summary: str
    label_heading: str  # the table's first column ("Agent", "Day")
    value_heading: str  # its second column ("Open tickets")
    rows: tuple[ChartRow, ...]

    @property
    def width(self) -> int:
        """The columns' SVG box width."""
        return max(1, len(self.rows)) * COLUMN_WIDTH

    @property
    def has_links(self) -> bool:
        """Columns that link are drawn as links (focusable), so the SVG is a group rather than one image."""
        return any(row.href for row in self.rows)

    @property
    def has_csv(self) -> bool:
        return any(row.csv_href for row in self.rows)

    @property
    def first(self) -> ChartRow | None:
        return self.rows[0] if self.rows else None

    @property
    def last(self) -> ChartRow | None:
        return self.rows[-1] if self.rows else None


def _number(value: float) -> str:
    return str(number_format(value, decimal_pos=0 if float(value).is_integer() else 1, force_grouping=True))


# A row: (label, value), (label, value, link) or (label, value, link, CSV link).
ChartData = Iterable[tuple[str, float] | tuple[str, float, str] | tuple[str, float, str, str]]


def _rows(data: ChartData, display: Callable[[float], str]) -> list[ChartRow]:
    items = [
        (item[0], float(item[1]), item[2] if len(item) > 2 else "", item[3] if len(item) > 3 else "")  # type: ignore[misc]
        for item in data
    ]
    largest = max((value for _, value, _, _ in items), default=0.0)
    rows = []
    for index, (label, value, href, csv_href) in enumerate(items):
        percent = round(100 * value / largest, 2) if largest > 0 and value > 0 else 0.0
        rows.append(
            ChartRow(
                label=str(label),
                value=value,
                display=display(value),
                percent=percent,
                href=href,
                csv_href=csv_href,
                x=f"{index * COLUMN_WIDTH + 1:g}",
                y=f"{100 - percent:g}",
                height=f"{percent:g}",
            )
        )
    return rows


def _summary(rows: list[ChartRow], value_heading: str) -> str:
    """The default summary: the largest and smallest values, and the total."""
    if not rows:
        return "No data yet."
    top = max(rows, key=lambda row: row.value)
    low = min(rows, key=lambda row: row.value)
    total = _number(sum(row.value for row in rows))
    return f"{value_heading}: highest {top.label} ({top.display}), lowest {low.label} ({low.display}), total {total}."


def _chart(
    *,
    title: str,
    data: ChartData,
    label_heading: str,
    value_heading: str,
    summary: str,
    chart_id: str,
    display: Callable[[float], str] | None,
) -> Chart:
    rows = _rows(data, display or _number)
    return Chart(
        id=chart_id or f"chart-{slugify(title)}",
        title=title,
        summary=summary or _summary(rows, value_heading),
        label_heading=label_heading,
        value_heading=value_heading,
        rows=tuple(rows),
    )


def bar_chart(
    *,
    title: str,
    data: ChartData,
    label_heading: str,
    value_heading: str,
    summary: str = "",
    chart_id: str = "",
    display: Callable[[float], str] | None = None,
) -> Chart:
    """Horizontal bars for categories: ``data`` is (label, value) or (label, value, link) in display order.

    ``summary`` says what the chart shows in a sentence ("Ana holds a third of the open tickets"); without
    one, the highest, lowest and total are said. ``display`` formats a value (default: grouped integer).
    """
    return _chart(
        title=title,
        data=data,
        label_heading=label_heading,
        value_heading=value_heading,
        summary=summary,
        chart_id=chart_id,
        display=display,
    )


def column_chart(
    *,
    title: str,
    data: ChartData,
    label_heading: str,
    value_heading: str,
    summary: str = "",
    chart_id: str = "",
    display: Callable[[float], str] | None = None,
) -> Chart:
    """Columns for a series in order (days, weeks); the same arguments as ``bar_chart``."""
    return _chart(
        title=title,
        data=data,
        label_heading=label_heading,
        value_heading=value_heading,
        summary=summary,
        chart_id=chart_id,
        display=display,
    )


# --- two (or more) series side by side: created vs closed per day -----------------------------------------
@dataclass(frozen=True)
class SeriesBar:
    series: str
    index: int  # which series (its colour: chart-series-<index>)
    value: float
    display: str
    href: str
    x: str
    y: str
    height: str
    width: str


@dataclass(frozen=True)
class SeriesGroup:
    label: str
    bars: tuple[SeriesBar, ...]


@dataclass(frozen=True)
class SeriesChart:
    id: str
    title: str
    summary: str
    label_heading: str
    series: tuple[str, ...]
    groups: tuple[SeriesGroup, ...]
    csv_hrefs: tuple[str, ...] = ()  # per group: the rows behind it as a file (optional)

    @property
    def width(self) -> int:
        return max(1, len(self.groups)) * COLUMN_WIDTH

    @property
    def rows(self) -> tuple[SeriesGroup, ...]:
        return self.groups

    @property
    def has_links(self) -> bool:
        return any(bar.href for group in self.groups for bar in group.bars)

    @property
    def first(self) -> SeriesGroup | None:
        return self.groups[0] if self.groups else None

    @property
    def last(self) -> SeriesGroup | None:
        return self.groups[-1] if self.groups else None


def series_chart(
    *,
    title: str,
    labels: list[str],
    series: list[tuple[str, list[float], list[str]]],
    label_heading: str,
    summary: str = "",
    chart_id: str = "",
    display: Callable[[float], str] | None = None,
) -> SeriesChart:
    """Columns of several series per label (created and closed per day): ``series`` is (name, values,
    links) with one value and one link (or "") per label. Drawn with ``core/charts/series.html``; each
    series has its own colour and a legend, and the numbers are a table with a column per series."""
    show = display or _number
    largest = max((v for _, values, _ in series for v in values), default=0.0)
    bar_width = (COLUMN_WIDTH - 2) / max(1, len(series))
    groups = []
    for g, label in enumerate(labels):
        bars = []
        for s, (name, values, links) in enumerate(series):
            value = float(values[g])
            percent = round(100 * value / largest, 2) if largest > 0 and value > 0 else 0.0
            bars.append(
                SeriesBar(
                    series=name,
                    index=s + 1,
                    value=value,
                    display=show(value),
                    href=links[g] if g < len(links) else "",
                    x=f"{g * COLUMN_WIDTH + 1 + s * bar_width:g}",
                    y=f"{100 - percent:g}",
                    height=f"{percent:g}",
                    width=f"{bar_width:g}",
                )
            )
        groups.append(SeriesGroup(label=label, bars=tuple(bars)))
    if not summary:
        totals = ", ".join(f"{name} {_number(sum(values))}" for name, values, _ in series)
        summary = f"Totals: {totals}." if labels else "No data yet."
    return SeriesChart(
        id=chart_id or f"chart-{slugify(title)}",
        title=title,
        summary=summary,
        label_heading=label_heading,
        series=tuple(name for name, _, _ in series),
        groups=tuple(groups),
    )
