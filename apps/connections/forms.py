"""Forms for connecting an org (data center, scopes, OAuth client) and for picking orgs."""

from typing import Any, cast

from django import forms
from django.conf import settings

from apps.connections.services import DEFAULT_SCOPES, SCOPE_CHOICES, data_center_choices, default_client
from apps.core.forms import BaseForm
from apps.desk.datacenters import SANDBOX


class ConnectForm(BaseForm):
    data_center = forms.ChoiceField(
        label="Data center",
        help_text="Where your Zoho account lives (the domain you sign in to).",
    )
    scopes = forms.MultipleChoiceField(
        label="Permissions to ask for",
        choices=SCOPE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        initial=DEFAULT_SCOPES,
        help_text="The first six are what DeskAdmin needs; fewer permissions hide the pages that need them.",
        error_messages={"required": "Choose at least one permission."},
    )
    client_id = forms.CharField(
        label="OAuth client ID",
        required=False,
        max_length=200,
        help_text="From Zoho's API console. Leave empty to use the configured client. "
        "The sandbox uses its built-in demo client.",
    )
    client_secret = forms.CharField(
        label="OAuth client secret",
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Stored encrypted. Leave empty to use the configured client.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = data_center_choices()
        cast(forms.ChoiceField, self.fields["data_center"]).choices = choices
        default = settings.DESK_DEFAULT_DATA_CENTER
        codes = [code for code, _ in choices]
        self.fields["data_center"].initial = default if default in codes else codes[0]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        code = cleaned.get("data_center")
        if not code:
            return cleaned
        client_id = (cleaned.get("client_id") or "").strip()
        client_secret = (cleaned.get("client_secret") or "").strip()
        default_id, default_secret = default_client(code)
        if not client_id:
            client_id = default_id
        if not client_secret and client_id == default_id:
            client_secret = default_secret
        if not client_id:
            self.add_error(
                "client_id",
                "No OAuth client is configured for this data center: enter the client ID and secret "
                "from Zoho's API console (or set ZOHO_CLIENT_ID and ZOHO_CLIENT_SECRET).",
            )
        elif not client_secret:
            self.add_error("client_secret", "Enter the client secret that belongs to this client ID.")
        cleaned["client_id"], cleaned["client_secret"] = client_id, client_secret
        return cleaned

    @property
    def is_sandbox(self) -> bool:
        return self.cleaned_data.get("data_center") == SANDBOX


class PickOrgsForm(BaseForm):
    orgs = forms.MultipleChoiceField(
        label="Orgs to connect",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one org to connect."},
    )

    def __init__(self, *args: Any, orgs: list[dict[str, str]], connected: set[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.MultipleChoiceField, self.fields["orgs"]).choices = [
            (
                org["id"],
                f"{org['name']} (org {org['id']}{', ' + org['edition'] if org.get('edition') else ''})"
                + (" · already connected, will be updated" if org["id"] in connected else ""),
            )
            for org in orgs
        ]
        if len(orgs) == 1:
            self.fields["orgs"].initial = [orgs[0]["id"]]
