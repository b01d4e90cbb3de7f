"""Contact and account forms: the fields the console creates and edits, named as the Desk client names them,
and the org's custom fields (``cf_*``, the keys the list's custom-field filter offers), sent as Desk's ``cf``.

Email addresses are checked by Desk, not here: Desk's verdict (``INVALID_DATA`` on ``/email``, or on
``/cf/cf_tier``) lands on the field, so the console never accepts or refuses what Desk would not.
"""

from __future__ import annotations

from typing import Any

from django import forms

from apps.core.forms import BaseForm
from apps.customers.selectors.detail import custom_field_label
from apps.customers.services.stale import customer_seen_read

# Desk's field names (snake_case, from DeskValidationError.fields) -> the form's fields.
DESK_FIELD_NAMES = {"account_id": "account", "annualrevenue": "annual_revenue"}
# Contact.json / Account.json: each custom field's value is a string of at most 100 characters.
CUSTOM_FIELD_MAX_LENGTH = 100


class GuardedCustomerForm(BaseForm):
    """A create or edit form: the org's custom fields after the entity's own, and, on an edit, what the user
    saw, to catch changes made meanwhile (the stale-write guard)."""

    seen = forms.CharField(widget=forms.HiddenInput, required=False)
    confirm_stale = forms.BooleanField(widget=forms.HiddenInput, required=False)
    retry_of = forms.CharField(widget=forms.HiddenInput, required=False)  # a create whose answer was lost

    def __init__(self, *args: Any, cf_keys: list[str] | tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cf_keys = list(cf_keys)
        for key in self.cf_keys:
            self.fields[key] = _text(CUSTOM_FIELD_MAX_LENGTH, label=custom_field_label(key))

    def seen_snapshot(self) -> dict[str, Any] | None:
        return customer_seen_read(self.cleaned_data.get("seen") or "")

    def custom_values(self) -> dict[str, str]:
        return {key: (self.cleaned_data.get(key) or "").strip() for key in self.cf_keys}


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
        fields["cf"] = self.custom_values()
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

    def desk_fields(self, **_: Any) -> dict[str, Any]:
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
        fields["cf"] = self.custom_values()
        return fields


def add_desk_errors(form: forms.Form, fields: dict[str, str]) -> bool:
    """Put Desk's field errors on the form's fields (the rest on the form); True if any was placed."""
    placed = False
    for desk_name, message in fields.items():
        # A custom field's error names it by its JSON pointer: /cf/cf_tier -> "cf.cf_tier".
        name = DESK_FIELD_NAMES.get(desk_name, desk_name.removeprefix("cf.").removeprefix("custom_fields."))
        form.add_error(
            name if name in form.fields else None,
            message if name in form.fields else f"{desk_name}: {message}",
        )
        placed = True
    return placed
