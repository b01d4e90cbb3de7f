"""What an Insights URL means: the org (one, or every org the user may see), the range of days and the queue's
dimension filters. A value that is not understood is dropped and named, never a server error."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta, tzinfo

from django import forms
from django.utils import timezone

from apps.core.forms import BaseForm
from apps.core.parsing import parse_id
from apps.insights.metrics import Scope
from apps.tickets.columns import CHANNELS, PRIORITIES

RANGES = {"today": "Today", "7d": "Last 7 days", "30d": "Last 30 days", "custom": "Custom"}
RANGE_DAYS = {"today": 1, "7d": 7, "30d": 30}
MAX_DAYS = 92
ALL = "all"


@dataclass
class InsightsChoice:
    """The parsed URL: which org (a connection pk, or ``ALL``), the scope, and what was not understood."""

    org: str
    range: str
    scope: Scope
    problems: list[str] = field(default_factory=list)

    def query(self, **overrides: str) -> str:
        """The page's own query string (for the poll, the CSV links and the range/org switches)."""
        from django.http import QueryDict

        values = {
            "org": self.org,
            "range": self.range,
            "start": self.scope.start.isoformat() if self.range == "custom" else "",
            "end": self.scope.end.isoformat() if self.range == "custom" else "",
            "department": self.scope.department,
            "team": self.scope.team,
            "agent": self.scope.assignee,
            "channel": self.scope.channel,
            "priority": self.scope.priority,
        }
        values.update(overrides)
        query = QueryDict(mutable=True)
        for key, value in values.items():
            if value:
                query[key] = value
        return query.urlencode()


class InsightsForm(BaseForm):
    org = forms.CharField(required=False, label="Org")
    range = forms.CharField(required=False, label="Range")
    start = forms.CharField(required=False, label="From")
    end = forms.CharField(required=False, label="To")
    department = forms.CharField(required=False, label="Department")
    team = forms.CharField(required=False, label="Team")
    agent = forms.CharField(required=False, label="Agent")
    channel = forms.CharField(required=False, label="Channel")
    priority = forms.CharField(required=False, label="Priority")

    def clean_org(self) -> str:
        org = self.cleaned_data["org"].strip()
        return org if org == ALL or parse_id(org) else ""

    def clean_range(self) -> str:
        value = self.cleaned_data["range"].strip()
        return value if value in RANGES else "7d"

    def _date(self, name: str) -> date | None:
        raw = self.cleaned_data[name].strip()
        if not raw:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise forms.ValidationError(f"“{self.fields[name].label}” must be a date (YYYY-MM-DD).") from None

    def clean_start(self) -> date | None:
        return self._date("start")

    def clean_end(self) -> date | None:
        return self._date("end")

    def clean_department(self) -> str:
        return parse_id(self.cleaned_data["department"].strip()) or ""

    def clean_team(self) -> str:
        return parse_id(self.cleaned_data["team"].strip()) or ""

    def clean_agent(self) -> str:
        agent = self.cleaned_data["agent"].strip()
        return agent if agent == "unassigned" or parse_id(agent) else ""

    def clean_channel(self) -> str:
        channel = self.cleaned_data["channel"].strip()[:32]
        return next((name for name in CHANNELS if name.lower() == channel.lower()), channel)

    def clean_priority(self) -> str:
        priority = self.cleaned_data["priority"].strip()
        return priority if priority in PRIORITIES else ""

    def choice(self, *, default_org: str, zones: Mapping[str, tzinfo] | None = None) -> InsightsChoice:
        """``zones``: each org's time zone by its pk; "today" is the chosen org's (the console's for all)."""
        self.is_valid()
        data = self.cleaned_data
        problems = [str(message) for errors in self.errors.values() for message in errors]
        today = timezone.localdate(timezone=(zones or {}).get(data.get("org") or default_org))
        chosen = data.get("range") or "7d"
        if chosen == "custom":
            start, end = data.get("start"), data.get("end")
            if start is None or end is None:
                problems.append("A custom range needs both dates; the last 7 days are shown.")
                chosen = "7d"
            else:
                if start > end:
                    start, end = end, start
                if (end - start).days + 1 > MAX_DAYS:
                    problems.append(
                        f"A custom range is at most {MAX_DAYS} days; its last {MAX_DAYS} are shown."
                    )
                    start = end - timedelta(days=MAX_DAYS - 1)
        if chosen != "custom" or start is None or end is None:
            end = today
            start = today - timedelta(days=RANGE_DAYS[chosen] - 1)
        scope = Scope(
            start=start,
            end=end,
            department=data.get("department", ""),
            team=data.get("team", ""),
            assignee=data.get("agent", ""),
            channel=data.get("channel", ""),
            priority=data.get("priority", ""),
        )
        return InsightsChoice(
            org=data.get("org") or default_org, range=chosen, scope=scope, problems=problems
        )
