"""What the ticket forms share: choice lists, the stale-guarded base form, Desk's field errors on fields."""

from __future__ import annotations

from typing import Any

from django import forms

from apps.core.forms import BaseForm
from apps.tickets.services.stale import ticket_seen_read

MAX_CONTENT = 32_000


def value_choices(values: tuple[str, ...] | list[str], *, blank: str | None = None) -> list[tuple[str, str]]:
    choices = [(v, v) for v in values]
    return [("", blank), *choices] if blank is not None else choices


def set_field_choices(form: forms.Form, name: str, choices: list[tuple[str, str]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class GuardedForm(BaseForm):
    """A write on an existing ticket: carries what the agent saw, to catch changes made meanwhile.

    ``id_prefix`` keeps element ids unique on the ticket page, where several of these forms share the
    page (two of them have a ``content`` field, all of them ``seen``); the field names stay as they are.
    """

    id_prefix = ""
    seen = forms.CharField(widget=forms.HiddenInput, required=False)
    confirm_stale = forms.BooleanField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if self.id_prefix:
            kwargs.setdefault("auto_id", f"{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)

    def seen_snapshot(self) -> dict[str, Any] | None:
        return ticket_seen_read(self.cleaned_data.get("seen") or "")


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
