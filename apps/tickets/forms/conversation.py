"""The conversation's forms: a comment, and a reply by email from one of the department's addresses (with
cc/bcc, files to attach, and a status to set once it is sent)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
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


# Desk takes at most this many files on one reply.
MAX_REPLY_FILES = 10


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name; each is checked (empty, too large) with its own message."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_REPLY_FILES:
            raise forms.ValidationError(f"Attach at most {MAX_REPLY_FILES} files to one reply.")
        limit = settings.ATTACHMENT_MAX_BYTES
        errors = []
        for upload in files:
            if not upload.size:
                errors.append(f"{upload.name} is empty; choose another file.")
            elif upload.size > limit:
                errors.append(
                    f"{upload.name} is {upload.size / 1048576:.1f} MB; the limit is {limit / 1048576:.0f} MB."
                )
        if errors:
            raise forms.ValidationError(errors)
        return files


class ReplyForm(GuardedForm):
    id_prefix = "reply"
    from_address = forms.ChoiceField(choices=(), label="From")
    to = forms.CharField(max_length=1000, validators=[validate_email_list], label="To")
    cc = forms.CharField(max_length=1000, required=False, validators=[validate_email_list], label="Cc")
    bcc = forms.CharField(max_length=1000, required=False, validators=[validate_email_list], label="Bcc")
    content_type = forms.ChoiceField(
        choices=[("plainText", "Plain text"), ("html", "HTML")],
        initial="plainText",
        label="Format",
        # static/js/editor.js sets it to HTML (and hides it) when the rich-text editor takes over.
        widget=forms.Select(attrs={"data-editor-format": ""}),
    )
    content = forms.CharField(
        max_length=MAX_CONTENT, widget=forms.Textarea(attrs={"rows": 6, "data-editor": ""}), label="Message"
    )
    # The metaclass moves declared fields into base_fields, so this does not hide Form.files (request.FILES).
    files = MultipleFileField(  # type: ignore[assignment]
        required=False,
        label="Attach files",
        help_text=f"At most {settings.ATTACHMENT_MAX_BYTES // 1048576} MB each.",
    )
    then_status = forms.ChoiceField(choices=(), required=False, label="Then set status")

    def __init__(
        self,
        *args: Any,
        from_addresses: list[tuple[str, str]],
        statuses: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        set_field_choices(self, "from_address", list(from_addresses))
        # None: the user may not change a status (only "keep" is valid).
        set_field_choices(self, "then_status", [("", "Keep the status")] + [(s, s) for s in statuses or []])
        # False: the detail page says why no reply can be sent (and how an admin fixes it) above the form.
        self.has_from_addresses = bool(from_addresses)

    def clean_content(self) -> str:
        content = self.cleaned_data["content"].strip()
        if not content:
            raise forms.ValidationError("Write a message.")
        return content

    @property
    def files_to_choose_again(self) -> list[str]:
        """The files of a reply that comes back (an error, a stale-write check): browsers do not keep them."""
        if not self.is_bound or not hasattr(self.files, "getlist"):
            return []
        return [f.name for f in self.files.getlist("files") if f]
