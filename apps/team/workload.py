"""What the team pages show that only the tickets app can count: workload figures, registered by tickets.

The team app may not import tickets (docs/architecture.md), so the tickets app registers one
``WorkloadProvider`` from its AppConfig.ready() (``apps/tickets/team_sections.py``). Without one, the team
pages show no workload columns. Each figure is computed by the provider in one grouped query over the org's
tickets, never one query per agent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from apps.connections.models import DeskConnection


@dataclass(frozen=True)
class WorkloadColumn:
    """One workload figure: its key in the URL (``?sort=-overdue``), its heading, and how it is shown."""

    key: str
    label: str
    # "count" (a whole number, links to the queue) or "duration" (seconds, shown as "1 h 20 min").
    kind: str = "count"
    help: str = ""


@dataclass
class WorkloadTable:
    """Figures per owner (an agent's, department's or team's Desk id) and the queue URL behind each."""

    columns: list[WorkloadColumn] = field(default_factory=list)
    values: dict[str, dict[str, float | int | None]] = field(default_factory=dict)
    # (column key, owner id) -> the ticket queue URL with that filter ("" when there is none)
    link: Callable[[str, str], str] = lambda key, owner: ""

    def value(self, owner: str, key: str) -> float | int | None:
        figures = self.values.get(owner)
        if figures is None:
            column = next((c for c in self.columns if c.key == key), None)
            return 0 if column is not None and column.kind == "count" else None
        return figures.get(key)


@dataclass(frozen=True)
class Figure:
    """One figure as a page shows it: its text, and the queue link with a label that names whose it is."""

    column: WorkloadColumn
    value: float | int | None
    url: str
    text: str
    label: str
    alert: bool = False


def duration_text(seconds: float | int | None) -> str:
    """Seconds as "45 min", "3 h 20 min" or "2 d 4 h"; "—" when nothing was measured."""
    if seconds is None:
        return "—"
    minutes = int(round(float(seconds) / 60))
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def figures_for(table: WorkloadTable | None, owner: str, owner_name: str) -> list[Figure]:
    """The figures of one agent, department or team, ready to show (no template work per figure)."""
    if table is None:
        return []
    figures = []
    for column in table.columns:
        value = table.value(owner, column.key)
        if column.kind == "duration":
            figures.append(Figure(column, value, "", duration_text(value), column.label))
            continue
        text = str(value or 0)
        figures.append(
            Figure(
                column,
                value,
                table.link(column.key, owner),
                text,
                f"{text} {column.label.lower()}, {owner_name}: open the queue",
                alert=bool(value) and column.key == "overdue",
            )
        )
    return figures


class WorkloadProvider(Protocol):
    def agents(self, connection: DeskConnection) -> WorkloadTable: ...

    def departments(self, connection: DeskConnection) -> WorkloadTable: ...

    def teams(self, connection: DeskConnection) -> WorkloadTable: ...


_PROVIDERS: list[WorkloadProvider] = []


def register_workload_provider(provider: WorkloadProvider) -> None:
    """Called from the tickets app's AppConfig.ready()."""
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


def workload_provider() -> WorkloadProvider | None:
    return _PROVIDERS[0] if _PROVIDERS else None


def agents_workload(connection: DeskConnection) -> WorkloadTable:
    provider = workload_provider()
    return provider.agents(connection) if provider else WorkloadTable()


def departments_workload(connection: DeskConnection) -> WorkloadTable:
    provider = workload_provider()
    return provider.departments(connection) if provider else WorkloadTable()


def teams_workload(connection: DeskConnection) -> WorkloadTable:
    provider = workload_provider()
    return provider.teams(connection) if provider else WorkloadTable()
