"""Adding and removing a ticket's tag: a name as Desk accepts it (3 to 50 letters, digits, spaces, _ . - + %)."""

from __future__ import annotations

import re

from django import forms

from apps.tickets.forms.common import GuardedForm

# TicketTag.json: a tag name is 3..50 characters of these; "null" is not a name.
TAG_NAME = re.compile(r"^(?!null$)[\w.\-+% ]{3,50}$", re.UNICODE)


class TagAddForm(GuardedForm):
    id_prefix = "tag-add"
    tag = forms.CharField(
        label="Add a tag",
        max_length=50,
        widget=forms.TextInput(
            attrs={"list": "tag-suggestions", "autocomplete": "off", "data-tag-input": True}
        ),
    )

    def clean_tag(self) -> str:
        name = " ".join(self.cleaned_data["tag"].split())
        if not TAG_NAME.match(name):
            raise forms.ValidationError("A tag is 3 to 50 letters, digits, spaces or _ . - + %.")
        return name


class TagRemoveForm(GuardedForm):
    id_prefix = "tag-remove"
    tag = forms.CharField(max_length=50, widget=forms.HiddenInput)
