"""Forms of the Webhooks page: a webhook (name, URL, events and their filters) and the delivery log's filters."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from apps.core.forms import BaseForm
from apps.webhooks.models import Delivery
from apps.webhooks.processing import MIRROR_EVENTS
from apps.webhooks.selectors import LogFilters
from apps.webhooks.services import WebhookValues

EVENT_CHOICES = [(name, name.replace("_", " ")) for name in MIRROR_EVENTS]
# Webhook.json: which events take a department filter, and which may carry the previous state.
DEPARTMENT_EVENTS = {
    "Ticket_Add",
    "Ticket_Update",
    "Ticket_Thread_Add",
    "Ticket_Comment_Add",
    "Ticket_Comment_Update",
    "Ticket_Attachment_Add",
    "Ticket_Attachment_Delete",
}
PREV_STATE_EVENTS = {"Ticket_Update", "Contact_Update", "Account_Update", "Agent_Update"}
MAX_FIELDS = 5  # Webhook.json: Ticket_Update's `fields` holds at most 5


def _ids(text: str) -> list[str]:
    return [part for part in re.split(r"[\s,]+", text or "") if part]


class WebhookForm(BaseForm):
    name = forms.CharField(label="Name", max_length=100)
    url = forms.URLField(
        label="URL", max_length=100, help_text="Desk checks it answers 200 OK (GET, then POST) before saving."
    )
    description = forms.CharField(label="Description", required=False, max_length=3000)
    events = forms.MultipleChoiceField(
        label="Events",
        choices=EVENT_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event."},
    )
    department_ids = forms.CharField(
        label="Only these departments (ids)",
        required=False,
        max_length=500,
        help_text="Ticket events only; empty means every department.",
    )
    update_fields = forms.CharField(
        label="Ticket update: only when these fields change",
        required=False,
        max_length=500,
        help_text=f"At most {MAX_FIELDS} field names, e.g. status, assigneeId.",
    )
    include_prev_state = forms.BooleanField(label="Include the previous state on updates", required=False)
    is_enabled = forms.BooleanField(label="Enabled", required=False, initial=True)

    def clean_department_ids(self) -> list[str]:
        ids = _ids(self.cleaned_data.get("department_ids", ""))
        if any(not part.isdigit() for part in ids):
            raise forms.ValidationError("Department ids are numbers, separated by commas.")
        return ids

    def clean_update_fields(self) -> list[str]:
        names = _ids(self.cleaned_data.get("update_fields", ""))
        if len(names) > MAX_FIELDS:
            raise forms.ValidationError(f"Desk takes at most {MAX_FIELDS} fields.")
        return names

    def values(self) -> WebhookValues:
        data = self.cleaned_data
        subscriptions: dict[str, Any] = {}
        for event in data["events"]:
            options: dict[str, Any] = {}
            if data["department_ids"] and event in DEPARTMENT_EVENTS:
                options["departmentIds"] = data["department_ids"]
            if data["update_fields"] and event == "Ticket_Update":
                options["fields"] = data["update_fields"]
            if data["include_prev_state"] and event in PREV_STATE_EVENTS:
                options["includePrevState"] = True
            subscriptions[event] = options or None
        return WebhookValues(
            name=data["name"],
            url=data["url"],
            description=data.get("description") or "",
            subscriptions=subscriptions,
            is_enabled=bool(data.get("is_enabled")),
        )

    @classmethod
    def initial_from(cls, webhook: dict[str, Any]) -> dict[str, Any]:
        subscriptions = webhook.get("subscriptions") or {}
        options = [o for o in subscriptions.values() if isinstance(o, dict)]
        departments: list[Any] = next((o["departmentIds"] for o in options if o.get("departmentIds")), [])
        fields = (subscriptions.get("Ticket_Update") or {}).get("fields") or []
        return {
            "name": webhook.get("name", ""),
            "url": webhook.get("url", ""),
            "description": webhook.get("description", ""),
            "events": [e for e in subscriptions if e in MIRROR_EVENTS],
            "department_ids": ", ".join(str(d) for d in departments),
            "update_fields": ", ".join(str(f) for f in fields),
            "include_prev_state": any(o.get("includePrevState") for o in options),
            "is_enabled": bool(webhook.get("is_enabled")),
        }


class LogFilterForm(BaseForm):
    status = forms.ChoiceField(
        label="Outcome", required=False, choices=[("", "Any")] + Delivery.Status.choices
    )
    signature = forms.ChoiceField(
        label="Signature", required=False, choices=[("", "Any")] + Delivery.Signature.choices
    )
    event = forms.ChoiceField(label="Event", required=False, choices=[("", "Any")] + EVENT_CHOICES)

    def filters(self) -> LogFilters:
        if not self.is_valid():
            return LogFilters()
        return LogFilters(
            **{name: self.cleaned_data.get(name) or "" for name in ("status", "signature", "event")}
        )
