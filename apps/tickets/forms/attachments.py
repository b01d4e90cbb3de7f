"""The upload form's one field besides the files (which the view reads from request.FILES)."""

from __future__ import annotations

from django import forms

from apps.tickets.forms.common import GuardedForm


class AttachmentUploadForm(GuardedForm):
    id_prefix = "upload"
    is_public = forms.BooleanField(required=False, label="Public (the customer can see it)")
