"""Whole-ticket forms: the fields an agent sets when creating a ticket or editing one."""

from __future__ import annotations

from typing import Any

from django import forms

from apps.core.forms import BaseForm
from apps.team.models import Agent, Department, Team
from apps.tickets.columns import CHANNELS, CLASSIFICATIONS, PRIORITIES
from apps.tickets.forms.common import MAX_CONTENT, GuardedForm, set_field_choices, value_choices


class TicketFieldsForm(BaseForm):
    """The fields an agent sets on create and edit; names match the Desk client's keyword arguments."""

    subject = forms.CharField(max_length=255)
    description = forms.CharField(
        required=False, max_length=MAX_CONTENT, widget=forms.Textarea(attrs={"rows": 5})
    )
    department_id = forms.ChoiceField(choices=(), label="Department")
    priority = forms.ChoiceField(choices=value_choices(PRIORITIES, blank="None"), required=False)
    channel = forms.ChoiceField(choices=value_choices(CHANNELS, blank="—"), required=False)
    classification = forms.ChoiceField(choices=value_choices(CLASSIFICATIONS, blank="—"), required=False)
    category = forms.CharField(max_length=100, required=False)
    phone = forms.CharField(max_length=50, required=False)

    def __init__(self, *args: Any, departments: list[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_field_choices(self, "department_id", [(d.desk_id, str(d)) for d in departments])

    def clean_subject(self) -> str:
        subject = self.cleaned_data["subject"].strip()
        if not subject:
            raise forms.ValidationError("Give the ticket a subject.")
        return subject


class TicketCreateForm(TicketFieldsForm):
    contact_email = forms.EmailField(label="Contact email", max_length=254)
    contact_last_name = forms.CharField(
        label="Contact last name",
        max_length=100,
        required=False,
        help_text="Needed only when no contact has this email yet.",
    )
    status = forms.ChoiceField(choices=(), required=False)
    assignee_id = forms.ChoiceField(choices=(), required=False, label="Assignee")
    team_id = forms.ChoiceField(
        choices=(), required=False, label="Team", help_text="A team of the chosen department, or none."
    )
    field_order = [
        "contact_email",
        "contact_last_name",
        "subject",
        "description",
        "department_id",
        "status",
        "priority",
        "assignee_id",
        "team_id",
        "channel",
        "classification",
        "category",
        "phone",
    ]

    def __init__(
        self,
        *args: Any,
        statuses: list[str],
        agents: list[Agent],
        teams: list[Team] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # No silent default: the agent picks the department (Desk routes, numbers and replies by it).
        department_choices = list(self.fields["department_id"].choices)  # type: ignore[attr-defined]
        set_field_choices(self, "department_id", [("", "Choose a department…"), *department_choices])
        self.fields["department_id"].error_messages["required"] = "Choose the ticket's department."
        set_field_choices(self, "status", value_choices(statuses, blank="Open (default)"))
        set_field_choices(self, "assignee_id", [("", "Unassigned"), *[(a.desk_id, str(a)) for a in agents]])
        set_field_choices(self, "team_id", [("", "No team"), *[(t.desk_id, str(t)) for t in teams or []]])
        self._teams = {t.desk_id: t for t in teams or []}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        team = self._teams.get(data.get("team_id") or "")
        department = data.get("department_id")
        team_department = getattr(team, "department_desk_id", "") if team else ""
        if team and department and team_department and team_department != department:
            self.add_error("team_id", "This team belongs to another department.")
        return data

    def desk_fields(self) -> dict[str, Any]:
        """The new ticket as the Desk client's ``ticket_create`` takes it (empty optional fields left out)."""
        data = self.cleaned_data
        contact: dict[str, str] = {"email": data["contact_email"]}
        if data["contact_last_name"]:
            contact["lastName"] = data["contact_last_name"]
        fields: dict[str, Any] = {
            "subject": data["subject"],
            "department_id": data["department_id"],
            "contact": contact,
        }
        for name in ("description", "priority", "channel", "classification", "category", "phone", "status"):
            if data.get(name):
                fields[name] = data[name]
        if data.get("assignee_id"):
            fields["assignee_id"] = data["assignee_id"]
        if data.get("team_id"):
            fields["team_id"] = data["team_id"]
        return fields


class TicketEditForm(TicketFieldsForm, GuardedForm):
    pass
