"""The merge page's forms: the search for tickets to merge, and the confirmation (which values to keep)."""

from __future__ import annotations

from typing import Any

from django import forms

from apps.core.forms import BaseForm
from apps.tickets.forms.common import set_field_choices
from apps.tickets.services.merge import MERGE_MAX_OTHERS


class MergeSearchForm(BaseForm):
    q = forms.CharField(
        label="Find tickets to merge",
        required=False,
        max_length=200,
        help_text="A ticket number (#123) or words of the subject, conversation or contact.",
    )
    ids = forms.MultipleChoiceField(
        label="Tickets to merge into this one", required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, candidates: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update({"autofocus": True, "type": "search", "autocomplete": "off"})
        set_field_choices(self, "ids", candidates)

    def clean_ids(self) -> list[str]:
        ids = self.cleaned_data["ids"]
        if len(ids) > MERGE_MAX_OTHERS:
            raise forms.ValidationError(
                f"Pick at most {MERGE_MAX_OTHERS} tickets: Desk merges {MERGE_MAX_OTHERS + 1} at a time."
            )
        return ids


class MergeConfirmForm(BaseForm):
    ids = forms.MultipleChoiceField(widget=forms.MultipleHiddenInput)
    subject_from = forms.ChoiceField(label="Keep the subject of", widget=forms.RadioSelect)
    contact_from = forms.ChoiceField(label="Keep the contact of", widget=forms.RadioSelect)

    def __init__(
        self,
        *args: Any,
        others: list[str],
        subjects: list[tuple[str, str]],
        contacts: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        set_field_choices(self, "ids", [(d, d) for d in others])
        set_field_choices(self, "subject_from", subjects)
        set_field_choices(self, "contact_from", contacts)

    def clean_ids(self) -> list[str]:
        ids = self.cleaned_data["ids"]
        if len(ids) > MERGE_MAX_OTHERS:
            raise forms.ValidationError(f"Pick at most {MERGE_MAX_OTHERS} tickets to merge.")
        return ids
