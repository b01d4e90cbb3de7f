"""The queue's bulk bar as a form: which tickets, what to do, and the values to set."""

from __future__ import annotations

from typing import Any

from django import forms

from apps.core.forms import BaseForm
from apps.tickets.columns import PRIORITIES
from apps.tickets.forms.common import value_choices
from apps.tickets.forms.queue import (
    ListField,
    QueueSelect,
    desk_id_or_empty,
    set_shared_options,
    set_widget_choices,
)
from apps.tickets.selectors.queue import QueueChoices
from apps.tickets.services.bulk import BULK_ACTIONS

BULK_ACTION_ORDER = ("close", "assign", "status", "priority")


class BulkActionForm(BaseForm):
    """The queue's bulk bar: the tickets (ticked rows, or all matching the filter), the action and its values.
    A malformed id or value is dropped, as the queue drops it; what a job cannot do is said, never a 500."""

    ticket = ListField(required=False, widget=forms.MultipleHiddenInput)
    all_matching = forms.BooleanField(
        required=False, widget=forms.CheckboxInput(attrs={"value": "1", "data-all-matching": True})
    )
    filter_query = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)
    action = forms.ChoiceField(
        label="Bulk action",
        widget=QueueSelect,
        choices=[(key, BULK_ACTIONS[key]) for key in BULK_ACTION_ORDER],
        error_messages={
            "required": "Choose what to do with the tickets.",
            "invalid_choice": "Choose what to do with the tickets.",
        },
    )
    assignee = forms.CharField(required=False, label="Agent (assign)", widget=QueueSelect)
    team = forms.CharField(required=False, label="Team (assign)", widget=QueueSelect)
    status = forms.CharField(required=False, label="Status", widget=QueueSelect)
    priority = forms.CharField(required=False, label="Priority", widget=QueueSelect)
    resolution = forms.CharField(required=False, widget=forms.Textarea)

    def __init__(self, *args: Any, choices: QueueChoices | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "bulk-%s")
        super().__init__(*args, **kwargs)
        if choices is not None:
            set_widget_choices(self, "assignee", [("", "Unassigned")])
            set_shared_options(self, "assignee", choices.agent_options())
            set_widget_choices(self, "team", [("", "No team"), *[(t.desk_id, str(t)) for t in choices.teams]])
            set_widget_choices(self, "status", value_choices(choices.statuses, blank="—"))
            set_widget_choices(self, "priority", value_choices(choices.priorities, blank="None"))

    def clean_all_matching(self) -> bool:
        return self.data.get("all_matching") == "1"

    def clean_assignee(self) -> str:
        return desk_id_or_empty(self.cleaned_data["assignee"])

    def clean_team(self) -> str:
        return desk_id_or_empty(self.cleaned_data["team"])

    def clean_status(self) -> str:
        return self.cleaned_data["status"].strip()[:100]

    def clean_priority(self) -> str:
        priority = self.cleaned_data["priority"]
        return priority if priority in PRIORITIES else ""

    def clean_resolution(self) -> str:
        return self.cleaned_data["resolution"].strip()[:2000]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("action") == "status" and not cleaned.get("status"):
            self.add_error("status", "Choose the status to set.")
        return cleaned

    def params(self) -> dict[str, str]:
        """The action's values as the job keeps them (``BulkJob.params``)."""
        data = self.cleaned_data
        return {
            "assignee_id": data["assignee"],
            "team_id": data["team"],
            "status": data["status"],
            "priority": data["priority"],
            "resolution": data["resolution"],
        }
