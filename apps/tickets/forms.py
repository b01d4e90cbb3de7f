"""Ticket forms: every write's input is validated here before a Desk call is spent on it."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.validators import validate_email
from django.http import QueryDict
from django.utils.html import escape
from django.utils.safestring import mark_safe

from apps.core.forms import BaseForm
from apps.team.models import Agent, Department, Team
from apps.tickets.columns import (
    CHANNELS,
    CLASSIFICATIONS,
    COLUMNS,
    DEFAULT_PAGE_SIZE,
    MAX_DUE_HOURS,
    MAX_SEARCH_LENGTH,
    PAGE_SIZES,
    PRIORITIES,
)
from apps.tickets.filters import QueueFilters
from apps.tickets.selectors.queue import QueueChoices
from apps.tickets.services.bulk import BULK_ACTIONS
from apps.tickets.services.stale import ticket_seen_read

MAX_CONTENT = 32_000


def _choices(values: tuple[str, ...] | list[str], *, blank: str | None = None) -> list[tuple[str, str]]:
    choices = [(v, v) for v in values]
    return [("", blank), *choices] if blank is not None else choices


def _set_choices(form: forms.Form, name: str, choices: list[tuple[str, str]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def validate_email_list(value: str) -> None:
    for address in [a.strip() for a in value.replace(";", ",").split(",") if a.strip()]:
        validate_email(address)


class GuardedForm(BaseForm):
    """A write on an existing ticket: carries what the agent saw, to catch changes made meanwhile.

    ``id_prefix`` keeps element ids unique on the ticket page, where several of these forms share the
    page (two of them have a ``content`` field, all of them ``seen``); the field names stay as they are.
    """

    id_prefix = ""
    seen = forms.CharField(widget=forms.HiddenInput, required=False)
    confirm_stale = forms.BooleanField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if self.id_prefix:
            kwargs.setdefault("auto_id", f"{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)

    def seen_snapshot(self) -> dict[str, Any] | None:
        return ticket_seen_read(self.cleaned_data.get("seen") or "")


class StatusForm(GuardedForm):
    id_prefix = "status"
    status = forms.ChoiceField(choices=())
    resolution = forms.CharField(
        required=False, max_length=MAX_CONTENT, widget=forms.Textarea(attrs={"rows": 3}), label="Resolution"
    )

    def __init__(self, *args: Any, statuses: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "status", _choices(statuses))


class PriorityForm(GuardedForm):
    id_prefix = "priority"
    priority = forms.ChoiceField(choices=_choices(PRIORITIES, blank="None"), required=False)


class AssignForm(GuardedForm):
    id_prefix = "assign"
    assignee = forms.ChoiceField(choices=(), required=False, label="Agent")
    team = forms.ChoiceField(choices=(), required=False, label="Team")

    def __init__(self, *args: Any, agents: list[Agent], teams: list[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "assignee", [("", "Unassigned"), *[(a.desk_id, str(a)) for a in agents]])
        _set_choices(self, "team", [("", "No team"), *[(t.desk_id, str(t)) for t in teams]])


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
        _set_choices(self, "from_address", list(from_addresses))
        # False: the detail page says why no reply can be sent (and how an admin fixes it) above the form.
        self.has_from_addresses = bool(from_addresses)

    def clean_content(self) -> str:
        content = self.cleaned_data["content"].strip()
        if not content:
            raise forms.ValidationError("Write a message.")
        return content


class TicketFieldsForm(BaseForm):
    """The fields an agent sets on create and edit; names match the Desk client's keyword arguments."""

    subject = forms.CharField(max_length=255)
    description = forms.CharField(
        required=False, max_length=MAX_CONTENT, widget=forms.Textarea(attrs={"rows": 5})
    )
    department_id = forms.ChoiceField(choices=(), label="Department")
    priority = forms.ChoiceField(choices=_choices(PRIORITIES, blank="None"), required=False)
    channel = forms.ChoiceField(choices=_choices(CHANNELS, blank="—"), required=False)
    classification = forms.ChoiceField(choices=_choices(CLASSIFICATIONS, blank="—"), required=False)
    category = forms.CharField(max_length=100, required=False)
    phone = forms.CharField(max_length=50, required=False)

    def __init__(self, *args: Any, departments: list[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "department_id", [(d.desk_id, str(d)) for d in departments])

    def clean_subject(self) -> str:
        subject = self.cleaned_data["subject"].strip()
        if not subject:
            raise forms.ValidationError("Give the ticket a subject.")
        return subject


class TicketCreateForm(TicketFieldsForm):
    contact_email = forms.EmailField(label="Contact email", max_length=254)
    contact_last_name = forms.CharField(
        label="Contact last name",
        max_length=100,
        required=False,
        help_text="Needed only when no contact has this email yet.",
    )
    status = forms.ChoiceField(choices=(), required=False)
    assignee_id = forms.ChoiceField(choices=(), required=False, label="Assignee")
    field_order = [
        "contact_email",
        "contact_last_name",
        "subject",
        "description",
        "department_id",
        "status",
        "priority",
        "assignee_id",
        "channel",
        "classification",
        "category",
        "phone",
    ]

    def __init__(self, *args: Any, statuses: list[str], agents: list[Agent], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "status", _choices(statuses, blank="Open (default)"))
        _set_choices(self, "assignee_id", [("", "Unassigned"), *[(a.desk_id, str(a)) for a in agents]])

    def desk_fields(self) -> dict[str, Any]:
        """The new ticket as the Desk client's ``ticket_create`` takes it (empty optional fields left out)."""
        data = self.cleaned_data
        contact: dict[str, str] = {"email": data["contact_email"]}
        if data["contact_last_name"]:
            contact["lastName"] = data["contact_last_name"]
        fields: dict[str, Any] = {
            "subject": data["subject"],
            "department_id": data["department_id"],
            "contact": contact,
        }
        for name in ("description", "priority", "channel", "classification", "category", "phone", "status"):
            if data.get(name):
                fields[name] = data[name]
        if data.get("assignee_id"):
            fields["assignee_id"] = data["assignee_id"]
        return fields


class TicketEditForm(TicketFieldsForm, GuardedForm):
    pass


# Desk's field names (snake_case, from DeskValidationError.fields) -> our form's field names.
DESK_FIELD_NAMES = {
    "contact.email": "contact_email",
    "contact.last_name": "contact_last_name",
    "contact_id": "contact_email",
    "contact": "contact_email",
    "from_email_address": "from_address",
    "department_id": "department_id",
    "assignee_id": "assignee_id",
}


def add_desk_errors(
    form: forms.Form, fields: dict[str, str], *, aliases: dict[str, str] | None = None
) -> bool:
    """Put Desk's field errors on the form's fields (the rest on the form); True if any was placed."""
    names = {**DESK_FIELD_NAMES, **(aliases or {})}
    placed = False
    for desk_name, message in fields.items():
        name = names.get(desk_name, desk_name)
        if name in form.fields:
            form.add_error(name, message)
        else:
            form.add_error(None, f"{desk_name}: {message}")
        placed = True
    return placed


class AttachmentUploadForm(GuardedForm):
    id_prefix = "upload"
    is_public = forms.BooleanField(required=False, label="Public (the customer can see it)")


# --- the queue's filters, the bulk bar and saved views ------------------------------------------------------


class QueueSelect(forms.Select):
    """A select whose options are written in Python (``options_html``), not by one template include per
    option: the queue page lists every agent of the org twice (filter and bulk bar), and its server time is
    measured (bench/queue_page.py). Flat choices only, as the queue's are."""

    template_name = "tickets/widgets/select.html"

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        chosen = set(context["widget"]["value"])
        options = (
            f'<option value="{escape(choice)}"{" selected" if str(choice) in chosen else ""}>{escape(label)}</option>'
            for choice, label in self.choices
        )
        context["widget"]["options_html"] = mark_safe("".join(options))  # noqa: S308 - every part escaped
        return context

    def optgroups(self, name: str, value: Any, attrs: dict[str, Any] | None = None) -> list[Any]:
        return []  # the options are written by get_context


class QueueCheckboxes(forms.CheckboxSelectMultiple):
    """The queue's checkbox menus (status, priority, columns): each box inside its ``label.checkbox``."""

    template_name = "tickets/widgets/checkboxes.html"


class ListField(forms.Field):
    """A repeatable query-string value (``?status=a&status=b``) taken as given; cleaning decides what stays."""

    widget = QueueCheckboxes

    def to_python(self, value: Any) -> list[str]:
        if not value:
            return []
        if isinstance(value, str):
            return [value]
        return [str(v) for v in value]


def _clean_choice_list(values: list[str], *, max_items: int = 20, max_length: int = 100) -> list[str]:
    seen: list[str] = []
    for value in values:
        value = value.strip()[:max_length]
        if value and value not in seen:
            seen.append(value)
    return seen[:max_items]


def _desk_id(value: str) -> str:
    value = value.strip()
    return value if value.isdigit() and len(value) <= 32 else ""


def _positive_int(value: str, *, maximum: int) -> int | None:
    value = value.strip()
    if not value.isdigit():
        return None
    number = int(value)
    return number if 0 < number <= maximum else None


def _as_named(value: str, names: tuple[str, ...]) -> str:
    """Desk's spelling of a name given in any case (the queue matches it case-insensitively anyway), so
    the filter bar shows it selected; another value is kept as given."""
    return next((name for name in names if name.lower() == value.lower()), value)


def _set_widget_choices(form: forms.Form, name: str, choices: list[tuple[str, str]]) -> None:
    """Offer choices on a field whose values are checked by its clean method, not against the choices."""
    widget = form.fields[name].widget
    assert isinstance(widget, forms.Select | forms.CheckboxSelectMultiple)
    widget.choices = choices


def _date_field(label: str, element_id: str) -> forms.CharField:
    return forms.CharField(
        required=False, label=label, widget=forms.DateInput(attrs={"type": "date", "id": element_id})
    )


class QueueFilterForm(BaseForm):
    """The queue's URL parsed: a value that is not understood is dropped (the ones worth telling are named
    in ``QueueFilters.problems``), never a server error. ``filters()`` gives what is in force; the page
    shows that (``for_display``), not the raw URL."""

    q = forms.CharField(
        required=False,
        strip=False,
        label="Search",
        widget=forms.SearchInput(
            attrs={
                "placeholder": "Subject, text, contact name or email… (press /)",
                "data-search": True,
                "maxlength": MAX_SEARCH_LENGTH,
            }
        ),
    )
    status = ListField(required=False, label="Status")
    priority = ListField(required=False, label="Priority")
    assignee = forms.CharField(required=False, label="Assignee", widget=QueueSelect)
    department = forms.CharField(required=False, label="Department", widget=QueueSelect)
    team = forms.CharField(required=False, label="Team", widget=QueueSelect)
    channel = forms.CharField(required=False, label="Channel", widget=QueueSelect)
    classification = forms.CharField(required=False, label="Classification", widget=QueueSelect)
    overdue = forms.BooleanField(
        required=False, label="Overdue only", widget=forms.CheckboxInput(attrs={"value": "1"})
    )
    due_within = forms.CharField(
        required=False,
        label="Due within (hours)",
        widget=forms.NumberInput(attrs={"id": "queue-due", "min": 1, "max": MAX_DUE_HOURS}),
    )
    created_from = _date_field("Created from", "queue-created-from")
    created_to = _date_field("Created to", "queue-created-to")
    modified_from = _date_field("Modified from", "queue-modified-from")
    modified_to = _date_field("Modified to", "queue-modified-to")
    col = ListField(required=False, label="Columns to show")
    per_page = forms.CharField(
        required=False, label="Per page", widget=QueueSelect(attrs={"id": "queue-per-page"})
    )
    # The sort lives beside the results (the header links change it), tied to this form by form="…".
    sort = forms.CharField(required=False, widget=forms.HiddenInput(attrs={"form": "queue-filters"}))
    page = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, choices: QueueChoices | None = None, me_agent_id: str = "", **kwargs: Any
    ) -> None:
        kwargs.setdefault("auto_id", "queue-%s")
        super().__init__(*args, **kwargs)
        if choices is not None:
            self._offer(choices, me_agent_id=me_agent_id)

    @classmethod
    def for_display(
        cls, filters: QueueFilters, *, choices: QueueChoices, me_agent_id: str
    ) -> QueueFilterForm:
        """The filter bar showing the filters in force (bad values already dropped)."""
        initial = {
            "q": filters.query,
            "status": filters.statuses,
            "priority": filters.priorities,
            "assignee": filters.assignee,
            "department": filters.department,
            "team": filters.team,
            "channel": filters.channel,
            "classification": filters.classification,
            "overdue": filters.overdue,
            "due_within": filters.due_within_hours or "",
            "created_from": filters.created_from.isoformat() if filters.created_from else "",
            "created_to": filters.created_to.isoformat() if filters.created_to else "",
            "modified_from": filters.modified_from.isoformat() if filters.modified_from else "",
            "modified_to": filters.modified_to.isoformat() if filters.modified_to else "",
            "col": filters.columns,
            "per_page": str(filters.page_size),
            "sort": filters.sort,
        }
        return cls(initial=initial, choices=choices, me_agent_id=me_agent_id)

    def _offer(self, choices: QueueChoices, *, me_agent_id: str) -> None:
        me = "Me" if me_agent_id else "Me (no Desk agent matches you)"
        _set_widget_choices(self, "status", _choices(choices.statuses))
        _set_widget_choices(self, "priority", _choices(choices.priorities))
        _set_widget_choices(
            self,
            "assignee",
            [
                ("", "Anyone"),
                ("me", me),
                ("unassigned", "Unassigned"),
                *[(a.desk_id, str(a)) for a in choices.agents],
            ],
        )
        _set_widget_choices(
            self, "department", [("", "All"), *[(d.desk_id, str(d)) for d in choices.departments]]
        )
        _set_widget_choices(self, "team", [("", "All"), *[(t.desk_id, str(t)) for t in choices.teams]])
        _set_widget_choices(self, "channel", _choices(choices.channels, blank="Any"))
        _set_widget_choices(self, "classification", _choices(choices.classifications, blank="Any"))
        _set_widget_choices(self, "col", [(c.key, c.label) for c in choices.columns])
        _set_widget_choices(self, "per_page", [(str(size), str(size)) for size in choices.page_sizes])

    def clean_q(self) -> str:
        return " ".join(self.cleaned_data["q"].split())[:MAX_SEARCH_LENGTH]

    def clean_status(self) -> list[str]:
        return _clean_choice_list(self.cleaned_data["status"])

    def clean_priority(self) -> list[str]:
        return [p for p in _clean_choice_list(self.cleaned_data["priority"]) if p in PRIORITIES]

    def clean_assignee(self) -> str:
        assignee = self.cleaned_data["assignee"].strip()
        if assignee in ("me", "unassigned") or _desk_id(assignee):
            return assignee
        if assignee:
            raise forms.ValidationError("The assignee filter was not understood and is ignored.")
        return ""

    def clean_department(self) -> str:
        return _desk_id(self.cleaned_data["department"])

    def clean_team(self) -> str:
        return _desk_id(self.cleaned_data["team"])

    def clean_channel(self) -> str:
        return _as_named(self.cleaned_data["channel"].strip()[:32], CHANNELS)

    def clean_classification(self) -> str:
        return _as_named(self.cleaned_data["classification"].strip()[:64], CLASSIFICATIONS)

    def clean_overdue(self) -> bool:
        # As the queue's links write it ("1"), or as a browser sends a checked box ("on").
        return self.data.get("overdue", "") in ("1", "on", "true")

    def clean_due_within(self) -> int | None:
        raw = self.cleaned_data["due_within"]
        hours = _positive_int(raw, maximum=MAX_DUE_HOURS)
        if raw.strip() and hours is None:
            raise forms.ValidationError(
                f"“Due within” must be a number of hours between 1 and {MAX_DUE_HOURS}."
            )
        return hours

    def _clean_date(self, name: str) -> date | None:
        raw = self.cleaned_data[name].strip()
        if not raw:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise forms.ValidationError(
                f"{name.replace('_', ' ').capitalize()} must be a date (YYYY-MM-DD)."
            ) from None

    def clean_created_from(self) -> date | None:
        return self._clean_date("created_from")

    def clean_created_to(self) -> date | None:
        return self._clean_date("created_to")

    def clean_modified_from(self) -> date | None:
        return self._clean_date("modified_from")

    def clean_modified_to(self) -> date | None:
        return self._clean_date("modified_to")

    def clean_col(self) -> list[str]:
        # Columns always show in the table's own order, whatever order the URL names them in.
        wanted = set(self.cleaned_data["col"])
        return [key for key in COLUMNS if key in wanted]

    def clean_per_page(self) -> int:
        size = _positive_int(self.cleaned_data["per_page"], maximum=max(PAGE_SIZES))
        return size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE

    def clean_sort(self) -> str:
        sort = self.cleaned_data["sort"].strip()
        return sort if sort and sort.lstrip("-") in COLUMNS else ""

    def clean_page(self) -> int:
        return _positive_int(self.cleaned_data["page"], maximum=10**7) or 1

    def filters(self) -> QueueFilters:
        """The filters in force; what was not understood is left at its default and named in ``problems``."""
        self.is_valid()
        data = self.cleaned_data
        filters = QueueFilters(
            statuses=data.get("status", []),
            priorities=data.get("priority", []),
            department=data.get("department", ""),
            assignee=data.get("assignee", ""),
            team=data.get("team", ""),
            channel=data.get("channel", ""),
            classification=data.get("classification", ""),
            overdue=data.get("overdue", False),
            due_within_hours=data.get("due_within"),
            created_from=data.get("created_from"),
            created_to=data.get("created_to"),
            modified_from=data.get("modified_from"),
            modified_to=data.get("modified_to"),
            query=data.get("q", ""),
            page=data.get("page", 1),
            page_size=data.get("per_page", DEFAULT_PAGE_SIZE),
            problems=[str(message) for errors in self.errors.values() for message in errors],
        )
        if data.get("sort"):
            filters.sort = data["sort"]
        if data.get("col"):
            filters.columns = data["col"]
        return filters


