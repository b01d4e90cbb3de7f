"""Contact and account forms: the fields the console creates and edits, named as the Desk client names them.

Email addresses are checked by Desk, not here: Desk's verdict (``INVALID_DATA`` on ``/email``) lands on the
field, so the console never accepts or refuses what Desk would not.
"""

from __future__ import annotations

from typing import Any

from django import forms

from apps.core.forms import BaseForm
from apps.customers.services.stale import customer_seen_read

# Desk's field names (snake_case, from DeskValidationError.fields) -> the form's fields.
DESK_FIELD_NAMES = {"account_id": "account", "annualrevenue": "annual_revenue"}


class GuardedCustomerForm(BaseForm):
    """An edit carries what the user saw, to catch changes made meanwhile (the stale-write guard)."""

    seen = forms.CharField(widget=forms.HiddenInput, required=False)
    confirm_stale = forms.BooleanField(widget=forms.HiddenInput, required=False)

    def seen_snapshot(self) -> dict[str, Any] | None:
        return customer_seen_read(self.cleaned_data.get("seen") or "")


def _text(
    max_length: int, *, required: bool = False, label: str | None = None, **kwargs: Any
) -> forms.CharField:
    return forms.CharField(max_length=max_length, required=required, label=label, **kwargs)


class ContactForm(GuardedCustomerForm):
    first_name = _text(40)
    last_name = _text(100, required=True)
    email = _text(200, widget=forms.TextInput(attrs={"type": "email", "autocomplete": "off"}))
    secondary_email = _text(200, label="Secondary email", widget=forms.TextInput(attrs={"type": "email"}))
    phone = _text(50)
    mobile = _text(50)
    account = _text(200, label="Account", help_text="The account's name, as DeskAdmin's mirror has it.")
    title = _text(100)
    city = _text(100)
    country = _text(100)
    description = forms.CharField(required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_last_name(self) -> str:
        value = self.cleaned_data["last_name"].strip()
        if not value:
            raise forms.ValidationError("Desk needs a last name.")
        return value

    def desk_fields(self, *, account_id: str) -> dict[str, Any]:
        """The contact as the Desk client's contact_create/contact_update take it."""
        data = {k: (v.strip() if isinstance(v, str) else v) for k, v in self.cleaned_data.items()}
        fields = {
            name: data.get(name, "")
            for name in (
                "first_name",
                "last_name",
                "email",
                "secondary_email",
                "phone",
                "mobile",
                "title",
                "description",
                "city",
                "country",
            )
        }
        fields["account_id"] = account_id
        return fields


class AccountForm(GuardedCustomerForm):
    account_name = _text(200, required=True, label="Name")
    email = _text(200, widget=forms.TextInput(attrs={"type": "email", "autocomplete": "off"}))
    phone = _text(30)
    website = _text(120)
    industry = _text(120)
    annual_revenue = forms.DecimalField(
        required=False, min_value=0, max_digits=16, decimal_places=2, label="Annual revenue"
    )
    city = _text(30)
    country = _text(30)
    description = forms.CharField(required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_account_name(self) -> str:
        value = self.cleaned_data["account_name"].strip()
        if not value:
            raise forms.ValidationError("Give the account a name.")
        return value

    def desk_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields: dict[str, Any] = {
            name: (data.get(name) or "").strip()
            for name in (
                "account_name",
                "email",
                "phone",
                "website",
                "industry",
                "description",
                "city",
                "country",
            )
        }
        fields["annual_revenue"] = data.get("annual_revenue")
        return fields


def add_desk_errors(form: forms.Form, fields: dict[str, str]) -> bool:
    """Put Desk's field errors on the form's fields (the rest on the form); True if any was placed."""
    placed = False
    for desk_name, message in fields.items():
        name = DESK_FIELD_NAMES.get(desk_name, desk_name)
        form.add_error(
            name if name in form.fields else None,
            message if name in form.fields else f"{desk_name}: {message}",
        )
        placed = True
    return placed
