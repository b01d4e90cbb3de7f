"""The conversation's forms: a comment, and a reply by email from one of the department's addresses."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import validate_email

from apps.tickets.forms.common import MAX_CONTENT, GuardedForm, set_field_choices


def validate_email_list(value: str) -> None:
    for address in [a.strip() for a in value.replace(";", ",").split(",") if a.strip()]:
        validate_email(address)


class CommentForm(GuardedForm):
    id_prefix = "comment"
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
    id_prefix = "reply"
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
        set_field_choices(self, "from_address", list(from_addresses))
        # False: the detail page says why no reply can be sent (and how an admin fixes it) above the form.
        self.has_from_addresses = bool(from_addresses)

    def clean_content(self) -> str:
        content = self.cleaned_data["content"].strip()
        if not content:
            raise forms.ValidationError("Write a message.")
        return content