def queue_filters_from(params: QueryDict) -> QueueFilters:
    """What a queue query string means (the queue's own URL, or one a saved view or the bulk bar sends)."""
    return QueueFilterForm(params).filters()


BULK_ACTION_ORDER = ("close", "assign", "status", "priority")


class BulkActionForm(BaseForm):
    """The queue's bulk bar: the tickets (ticked rows, or all matching the filter), the action and its values.
    A malformed id or value is dropped, as the queue drops it; what a job cannot do is said, never a 500."""

    ticket = ListField(required=False, widget=forms.MultipleHiddenInput)
    all_matching = forms.BooleanField(
        required=False, widget=forms.CheckboxInput(attrs={"value": "1", "data-all-matching": True})
    )
    filter_query = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)
    action = forms.ChoiceField(
        label="Bulk action",
        widget=QueueSelect,
        choices=[(key, BULK_ACTIONS[key]) for key in BULK_ACTION_ORDER],
        error_messages={
            "required": "Choose what to do with the tickets.",
            "invalid_choice": "Choose what to do with the tickets.",
        },
    )
    assignee = forms.CharField(required=False, label="Agent (assign)", widget=QueueSelect)
    team = forms.CharField(required=False, label="Team (assign)", widget=QueueSelect)
    status = forms.CharField(required=False, label="Status", widget=QueueSelect)
    priority = forms.CharField(required=False, label="Priority", widget=QueueSelect)
    resolution = forms.CharField(required=False, widget=forms.Textarea)

    def __init__(self, *args: Any, choices: QueueChoices | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "bulk-%s")
        super().__init__(*args, **kwargs)
        if choices is not None:
            _set_widget_choices(
                self, "assignee", [("", "Unassigned"), *[(a.desk_id, str(a)) for a in choices.agents]]
            )
            _set_widget_choices(
                self, "team", [("", "No team"), *[(t.desk_id, str(t)) for t in choices.teams]]
            )
            _set_widget_choices(self, "status", _choices(choices.statuses, blank="—"))
            _set_widget_choices(self, "priority", _choices(choices.priorities, blank="None"))

    def clean_all_matching(self) -> bool:
        return self.data.get("all_matching") == "1"

    def clean_assignee(self) -> str:
        return _desk_id(self.cleaned_data["assignee"])

    def clean_team(self) -> str:
        return _desk_id(self.cleaned_data["team"])

    def clean_status(self) -> str:
        return self.cleaned_data["status"].strip()[:100]

    def clean_priority(self) -> str:
        priority = self.cleaned_data["priority"]
        return priority if priority in PRIORITIES else ""

    def clean_resolution(self) -> str:
        return self.cleaned_data["resolution"].strip()[:2000]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("action") == "status" and not cleaned.get("status"):
            self.add_error("status", "Choose the status to set.")
        return cleaned

    def params(self) -> dict[str, str]:
        """The action's values as the job keeps them (``BulkJob.params``)."""
        data = self.cleaned_data
        return {
            "assignee_id": data["assignee"],
            "team_id": data["team"],
            "status": data["status"],
            "priority": data["priority"],
            "resolution": data["resolution"],
        }


class SavedViewForm(BaseForm):
    """Save the queue's current URL under a name, for oneself or (with ``core.edit_tickets``) the org."""

    name = forms.CharField(
        label="View name",
        error_messages={"required": "Give the view a name."},
        widget=forms.TextInput(attrs={"maxlength": 100, "placeholder": "Name, e.g. My urgent"}),
    )
    query = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)
    is_shared = forms.BooleanField(required=False, label="Share with the org")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "view-%s")
        super().__init__(*args, **kwargs)

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())[:100]
        if not name:
            raise forms.ValidationError("Give the view a name.")
        return name
