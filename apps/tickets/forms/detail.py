"""The ticket page's field forms: status (with a resolution when closing), priority, assignment."""

from __future__ import annotations

from typing import Any

from django import forms

from apps.team.models import Agent, Team
from apps.tickets.columns import PRIORITIES
from apps.tickets.forms.common import MAX_CONTENT, GuardedForm, set_field_choices, value_choices


class StatusForm(GuardedForm):
    id_prefix = "status"
    status = forms.ChoiceField(choices=())
    resolution = forms.CharField(
        required=False, max_length=MAX_CONTENT, widget=forms.Textarea(attrs={"rows": 3}), label="Resolution"
    )

    def __init__(self, *args: Any, statuses: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_field_choices(self, "status", value_choices(statuses))


class PriorityForm(GuardedForm):
    id_prefix = "priority"
    priority = forms.ChoiceField(choices=value_choices(PRIORITIES, blank="None"), required=False)


class AssignForm(GuardedForm):
    id_prefix = "assign"
    assignee = forms.ChoiceField(choices=(), required=False, label="Agent")
    team = forms.ChoiceField(choices=(), required=False, label="Team")

    def __init__(self, *args: Any, agents: list[Agent], teams: list[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_field_choices(self, "assignee", [("", "Unassigned"), *[(a.desk_id, str(a)) for a in agents]])
        set_field_choices(self, "team", [("", "No team"), *[(t.desk_id, str(t)) for t in teams]])
