"""The queue's filter form (its URL parsed into ``QueueFilters``) and the lean widgets the queue page uses."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.forms.boundfield import BoundField
from django.forms.utils import flatatt
from django.forms.widgets import Input
from django.http import QueryDict
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from apps.core.forms import BaseForm
from apps.core.paging import decode_cursor
from apps.core.parsing import parse_id, parse_int
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
from apps.tickets.forms.common import value_choices
from apps.tickets.selectors.queue import SLA_FILTERS, STATES, QueueChoices


class QueueSelect(forms.Select):
    """A select written in Python rather than by Django's widget templates (one template render, plus one
    include per option): the queue page lists every agent of the org twice (filter and bulk bar), and its
    server time is measured (bench/queue_page.py). Flat choices only, as the queue's are; the field group
    around it still comes from the form renderer. ``shared_options`` is ready-made ``<option>`` markup after
    the choices (the org's agents, written once per page by ``QueueChoices.agent_options``)."""

    shared_options = ""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        chosen = {str(v) for v in self.format_value(value)}
        options = "".join(
            f'<option value="{escape(choice)}"{" selected" if str(choice) in chosen else ""}>{escape(label)}</option>'
            for choice, label in self.choices
        )
        if self.shared_options:
            shared = self.shared_options
            for picked in chosen - {str(choice) for choice, _ in self.choices}:
                shared = shared.replace(
                    f'<option value="{escape(picked)}">', f'<option value="{escape(picked)}" selected>', 1
                )
            options += shared
        element_attrs = flatatt(self.build_attrs(self.attrs, attrs))
        return mark_safe(f'<select name="{escape(name)}"{element_attrs}>{options}</select>')  # noqa: S308 - escaped


class QueueCheckboxes(forms.CheckboxSelectMultiple):
    """The queue's checkbox menus (status, priority, columns), written in Python like ``QueueSelect``: each
    box inside its ``label.checkbox``, ids ``<id>_<n>``."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        chosen = {str(v) for v in self.format_value(value)}
        element_id = self.build_attrs(self.attrs, attrs).get("id", "")
        boxes = "".join(
            f'<label class="checkbox"><input type="checkbox" name="{escape(name)}" value="{escape(choice)}"'
            f"{f' id="{escape(element_id)}_{index}"' if element_id else ''}"
            f"{' checked' if str(choice) in chosen else ''}> {escape(label)}</label>"
            for index, (choice, label) in enumerate(self.choices)
        )
        return mark_safe(boxes)  # noqa: S308 - every part escaped


class QueueInput(Input):
    """An ``<input>`` written in Python, for the same reason as ``QueueSelect`` (the filter bar's search, hours,
    dates and sort)."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        shown = self.format_value(value)
        value_attr = f' value="{escape(shown)}"' if shown is not None else ""
        element_attrs = flatatt(self.build_attrs(self.attrs, attrs))
        return mark_safe(  # noqa: S308 - every part escaped
            f'<input type="{self.input_type}" name="{escape(name)}"{value_attr}{element_attrs}>'
        )


class QueueSearchInput(QueueInput):
    input_type = "search"


class QueueNumberInput(QueueInput):
    input_type = "number"


class QueueDateInput(QueueInput):
    input_type = "date"


class QueueHiddenInput(QueueInput):
    input_type = "hidden"


class QueueBoundField(BoundField):
    """``as_field_group`` written in Python for the filter bar's plain fields (a label and the widget, the same
    markup as ``core/forms/field.html``): the queue renders a dozen per page. A field with help or errors, or
    one in a fieldset, still goes through the form renderer."""

    def as_field_group(self) -> SafeString:
        if self.help_text or self.errors or self.use_fieldset:
            return super().as_field_group()
        css = self.css_classes()
        label = ""
        if self.label:
            for_attr = f' for="{escape(self.id_for_label)}"' if self.id_for_label else ""
            required = ' class="is-required"' if self.field.required else ""
            label = f"<label{for_attr}{required}>{escape(self.label)}</label>"
        wrapper = f"form-field {css}" if css else "form-field"
        return mark_safe(f'<div class="{wrapper}">{label}\n{self}</div>')  # noqa: S308 - escaped


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


def desk_id_or_empty(value: str) -> str:
    return parse_id(value.strip()) or ""


def _positive_int(value: str, *, maximum: int) -> int | None:
    # ASCII digits only: "²" or "①" pass str.isdigit() and then crash int().
    return parse_int(value.strip(), minimum=1, maximum=maximum)


def _as_named(value: str, names: tuple[str, ...]) -> str:
    """Desk's spelling of a name given in any case (the queue matches it case-insensitively anyway), so
    the filter bar shows it selected; another value is kept as given."""
    return next((name for name in names if name.lower() == value.lower()), value)


def set_widget_choices(form: forms.Form, name: str, choices: list[tuple[str, str]]) -> None:
    """Offer choices on a field whose values are checked by its clean method, not against the choices."""
    widget = form.fields[name].widget
    assert isinstance(widget, forms.Select | forms.CheckboxSelectMultiple)
    widget.choices = choices


def set_shared_options(form: forms.Form, name: str, options: str) -> None:
    """Offer ready-made, escaped ``<option>`` markup after a ``QueueSelect``'s own choices."""
    widget = form.fields[name].widget
    assert isinstance(widget, QueueSelect)
    widget.shared_options = options


def _date_field(label: str, element_id: str) -> forms.CharField:
    return forms.CharField(required=False, label=label, widget=QueueDateInput(attrs={"id": element_id}))


class QueueFilterForm(BaseForm):
    """The queue's URL parsed: a value that is not understood is dropped (the ones worth telling are named
    in ``QueueFilters.problems``), never a server error. ``filters()`` gives what is in force; the page
    shows that (``for_display``), not the raw URL."""

    bound_field_class = QueueBoundField

    q = forms.CharField(
        required=False,
        strip=False,
        label="Search",
        widget=QueueSearchInput(
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
    tag = forms.CharField(
        required=False,
        label="Tag",
        widget=QueueSearchInput(attrs={"id": "queue-tag", "maxlength": 50, "placeholder": "Any"}),
    )
    overdue = forms.BooleanField(
        required=False, label="Overdue only", widget=forms.CheckboxInput(attrs={"value": "1"})
    )
    due_within = forms.CharField(
        required=False,
        label="Due within (hours)",
        widget=QueueNumberInput(attrs={"id": "queue-due", "min": 1, "max": MAX_DUE_HOURS}),
    )
    created_from = _date_field("Created from", "queue-created-from")
    created_to = _date_field("Created to", "queue-created-to")
    modified_from = _date_field("Modified from", "queue-modified-from")
    modified_to = _date_field("Modified to", "queue-modified-to")
    # Insights' drill-downs (QueueFilters): no control in the bar; chips above the results show them and hidden
    # inputs beside the results (form="queue-filters") carry them (QueueFilters.chips, chip_params).
    closed_from = forms.CharField(required=False, widget=forms.HiddenInput)
    closed_to = forms.CharField(required=False, widget=forms.HiddenInput)
    hour = forms.CharField(required=False, widget=forms.HiddenInput)
    state = forms.CharField(required=False, widget=forms.HiddenInput)
    open_on = forms.CharField(required=False, widget=forms.HiddenInput)
    responded = forms.CharField(required=False, widget=forms.HiddenInput)
    sla = forms.CharField(required=False, widget=forms.HiddenInput)
    col = ListField(required=False, label="Columns to show")
    per_page = forms.CharField(
        required=False, label="Per page", widget=QueueSelect(attrs={"id": "queue-per-page"})
    )
    # The sort lives beside the results (the header links change it), tied to this form by form="…".
    sort = forms.CharField(required=False, widget=QueueHiddenInput(attrs={"form": "queue-filters"}))
    page = forms.CharField(required=False, widget=forms.HiddenInput)
    # Keyset paging: tokens of the row a page starts after / ends before, or the last page.
    after = forms.CharField(required=False, widget=forms.HiddenInput)
    before = forms.CharField(required=False, widget=forms.HiddenInput)
    last = forms.CharField(required=False, widget=forms.HiddenInput)
    count = forms.CharField(required=False, widget=forms.HiddenInput)

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
            "tag": filters.tag,
            "overdue": filters.overdue,
            "due_within": filters.due_within_hours or "",
            "created_from": filters.created_from.isoformat() if filters.created_from else "",
            "created_to": filters.created_to.isoformat() if filters.created_to else "",
            "modified_from": filters.modified_from.isoformat() if filters.modified_from else "",
            "modified_to": filters.modified_to.isoformat() if filters.modified_to else "",
            "closed_from": filters.closed_from.isoformat() if filters.closed_from else "",
            "closed_to": filters.closed_to.isoformat() if filters.closed_to else "",
            "hour": "" if filters.hour is None else str(filters.hour),
            "state": filters.state,
            "open_on": filters.open_on.isoformat() if filters.open_on else "",
            "responded": filters.responded,
            "sla": filters.sla,
            "col": filters.columns,
            "per_page": str(filters.page_size),
            "sort": filters.sort,
        }
        return cls(initial=initial, choices=choices, me_agent_id=me_agent_id)

    def _offer(self, choices: QueueChoices, *, me_agent_id: str) -> None:
        me = "Me" if me_agent_id else "Me (no Desk agent matches you)"
        set_widget_choices(self, "status", value_choices(choices.statuses))
        set_widget_choices(self, "priority", value_choices(choices.priorities))
        set_widget_choices(self, "assignee", [("", "Anyone"), ("me", me), ("unassigned", "Unassigned")])
        set_shared_options(self, "assignee", choices.agent_options())
        set_widget_choices(
            self, "department", [("", "All"), *[(d.desk_id, str(d)) for d in choices.departments]]
        )
        set_widget_choices(self, "team", [("", "All"), *[(t.desk_id, str(t)) for t in choices.teams]])
        set_widget_choices(self, "channel", value_choices(choices.channels, blank="Any"))
        set_widget_choices(self, "classification", value_choices(choices.classifications, blank="Any"))
        set_widget_choices(self, "col", [(c.key, c.label) for c in choices.columns])
        set_widget_choices(self, "per_page", [(str(size), str(size)) for size in choices.page_sizes])

    def clean_q(self) -> str:
        return " ".join(self.cleaned_data["q"].split())[:MAX_SEARCH_LENGTH]

    def clean_status(self) -> list[str]:
        return _clean_choice_list(self.cleaned_data["status"])

    def clean_priority(self) -> list[str]:
        return [p for p in _clean_choice_list(self.cleaned_data["priority"]) if p in PRIORITIES]

    def clean_assignee(self) -> str:
        assignee = self.cleaned_data["assignee"].strip()
        if assignee in ("me", "unassigned") or desk_id_or_empty(assignee):
            return assignee
        if assignee:
            raise forms.ValidationError("The assignee filter was not understood and is ignored.")
        return ""

    def clean_department(self) -> str:
        return desk_id_or_empty(self.cleaned_data["department"])

    def clean_team(self) -> str:
        return desk_id_or_empty(self.cleaned_data["team"])

    def clean_channel(self) -> str:
        return _as_named(self.cleaned_data["channel"].strip()[:32], CHANNELS)

    def clean_classification(self) -> str:
        return _as_named(self.cleaned_data["classification"].strip()[:64], CLASSIFICATIONS)

    def clean_tag(self) -> str:
        return " ".join(self.cleaned_data["tag"].split())[:50]

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

    def clean_closed_from(self) -> date | None:
        return self._clean_date("closed_from")

    def clean_closed_to(self) -> date | None:
        return self._clean_date("closed_to")

    def clean_open_on(self) -> date | None:
        return self._clean_date("open_on")

    def clean_hour(self) -> int | None:
        raw = self.cleaned_data["hour"].strip()
        if not raw:
            return None
        if raw.isascii() and raw.isdigit() and int(raw) <= 23:
            return int(raw)
        raise forms.ValidationError("“Hour” must be a number from 0 to 23.")

    def clean_state(self) -> str:
        state = self.cleaned_data["state"].strip()
        return state if state in STATES else ""

    def clean_responded(self) -> str:
        responded = self.cleaned_data["responded"].strip()
        return responded if responded in ("yes", "no") else ""

    def clean_sla(self) -> str:
        sla = self.cleaned_data["sla"].strip()
        return sla if sla in SLA_FILTERS else ""

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

    def _clean_cursor(self, name: str) -> str:
        token = self.cleaned_data[name].strip()
        if token and decode_cursor(token) is None:
            raise forms.ValidationError("The page link was not understood; the first page is shown.")
        return token

    def clean_after(self) -> str:
        return self._clean_cursor("after")

    def clean_before(self) -> str:
        return self._clean_cursor("before")

    def clean_last(self) -> bool:
        return self.cleaned_data["last"].strip() in ("1", "true")

    def clean_count(self) -> str:
        return "exact" if self.cleaned_data["count"].strip() == "exact" else ""

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
            tag=data.get("tag", ""),
            overdue=data.get("overdue", False),
            due_within_hours=data.get("due_within"),
            created_from=data.get("created_from"),
            created_to=data.get("created_to"),
            modified_from=data.get("modified_from"),
            modified_to=data.get("modified_to"),
            closed_from=data.get("closed_from"),
            closed_to=data.get("closed_to"),
            hour=data.get("hour"),
            state=data.get("state", ""),
            open_on=data.get("open_on"),
            responded=data.get("responded", ""),
            sla=data.get("sla", ""),
            query=data.get("q", ""),
            page=data.get("page", 1),
            after=data.get("after", ""),
            before=data.get("before", "") if not data.get("after") else "",
            last=bool(data.get("last")) and not data.get("after") and not data.get("before"),
            count=data.get("count", ""),
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
