"""Ticket forms: every write's input is validated here before a Desk call is spent on it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core import signing
from django.core.validators import validate_email

from apps.tickets.queues import CHANNELS, CLASSIFICATIONS, PRIORITIES

SEEN_SALT = "tickets.seen"
MAX_CONTENT = 32_000


def _choices(values: tuple[str, ...] | list[str], *, blank: str | None = None) -> list[tuple[str, str]]:
    choices = [(v, v) for v in values]
    return [("", blank), *choices] if blank is not None else choices


def _set_choices(form: forms.Form, name: str, choices: list[tuple[str, str]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def validate_email_list(value: str) -> None:
    for address in [a.strip() for a in value.replace(";", ",").split(",") if a.strip()]:
        validate_email(address)


class GuardedForm(forms.Form):
    """A write on an existing ticket: carries what the agent saw, to catch changes made meanwhile."""

    seen = forms.CharField(widget=forms.HiddenInput, required=False)
    confirm_stale = forms.BooleanField(widget=forms.HiddenInput, required=False)

    def seen_snapshot(self) -> dict[str, Any] | None:
        value = self.cleaned_data.get("seen") or ""
        if not value:
            return None
        try:
            return signing.loads(value, salt=SEEN_SALT)
        except signing.BadSignature:
            return None


class StatusForm(GuardedForm):
    status = forms.ChoiceField(choices=())
    resolution = forms.CharField(
        required=False, max_length=MAX_CONTENT, widget=forms.Textarea(attrs={"rows": 3}), label="Resolution"
    )

    def __init__(self, *args: Any, statuses: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "status", _choices(statuses))


class PriorityForm(GuardedForm):
    priority = forms.ChoiceField(choices=_choices(PRIORITIES, blank="None"), required=False)


class AssignForm(GuardedForm):
    assignee = forms.ChoiceField(choices=(), required=False, label="Agent")
    team = forms.ChoiceField(choices=(), required=False, label="Team")

    def __init__(self, *args: Any, agents: list[Any], teams: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "assignee", [("", "Unassigned"), *[(a.desk_id, str(a)) for a in agents]])
        _set_choices(self, "team", [("", "No team"), *[(t.desk_id, str(t)) for t in teams]])


class CommentForm(GuardedForm):
    content = forms.CharField(
        max_length=MAX_CONTENT, widget=forms.Textarea(attrs={"rows": 4}), label="Comment"
    )
    is_public = forms.BooleanField(required=False, label="Public (the customer can see it)")

    def clean_content(self) -> str:
        content = self.cleaned_data["content"].strip()
        if not content:
            raise forms.ValidationError("Write a comment.")
        return content


class ReplyForm(GuardedForm):
    from_address = forms.ChoiceField(choices=(), label="From")
    to = forms.CharField(max_length=1000, validators=[validate_email_list], label="To")
    cc = forms.CharField(max_length=1000, required=False, validators=[validate_email_list], label="Cc")
    content_type = forms.ChoiceField(
        choices=[("plainText", "Plain text"), ("html", "HTML")], initial="plainText", label="Format"
    )
    content = forms.CharField(
        max_length=MAX_CONTENT, widget=forms.Textarea(attrs={"rows": 6}), label="Message"
    )

    def __init__(self, *args: Any, from_addresses: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "from_address", list(from_addresses))
        # False: the detail page says why no reply can be sent (and how an admin fixes it) above the form.
        self.has_from_addresses = bool(from_addresses)

    def clean_content(self) -> str:
        content = self.cleaned_data["content"].strip()
        if not content:
            raise forms.ValidationError("Write a message.")
        return content


class TicketFieldsForm(forms.Form):
    """The fields an agent sets on create and edit; names match the Desk client's keyword arguments."""

    subject = forms.CharField(max_length=255)
    description = forms.CharField(
        required=False, max_length=MAX_CONTENT, widget=forms.Textarea(attrs={"rows": 5})
    )
    department_id = forms.ChoiceField(choices=(), label="Department")
    priority = forms.ChoiceField(choices=_choices(PRIORITIES, blank="None"), required=False)
    channel = forms.ChoiceField(choices=_choices(CHANNELS, blank="—"), required=False)
    classification = forms.ChoiceField(choices=_choices(CLASSIFICATIONS, blank="—"), required=False)
    category = forms.CharField(max_length=100, required=False)
    phone = forms.CharField(max_length=50, required=False)

    def __init__(self, *args: Any, departments: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "department_id", [(d.desk_id, str(d)) for d in departments])

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
    field_order = [
        "contact_email",
        "contact_last_name",
        "subject",
        "description",
        "department_id",
        "status",
        "priority",
        "assignee_id",
        "channel",
        "classification",
        "category",
        "phone",
    ]

    def __init__(self, *args: Any, statuses: list[str], agents: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "status", _choices(statuses, blank="Open (default)"))
        _set_choices(self, "assignee_id", [("", "Unassigned"), *[(a.desk_id, str(a)) for a in agents]])


class TicketEditForm(TicketFieldsForm, GuardedForm):
    pass


# Desk's field names (snake_case, from DeskValidationError.fields) -> our form's field names.
DESK_FIELD_NAMES = {
    "contact.email": "contact_email",
    "contact.last_name": "contact_last_name",
    "contact_id": "contact_email",
    "contact": "contact_email",
    "from_email_address": "from_address",
    "department_id": "department_id",
    "assignee_id": "assignee_id",
}


def add_desk_errors(
    form: forms.Form, fields: dict[str, str], *, aliases: dict[str, str] | None = None
) -> bool:
    """Put Desk's field errors on the form's fields (the rest on the form); True if any was placed."""
    names = {**DESK_FIELD_NAMES, **(aliases or {})}
    placed = False
    for desk_name, message in fields.items():
        name = names.get(desk_name, desk_name)
        if name in form.fields:
            form.add_error(name, message)
        else:
            form.add_error(None, f"{desk_name}: {message}")
        placed = True
    return placed


class AttachmentUploadForm(GuardedForm):
    is_public = forms.BooleanField(required=False, label="Public (the customer can see it)")
