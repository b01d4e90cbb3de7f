"""The customer pages' one shape: list, 360° page, create, edit (inline, HTMX) and move to trash, each a view
parameterised by an ``Entity`` (``views.contacts.CONTACT``, ``views.accounts.ACCOUNT``; urls.py passes it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from apps.connections.models import DeskConnection
from apps.connections.selectors import connection_for_request, mirror_freshness
from apps.core.htmx import AuthedHttpRequest, toast
from apps.core.shell import sections_for
from apps.customers import hooks
from apps.customers.forms.edit import GuardedCustomerForm, add_desk_errors
from apps.customers.forms.filters import ListFilterForm
from apps.customers.models import Account, Contact
from apps.customers.selectors.detail import custom_fields
from apps.customers.selectors.lists import CF_KEY, account_choices, custom_field_keys, owner_names, page_of
from apps.customers.services.records import (
    RecordWrites,
    cf_text,
    record_create,
    record_move_to_trash,
    record_update,
)
from apps.customers.services.stale import StaleCustomer, customer_seen_token
from apps.customers.services.unknown import CreateNotSaved, CreateOutcomeUnknown
from apps.customers.views.common import (
    desk_error_message,
    header_context,
    is_partial,
    no_connection,
    record_or_404,
    safe_next,
)
from apps.desk.errors import DeskError, DeskValidationError

type Record = Any  # a Contact or an Account


def _nothing(*_: Any) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Entity:
    """What differs between the contact pages and the account pages."""

    kind: hooks.Kind
    label: str  # "Contact"
    model: type[Contact] | type[Account]
    writes: RecordWrites
    form: type[GuardedCustomerForm]
    for_list: Callable[..., QuerySet[Any]]  # (connection=, filters=) -> the list's rows
    # (connection, a page's records, the org's owner names) -> its table rows
    rows: Callable[[DeskConnection, list[Any], dict[str, str]], list[Any]]
    name: Callable[[Any], str]
    # The form's cleaned data as the Desk client takes it; None when a field error was placed instead.
    desk_fields: Callable[[Any, DeskConnection], dict[str, Any] | None]
    new_initial: Callable[[AuthedHttpRequest, DeskConnection], dict[str, Any]] = _nothing
    edit_initial: Callable[[Any], dict[str, Any]] = _nothing  # beyond the fields named as the model's
    detail_extra: Callable[[Any], dict[str, Any]] = _nothing  # the details card's context
    page_extra: Callable[[Any], dict[str, Any]] = _nothing  # the whole page's, beyond the card's

    @property
    def sections(self) -> str:
        """The page name other apps register their sections for (``apps.core.shell``)."""
        return f"customers:{self.kind}"

    def url(self, suffix: str = "", *args: Any) -> str:
        return reverse(f"customers:{self.kind}{suffix}", args=args)


def _cf_keys(entity: Entity, connection: DeskConnection, record: Record | None = None) -> list[str]:
    """The custom fields a form offers: those the org's records have (as the list's filter offers them),
    and the record's own."""
    keys = set(custom_field_keys(connection=connection, kind=entity.kind))
    if record is not None:
        keys.update(k for k in (record.cf or {}) if CF_KEY.match(k))
    return sorted(keys)


@login_required
@permission_required("core.view_customers", raise_exception=True)
@require_GET
def record_list(request: AuthedHttpRequest, *, entity: Entity) -> HttpResponse:
    connection = connection_for_request(request)
    if connection is None:
        return no_connection(request)
    owners = owner_names(connection)
    keys = custom_field_keys(connection=connection, kind=entity.kind)
    has_facts = hooks.ticket_facts() is not None

    def filter_form(data: Any) -> ListFilterForm:
        return ListFilterForm(data, kind=entity.kind, owners=owners, cf_keys=keys, open_filter=has_facts)

    filters = filter_form(request.GET).filters()
    page = page_of(
        entity.for_list(connection=connection, filters=filters),
        page=filters.page,
        page_size=filters.page_size,
        exact=not filters.is_filtered,
    )
    context = {
        "connection": connection,
        "kind": entity.kind,
        "filters": filters,
        "filter_form": filter_form(filters.form_initial()),
        "page": page,
        "rows": entity.rows(connection, page.rows, owners),
        "headers": header_context(filters),
        "filter_account": account_choices(connection=connection, desk_id=filters.account),
        "show_open": has_facts,
        "query_string": filters.to_query(),
        "previous_query": filters.to_query(page=page.number - 1) if page.has_previous else "",
        "next_query": filters.to_query(page=page.number + 1) if page.has_next else "",
        "freshness": mirror_freshness(connection),
    }
    return render(
        request, "customers/list.html#results" if is_partial(request) else "customers/list.html", context
    )


def _detail_context(
    request: AuthedHttpRequest, entity: Entity, record: Record, **extra: Any
) -> dict[str, Any]:
    """The details card's context (what an HTMX swap of it needs)."""
    return {
        "connection": record.connection,
        "kind": entity.kind,
        "record": record,
        entity.kind: record,
        "owner": owner_names(record.connection).get(record.owner_desk_id, ""),
        "custom_fields": custom_fields(record),
        "freshness": mirror_freshness(record.connection),
        "can_edit": request.user.has_perm("core.edit_customers"),
        "can_delete": request.user.has_perm("core.delete_customers"),
        **entity.detail_extra(record),
        **extra,
    }


def _page_context(
    request: AuthedHttpRequest, entity: Entity, record: Record, context: dict[str, Any]
) -> dict[str, Any]:
    """The whole page's context: the card's, the tickets app's sections and the entity's extras."""
    context["sections"] = sections_for(entity.sections, request, **{entity.kind: record})
    context.update(entity.page_extra(record))
    return context


