"""Saving the queue's current URL as a named view."""

from __future__ import annotations

from typing import Any

from django import forms

from apps.core.forms import BaseForm


class SavedViewForm(BaseForm):
    """Save the queue's current URL under a name, for oneself or (with ``core.edit_tickets``) the org."""

    name = forms.CharField(
        label="View name",
        error_messages={"required": "Give the view a name."},
        widget=forms.TextInput(attrs={"maxlength": 100, "placeholder": "Name, e.g. My urgent"}),
    )
    query = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)
    is_shared = forms.BooleanField(required=False, label="Share with the org")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "view-%s")
        super().__init__(*args, **kwargs)

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())[:100]
        if not name:
            raise forms.ValidationError("Give the view a name.")
        return name
