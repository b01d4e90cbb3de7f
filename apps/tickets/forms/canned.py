"""The canned-reply form: a title, the body (HTML from the editor, or text without JS), shared or personal."""

from __future__ import annotations

from typing import Any

from django import forms

from apps.core.forms import BaseForm
from apps.tickets.forms.common import MAX_CONTENT


class CannedReplyForm(BaseForm):
    title = forms.CharField(max_length=120, label="Title")
    body = forms.CharField(
        max_length=MAX_CONTENT,
        widget=forms.Textarea(attrs={"rows": 8, "data-editor": ""}),
        label="Text",
        help_text="Placeholders such as {{contact.first_name}} are filled in when the reply is inserted.",
    )
    is_shared = forms.BooleanField(required=False, label="Shared with everyone in this org")

    def __init__(self, *args: Any, may_share: bool, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "canned-%s")
        super().__init__(*args, **kwargs)
        if not may_share:
            del self.fields["is_shared"]

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError("Give the reply a title.")
        return title

    def clean_body(self) -> str:
        body = self.cleaned_data["body"].strip()
        if not body or body in ("<br>", "<p></p>", "<p><br></p>"):
            raise forms.ValidationError("Write the reply's text.")
        return body