@login_required
@permission_required("core.view_customers", raise_exception=True)
@require_GET
def record_detail(request: AuthedHttpRequest, desk_id: str, *, entity: Entity) -> HttpResponse:
    record = record_or_404(request, entity.model, desk_id)
    context = _page_context(request, entity, record, _detail_context(request, entity, record))
    return render(request, f"customers/{entity.kind}.html", context)


def _refused(form: GuardedCustomerForm, error: DeskError, entity: Entity) -> None:
    """Desk's refusal on the form: its field errors on the fields, anything else in words above them."""
    if isinstance(error, DeskValidationError):
        if not add_desk_errors(form, error.fields):
            form.add_error(None, error.message)
        return
    form.add_error(None, desk_error_message(error, what=entity.kind))


def _edit_initial(entity: Entity, record: Record, cf_keys: list[str]) -> dict[str, Any]:
    initial = {name: getattr(record, name) for name in entity.form.base_fields if hasattr(record, name)}
    current = record.cf or {}
    initial.update({key: cf_text(current.get(key)) for key in cf_keys})
    return {**initial, **entity.edit_initial(record), "seen": customer_seen_token(record)}


@login_required
@permission_required("core.edit_customers", raise_exception=True)
def record_edit(request: AuthedHttpRequest, desk_id: str, *, entity: Entity) -> HttpResponse:
    record = record_or_404(request, entity.model, desk_id)
    partial = is_partial(request)
    template = f"customers/{entity.kind}.html" + ("#details" if partial else "")
    keys = _cf_keys(entity, record.connection, record)
    if request.method != "POST":
        form = entity.form(initial=_edit_initial(entity, record, keys), cf_keys=keys)
    else:
        form = entity.form(request.POST, cf_keys=keys)
    context = _detail_context(request, entity, record, form=form, editing=True)
    fields = (
        entity.desk_fields(form, record.connection) if request.method == "POST" and form.is_valid() else None
    )
    if fields is not None:
        try:
            record = record_update(
                entity.writes,
                actor=request.user,
                record=record,
                fields=fields,
                seen=form.seen_snapshot(),
                confirmed=bool(form.cleaned_data.get("confirm_stale")),
            )
        except StaleCustomer as stale:
            post = request.POST.copy()
            post["confirm_stale"] = "on"
            post["seen"] = customer_seen_token(record)
            context.update(form=entity.form(post, cf_keys=keys), stale=stale)
        except DeskError as error:
            _refused(form, error, entity)
        else:
            saved = f"{entity.label} saved in Desk."
            if not partial:
                messages.success(request, saved)
                return redirect(f"customers:{entity.kind}", desk_id=record.desk_id)
            return toast(
                render(request, template, _detail_context(request, entity, record, oob_heading=True)), saved
            )
    return render(request, template, context if partial else _page_context(request, entity, record, context))


@login_required
@permission_required("core.edit_customers", raise_exception=True)
def record_new(request: AuthedHttpRequest, *, entity: Entity) -> HttpResponse:
    connection = connection_for_request(request)
    if connection is None:
        return no_connection(request)
    next_url = safe_next(request)
    keys = _cf_keys(entity, connection)
    if request.method != "POST":
        form = entity.form(initial=entity.new_initial(request, connection), cf_keys=keys)
    else:
        form = entity.form(request.POST, cf_keys=keys)
    context: dict[str, Any] = {"form": form, "kind": entity.kind, "connection": connection, "next": next_url}
    fields = entity.desk_fields(form, connection) if request.method == "POST" and form.is_valid() else None
    if fields is not None:
        try:
            record = record_create(
                entity.writes,
                actor=request.user,
                connection=connection,
                fields=fields,
                retry_of=form.cleaned_data.get("retry_of") or None,
            )
        except (CreateOutcomeUnknown, CreateNotSaved) as lost:
            # The answer was lost: "checking" (the draft kept, nothing resent until Desk says), or not saved.
            post = request.POST.copy()
            post["retry_of"] = str(lost.write.pk)
            context.update(form=entity.form(post, cf_keys=keys), unknown_create=lost)
        except DeskError as error:
            _refused(form, error, entity)
        else:
            messages.success(request, f"{entity.label} {entity.name(record)} created in Desk.")
            if next_url:
                separator = "&" if "?" in next_url else "?"
                return redirect(f"{next_url}{separator}{urlencode({str(entity.kind): record.desk_id})}")
            return redirect(f"customers:{entity.kind}", desk_id=record.desk_id)
    return render(request, "customers/form.html", context)


@login_required
@permission_required("core.delete_customers", raise_exception=True)
def record_trash(request: AuthedHttpRequest, desk_id: str, *, entity: Entity) -> HttpResponse:
    record = record_or_404(request, entity.model, desk_id)
    name = entity.name(record)
    context: dict[str, Any] = {
        "record": record,
        "kind": entity.kind,
        "name": name,
        "back": entity.url("", record.desk_id),
        "action": entity.url("_trash", record.desk_id),
    }
    if request.method != "POST":
        return render(request, "customers/trash.html", context)
    try:
        record_move_to_trash(entity.writes, actor=request.user, record=record)
    except DeskError as error:
        context["error"] = desk_error_message(error, what=entity.kind)
        return render(request, "customers/trash.html", context)
    messages.success(request, f"{entity.label} {name} moved to Desk's trash.")
    return redirect(f"customers:{entity.kind}s")
