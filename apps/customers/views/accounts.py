"""Account pages: the list, the 360° page, create, edit (inline, HTMX) and move to trash."""

from __future__ import annotations

from typing import Any

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
from apps.customers.forms.edit import AccountForm, add_desk_errors
from apps.customers.forms.filters import ListFilterForm
from apps.customers.models import Account
from apps.customers.selectors.detail import contacts_of_account, custom_fields
from apps.customers.selectors.lists import (
    account_rows,
    accounts_for_list,
    custom_field_keys,
    owner_names,
    page_of,
)
from apps.customers.services import accounts as account_services
from apps.customers.services.stale import StaleCustomer, customer_seen_token
from apps.customers.views.common import (
    account_or_404,
    desk_error_message,
    header_context,
    is_partial,
    no_connection,
)
from apps.customers.views.contacts import filters_initial
from apps.desk.errors import DeskError, DeskValidationError


@login_required
@permission_required("core.view_customers", raise_exception=True)
@require_GET
def accounts(request: AuthedHttpRequest) -> HttpResponse:
    connection = connection_for_request(request)
    if connection is None:
        return no_connection(request)
    owners = owner_names(connection)
    keys = custom_field_keys(connection=connection, kind="account")
    has_facts = hooks.ticket_facts() is not None
    form = ListFilterForm(request.GET, kind="account", owners=owners, cf_keys=keys, open_filter=has_facts)
    filters = form.filters()
    page = page_of(
        accounts_for_list(connection=connection, filters=filters),
        page=filters.page,
        page_size=filters.page_size,
        exact=not filters.is_filtered,
    )
    context = {
        "connection": connection,
        "kind": "account",
        "filters": filters,
        "filter_form": ListFilterForm(
            filters_initial(filters), kind="account", owners=owners, cf_keys=keys, open_filter=has_facts
        ),
        "page": page,
        "rows": account_rows(connection=connection, accounts=page.rows),
        "headers": header_context(filters),
        "show_open": has_facts,
        "query_string": filters.to_query(),
        "previous_query": filters.to_query(page=page.number - 1) if page.has_previous else "",
        "next_query": filters.to_query(page=page.number + 1) if page.has_next else "",
        "freshness": mirror_freshness(connection),
    }
    return render(
        request, "customers/list.html#results" if is_partial(request) else "customers/list.html", context
    )


def _detail_context(request: AuthedHttpRequest, account: Account, **extra: Any) -> dict[str, Any]:
    return {
        "connection": account.connection,
        "account": account,
        "owner": owner_names(account.connection).get(account.owner_desk_id, ""),
        "custom_fields": custom_fields(account),
        "freshness": mirror_freshness(account.connection),
        "can_edit": request.user.has_perm("core.edit_customers"),
        "can_delete": request.user.has_perm("core.delete_customers"),
        **extra,
    }


def _full_context(request: AuthedHttpRequest, account: Account, context: dict[str, Any]) -> dict[str, Any]:
    context["contacts"] = contacts_of_account(account)
    context["sections"] = sections_for("customers:account", request, account=account)
    return context


@login_required
@permission_required("core.view_customers", raise_exception=True)
@require_GET
def account_detail(request: AuthedHttpRequest, desk_id: str) -> HttpResponse:
    account = account_or_404(request, desk_id)
    context = _full_context(request, account, _detail_context(request, account))
    return render(request, "customers/account.html", context)


def _edit_initial(account: Account) -> dict[str, Any]:
    return {
        "seen": customer_seen_token(account),
        "account_name": account.account_name,
        "email": account.email,
        "phone": account.phone,
        "website": account.website,
        "industry": account.industry,
        "annual_revenue": account.annual_revenue,
        "city": account.city,
        "country": account.country,
        "description": account.description,
    }


@login_required
@permission_required("core.edit_customers", raise_exception=True)
def account_edit(request: AuthedHttpRequest, desk_id: str) -> HttpResponse:
    account = account_or_404(request, desk_id)
    partial = is_partial(request)
    template = "customers/account.html#details" if partial else "customers/account.html"
    if request.method != "POST":
        context = _detail_context(
            request, account, form=AccountForm(initial=_edit_initial(account)), editing=True
        )
        return render(request, template, context if partial else _full_context(request, account, context))
    form = AccountForm(request.POST)
    context = _detail_context(request, account, form=form, editing=True)
    if form.is_valid():
        seen, confirmed = form.seen_snapshot(), bool(form.cleaned_data.get("confirm_stale"))
        try:
            account = account_services.account_update(
                actor=request.user, account=account, fields=form.desk_fields(), seen=seen, confirmed=confirmed
            )
        except StaleCustomer as stale:
            post = request.POST.copy()
            post["confirm_stale"] = "on"
            post["seen"] = customer_seen_token(account)
            context.update(form=AccountForm(post), stale=stale)
        except DeskValidationError as error:
            if not add_desk_errors(form, error.fields):
                form.add_error(None, error.message)
        except DeskError as error:
            form.add_error(None, desk_error_message(error, what="account"))
        else:
            if not partial:
                messages.success(request, "Account saved in Desk.")
                return redirect("customers:account", desk_id=account.desk_id)
            return toast(
                render(request, template, _detail_context(request, account, oob_heading=True)),
                "Account saved in Desk.",
            )
    return render(request, template, context if partial else _full_context(request, account, context))


@login_required
@permission_required("core.edit_customers", raise_exception=True)
def account_new(request: AuthedHttpRequest) -> HttpResponse:
    connection = connection_for_request(request)
    if connection is None:
        return no_connection(request)
    form = AccountForm(request.POST if request.method == "POST" else None)
    context: dict[str, Any] = {"form": form, "kind": "account", "connection": connection}
    if request.method == "POST" and form.is_valid():
        try:
            account = account_services.account_create(
                actor=request.user, connection=connection, fields=form.desk_fields()
            )
        except DeskValidationError as error:
            if not add_desk_errors(form, error.fields):
                form.add_error(None, error.message)
        except DeskError as error:
            form.add_error(None, desk_error_message(error, what="account"))
        else:
            messages.success(request, f"Account {account.account_name} created in Desk.")
            return redirect("customers:account", desk_id=account.desk_id)
    return render(request, "customers/form.html", context)


@login_required
@permission_required("core.delete_customers", raise_exception=True)
def account_trash(request: AuthedHttpRequest, desk_id: str) -> HttpResponse:
    account = account_or_404(request, desk_id)
    context: dict[str, Any] = {
        "record": account,
        "kind": "account",
        "name": account.account_name,
        "back": reverse("customers:account", kwargs={"desk_id": account.desk_id}),
        "action": reverse("customers:account_trash", kwargs={"desk_id": account.desk_id}),
    }
    if request.method != "POST":
        return render(request, "customers/trash.html", context)
    try:
        account_services.account_move_to_trash(actor=request.user, account=account)
    except DeskError as error:
        context["error"] = desk_error_message(error, what="account")
        return render(request, "customers/trash.html", context)
    messages.success(request, f"Account {account.account_name} moved to Desk's trash.")
    return redirect("customers:accounts")
