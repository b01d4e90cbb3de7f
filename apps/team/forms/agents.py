"""The agents page's URL (filters, search, sort) and the agent admin forms; Desk's field errors go on them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model, password_validation

from apps.core.forms import ROLE_CHOICES, BaseForm
from apps.core.roles import Role
from apps.desk.errors import DeskValidationError
from apps.team.models import Agent, Department
from apps.team.selectors import AGENT_SORTS, STATUS_LABELS, AgentFilters
from apps.team.services import ROLE_PERMISSION_TYPES

# Desk's field names (the client's snake_case) -> our form fields.
DESK_FIELDS = {
    "email_id": "email",
    "email": "email",
    "first_name": "first_name",
    "last_name": "last_name",
    "associated_department_ids": "departments",
    "role_permission_type": "role_permission_type",
    "phone": "phone",
    "mobile": "mobile",
}


def agent_filters_from(data: Any, *, figure_keys: set[str]) -> AgentFilters:
    """What an agents-page URL says; anything not understood is dropped (never a 500)."""
    query = str(data.get("q", "")).strip()[:100]
    department = str(data.get("department", ""))
    team = str(data.get("team", ""))
    status = str(data.get("status", ""))
    sort = str(data.get("sort", "name"))
    if sort.lstrip("-") not in AGENT_SORTS and sort.lstrip("-") not in figure_keys:
        sort = "name"
    return AgentFilters(
        query=query,
        department=department if department.isdigit() else "",
        team=team if team.isdigit() else "",
        status=status if status in STATUS_LABELS else "",
        sort=sort,
    )


def department_choices(departments: list[Department]) -> list[tuple[str, str]]:
    return [(d.desk_id, d.name or d.desk_id) for d in departments]


class DeskErrorsMixin:
    """Put a Desk refusal's field errors on the fields; what names no field goes on the form."""

    def add_desk_error(self, error: DeskValidationError) -> None:
        placed = False
        for desk_field, message in (error.fields or {}).items():
            name = DESK_FIELDS.get(desk_field)
            if name and name in self.fields:  # type: ignore[attr-defined]
                self.add_error(name, f"Desk: {message}")  # type: ignore[attr-defined]
                placed = True
        if not placed:
            self.add_error(None, f"Desk refused it: {error.message}")  # type: ignore[attr-defined]


class AgentInviteForm(DeskErrorsMixin, BaseForm):
    email = forms.EmailField(max_length=100, help_text="Desk emails the invitation to this address.")
    first_name = forms.CharField(max_length=50, required=False)
    last_name = forms.CharField(max_length=50)
    role_permission_type = forms.ChoiceField(
        label="Role", choices=list(ROLE_PERMISSION_TYPES.items()), initial="AgentPublic"
    )
    departments = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple,
        help_text="At least one: the agent works on these departments' tickets.",
    )

    def __init__(self, *args: Any, departments: list[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["departments"].choices = department_choices(departments)  # type: ignore[attr-defined]


class AgentEditForm(DeskErrorsMixin, BaseForm):
    first_name = forms.CharField(max_length=50, required=False)
    last_name = forms.CharField(max_length=50)
    email = forms.EmailField(max_length=100)
    phone = forms.CharField(max_length=100, required=False)
    mobile = forms.CharField(max_length=100, required=False)
    departments = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, departments: list[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["departments"].choices = department_choices(departments)  # type: ignore[attr-defined]


class AgentHandoffForm(BaseForm):
    """Deactivate in one step: the agent's open tickets go to ``reassign_to`` first (a bulk job)."""

    reassign_to = forms.ChoiceField(label="Reassign their open tickets to", required=False)

    def __init__(self, *args: Any, others: list[Agent], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reassign_to"].choices = [  # type: ignore[attr-defined]
            ("", "Nobody (unassigned)"),
            *((a.desk_id, str(a)) for a in others),
        ]


class ConsoleUserInviteForm(BaseForm):
    """A Desk agent made a console user in one step: username, password and role (name and email from Desk)."""

    username = forms.CharField(max_length=150)
    role = forms.ChoiceField(choices=ROLE_CHOICES, initial=Role.AGENT.value)
    password = forms.CharField(
        widget=forms.PasswordInput(render_value=True),
        help_text="At least 8 characters, not too common, not all digits. Give it to them yourself.",
    )

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("A user with this username already exists.")
        return username

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password = cleaned.get("password")
        if password:
            try:
                password_validation.validate_password(
                    password, get_user_model()(username=cleaned.get("username", ""))
                )
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned
