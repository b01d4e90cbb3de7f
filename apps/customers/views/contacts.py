"""Contact pages: the list, the 360° page, create, edit (inline, HTMX) and move to trash."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from apps.connections.selectors import connection_for_request, mirror_freshness
from apps.core.htmx import AuthedHttpRequest, toast
from apps.core.shell import sections_for
from apps.customers import hooks
from apps.customers.forms.edit import ContactForm, add_desk_errors
from apps.customers.forms.filters import ListFilterForm
from apps.customers.models import Contact
from apps.customers.selectors.detail import account_by_name, account_of, custom_fields
from apps.customers.selectors.lists import (
    account_choices,
    contact_rows,
    contacts_for_list,
    custom_field_keys,
    owner_names,
    page_of,
)
from apps.customers.services import contacts as contact_services
from apps.customers.services.stale import StaleCustomer, customer_seen_token
from apps.customers.views.common import (
    contact_or_404,
    desk_error_message,
    header_context,
    is_partial,
    no_connection,
    safe_next,
)
from apps.desk.errors import DeskError, DeskValidationError


@login_required
@permission_required("core.view_customers", raise_exception=True)
@require_GET
def contacts(request: AuthedHttpRequest) -> HttpResponse:
    connection = connection_for_request(request)
    if connection is None:
        return no_connection(request)
    owners = owner_names(connection)
    keys = custom_field_keys(connection=connection, kind="contact")
    has_facts = hooks.ticket_facts() is not None
    form = ListFilterForm(request.GET, kind="contact", owners=owners, cf_keys=keys, open_filter=has_facts)
    filters = form.filters()
    page = page_of(
        contacts_for_list(connection=connection, filters=filters),
        page=filters.page,
        page_size=filters.page_size,
        exact=not filters.is_filtered,
    )
    freshness = mirror_freshness(connection)
    context = {
        "connection": connection,
        "kind": "contact",
        "filters": filters,
        "filter_form": ListFilterForm(
            filters_initial(filters), kind="contact", owners=owners, cf_keys=keys, open_filter=has_facts
        ),
        "page": page,
        "rows": contact_rows(connection=connection, contacts=page.rows),
        "headers": header_context(filters),
        "filter_account": account_choices(connection=connection, desk_id=filters.account),
        "show_open": has_facts,
        "query_string": filters.to_query(),
        "previous_query": filters.to_query(page=page.number - 1) if page.has_previous else "",
        "next_query": filters.to_query(page=page.number + 1) if page.has_next else "",
        "freshness": freshness,
    }
    return render(
        request, "customers/list.html#results" if is_partial(request) else "customers/list.html", context
    )


def filters_initial(filters: Any) -> dict[str, Any]:
    """The filter form shown back with the values the URL gave (as strings, the widgets' way)."""
    return {
        "q": filters.query,
        "account": getattr(filters, "account", ""),
        "owner": filters.owner,
        "open": filters.open_tickets,
        "created_from": filters.created_from.isoformat() if filters.created_from else "",
        "created_to": filters.created_to.isoformat() if filters.created_to else "",
        "modified_from": filters.modified_from.isoformat() if filters.modified_from else "",
        "modified_to": filters.modified_to.isoformat() if filters.modified_to else "",
        "cf": filters.cf_field,
        "cf_value": filters.cf_value,
        "sort": filters.sort,
        "per_page": str(filters.page_size),
    }


def _detail_context(request: AuthedHttpRequest, contact: Contact, **extra: Any) -> dict[str, Any]:
    account = account_of(contact)
    owners = owner_names(contact.connection)
    return {
        "connection": contact.connection,
        "contact": contact,
        "account": account,
        "owner": owners.get(contact.owner_desk_id, ""),
        "custom_fields": custom_fields(contact),
        "freshness": mirror_freshness(contact.connection),
        "can_edit": request.user.has_perm("core.edit_customers"),
        "can_delete": request.user.has_perm("core.delete_customers"),
        **extra,
    }


@login_required
@permission_required("core.view_customers", raise_exception=True)
@require_GET
def contact_detail(request: AuthedHttpRequest, desk_id: str) -> HttpResponse:
    contact = contact_or_404(request, desk_id)
    context = _detail_context(request, contact)
    context["sections"] = sections_for("customers:contact", request, contact=contact)
    return render(request, "customers/contact.html", context)


def _edit_initial(contact: Contact, account_name: str) -> dict[str, Any]:
    return {
        "seen": customer_seen_token(contact),
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "email": contact.email,
        "secondary_email": contact.secondary_email,
        "phone": contact.phone,
        "mobile": contact.mobile,
        "account": account_name,
        "title": contact.title,
        "city": contact.city,
        "country": contact.country,
        "description": contact.description,
    }


def _account_id(form: ContactForm, connection: Any) -> str | None:
    """The account the form names, as a Desk id ("" for none); None (with the field's error) if unknown."""
    name = (form.cleaned_data.get("account") or "").strip()
    if not name:
        return ""
    account = account_by_name(connection=connection, name=name)
    if account is None:
        form.add_error("account", "No account has this name in DeskAdmin's mirror: create it first.")
        return None
    return account.desk_id


@login_required
@permission_required("core.edit_customers", raise_exception=True)
def contact_edit(request: AuthedHttpRequest, desk_id: str) -> HttpResponse:
    contact = contact_or_404(request, desk_id)
    partial = is_partial(request)
    template = "customers/contact.html#details" if partial else "customers/contact.html"
    if request.method != "POST":
        account = account_of(contact)
        form = ContactForm(initial=_edit_initial(contact, account.account_name if account else ""))
        context = _detail_context(request, contact, form=form, editing=True)
        if not partial:
            context["sections"] = sections_for("customers:contact", request, contact=contact)
        return render(request, template, context)
    form = ContactForm(request.POST)
    context = _detail_context(request, contact, form=form, editing=True)
    if form.is_valid():
        account_id = _account_id(form, contact.connection)
        if account_id is not None:
            seen, confirmed = form.seen_snapshot(), bool(form.cleaned_data.get("confirm_stale"))
            try:
                contact = contact_services.contact_update(
                    actor=request.user,
                    contact=contact,
                    fields=form.desk_fields(account_id=account_id),
                    seen=seen,
                    confirmed=confirmed,
                )
            except StaleCustomer as stale:
                post = request.POST.copy()
                post["confirm_stale"] = "on"
                post["seen"] = customer_seen_token(contact)
                context.update(form=ContactForm(post), stale=stale)
            except DeskValidationError as error:
                if not add_desk_errors(form, error.fields):
                    form.add_error(None, error.message)
            except DeskError as error:
                form.add_error(None, desk_error_message(error, what="contact"))
            else:
                if not partial:
                    messages.success(request, "Contact saved in Desk.")
                    return redirect("customers:contact", desk_id=contact.desk_id)
                response = render(request, template, _detail_context(request, contact, oob_heading=True))
                return toast(response, "Contact saved in Desk.")
    if not partial:
        context["sections"] = sections_for("customers:contact", request, contact=contact)
    return render(request, template, context)


@login_required
@permission_required("core.edit_customers", raise_exception=True)
def contact_new(request: AuthedHttpRequest) -> HttpResponse:
    connection = connection_for_request(request)
    if connection is None:
        return no_connection(request)
    next_url = safe_next(request)
    if request.method != "POST":
        initial: dict[str, Any] = {}
        account = account_choices(connection=connection, desk_id=request.GET.get("account", "")[:32])
        if account is not None:
            initial["account"] = account.account_name
        for name in ("email", "last_name", "first_name"):
            if request.GET.get(name):
                initial[name] = request.GET[name][:200]
        form = ContactForm(initial=initial)
        return render(
            request,
            "customers/form.html",
            {"form": form, "kind": "contact", "connection": connection, "next": next_url},
        )
    form = ContactForm(request.POST)
    context: dict[str, Any] = {"form": form, "kind": "contact", "connection": connection, "next": next_url}
    if form.is_valid():
        account_id = _account_id(form, connection)
        if account_id is not None:
            try:
                contact = contact_services.contact_create(
                    actor=request.user, connection=connection, fields=form.desk_fields(account_id=account_id)
                )
            except DeskValidationError as error:
                if not add_desk_errors(form, error.fields):
                    form.add_error(None, error.message)
            except DeskError as error:
                form.add_error(None, desk_error_message(error, what="contact"))
            else:
                messages.success(request, f"Contact {contact.display_name} created in Desk.")
                if next_url:
                    separator = "&" if "?" in next_url else "?"
                    return redirect(f"{next_url}{separator}{urlencode({'contact': contact.desk_id})}")
                return redirect("customers:contact", desk_id=contact.desk_id)
    return render(request, "customers/form.html", context)


@login_required
@permission_required("core.delete_customers", raise_exception=True)
def contact_trash(request: AuthedHttpRequest, desk_id: str) -> HttpResponse:
    contact = contact_or_404(request, desk_id)
    context: dict[str, Any] = {"record": contact, "kind": "contact", "name": contact.display_name}
    context["back"] = reverse("customers:contact", kwargs={"desk_id": contact.desk_id})
    context["action"] = reverse("customers:contact_trash", kwargs={"desk_id": contact.desk_id})
    if request.method != "POST":
        return render(request, "customers/trash.html", context)
    try:
        contact_services.contact_move_to_trash(actor=request.user, contact=contact)
    except DeskError as error:
        context["error"] = desk_error_message(error, what="contact")
        return render(request, "customers/trash.html", context)
    messages.success(request, f"Contact {contact.display_name} moved to Desk's trash.")
    return redirect("customers:contacts")
