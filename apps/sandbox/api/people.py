"""Desk API contacts and accounts as Contact.json, Account.json and Search.json define them.

List, get, create, update, `moveToTrash`, `contactsByIds`, search (`/contacts/search`, `/accounts/search`),
a contact's or an account's tickets, an account's contacts and a contact's accounts. Every operation takes
exactly the query parameters its OAS operation lists. The reference document's `DELETE /contacts/{id}`
and `DELETE /accounts/{id}` answer only when SANDBOX_REFERENCE_FORMS is on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse

from apps.sandbox import models as m
from apps.sandbox import webhooks_out
from apps.sandbox.api import common as c
from apps.sandbox.api import query as q
from apps.sandbox.api.serializers import account_json, contact_json, ticket_json
from apps.sandbox.contract import (
    DeskAPIError,
    desk_endpoint,
    desk_json,
    desk_list,
    desk_no_content,
    desk_object_or_404,
    paging,
    read_json_body,
)

# Contact.json / Account.json: accounts belong to the contacts module (Desk.contacts.*).
CONTACT_READ = ("Desk.contacts.READ",)
CONTACT_CREATE = ("Desk.contacts.CREATE",)
CONTACT_UPDATE = ("Desk.contacts.UPDATE",)
CONTACT_DELETE = ("Desk.contacts.DELETE",)
SEARCH_READ = ("Desk.search.READ",)
TICKET_READ = ("Desk.tickets.READ",)

# getContacts
CONTACT_LIST_PARAMS = {"fields", "viewId", "limit", "from", "filterId", "include", "sortBy"}
CONTACT_LIST_SORT = {
    "firstName": "first_name",
    "lastName": "last_name",
    "phone": "phone",
    "email": "email",
    "account": "account__account_name",
    "createdTime": "created_time",
    "modifiedTime": "modified_time",
}
# getContactsUnderAccount
ACCOUNT_CONTACTS_SORT = {
    "firstName": "first_name",
    "lastName": "last_name",
    "fullName": "first_name",
    "phone": "phone",
    "email": "email",
    "createdTime": "created_time",
    "modifiedTime": "modified_time",
}
# searchContacts (Search.json)
CONTACT_SEARCH_PARAMS = {
    "email",
    "phone",
    "mobile",
    "accountName",
    "createdTimeRange",
    "limit",
    "from",
    "modifiedTimeRange",
    "id",
    "_all",
    "lastName",
    "firstName",
    "fullName",
    "sortBy",
    *q.CUSTOM_FIELD_PARAMS,
}
CONTACT_SEARCH_SORT = {
    "modifiedTime": "modified_time",
    "createdTime": "created_time",
    "lastName": "last_name",
    "firstName": "first_name",
}
# contactjson / updateContact_contactjson: text fields and their lengths.
CONTACT_TEXT = {
    "firstName": ("first_name", 40),
    "lastName": ("last_name", 200),
    "phone": ("phone", 50),
    "mobile": ("mobile", 50),
    "description": ("description", 65535),
    "title": ("title", 100),
    "street": ("street", 250),
    "city": ("city", 100),
    "state": ("state", 100),
    "zip": ("zip", 30),
    "country": ("country", 100),
    "twitter": ("twitter", 100),
    "facebook": ("facebook", 100),
    "language": ("language", 255),
}
# updateContact_contactjson caps these three at 30 characters (contactjson, for create, at 100).
CONTACT_UPDATE_TEXT = {
    **CONTACT_TEXT,
    "city": ("city", 30),
    "state": ("state", 30),
    "country": ("country", 30),
}
CONTACT_FIELDS = set(CONTACT_TEXT) | {
    "email",
    "secondaryEmail",
    "accountId",
    "ownerId",
    "type",
    "cf",
    "customFields",
    "layoutId",
}

# getAccounts
ACCOUNT_LIST_PARAMS = {"viewId", "limit", "from", "sortBy", "fields", "filters", "filterId"}
ACCOUNT_LIST_SORT = {
    "website": "website",
    "email": "email",
    "phone": "phone",
    "accountName": "account_name",
    "createdTime": "created_time",
    "modifiedTime": "modified_time",
}
# searchAccounts (Search.json)
ACCOUNT_SEARCH_PARAMS = {
    "accountName",
    "createdTimeRange",
    "limit",
    "from",
    "modifiedTimeRange",
    "id",
    "_all",
    "sortBy",
    *q.CUSTOM_FIELD_PARAMS,
}
ACCOUNT_SEARCH_SORT = {
    "modifiedTime": "modified_time",
    "createdTime": "created_time",
    "accountName": "account_name",
}
# accountjson: text fields and their lengths.
ACCOUNT_TEXT = {
    "accountName": ("account_name", 200),
    "phone": ("phone", 30),
    "fax": ("fax", 30),
    "website": ("website", 120),
    "description": ("description", 65535),
    "industry": ("industry", 120),
    "code": ("code", 30),
    "street": ("street", 250),
    "city": ("city", 30),
    "state": ("state", 30),
    "country": ("country", 30),
}
ACCOUNT_FIELDS = set(ACCOUNT_TEXT) | {"email", "annualrevenue", "ownerId", "cf", "customFields"}

# getTicketsByAccount (and, our best reading, a contact's tickets)
RECORD_TICKETS_PARAMS = {"include", "departmentId", "dueDate", "limit", "from", "sortBy", "isSpam"}
ACCOUNT_TICKETS_INCLUDE = ("contacts", "products", "departments", "team", "assignee", "isRead")
# A contact's tickets carry their contact already: no `contacts` include (conformance table, Ticket.json).
CONTACT_TICKETS_INCLUDE = ("products", "departments", "team", "assignee", "isRead")
RECORD_TICKETS_SORT = {"createdTime": "created_time", "modifiedTime": "modified_time"}

CONTACTS_BY_IDS_MAX = 20


def _reference_forms() -> bool:
    return bool(settings.SANDBOX_REFERENCE_FORMS)


def _contacts(org: m.Org) -> QuerySet:
    return m.Contact.objects.filter(org=org, is_trashed=False)


def _accounts(org: m.Org) -> QuerySet:
    return m.Account.objects.filter(org=org, is_trashed=False)


def _owners(org: m.Org) -> QuerySet:
    return m.Agent.objects.filter(org=org, is_deleted=False)


def _apply_text(
    record: Any,
    data: dict[str, Any],
    fields: dict[str, tuple[str, int]],
    errors: c.FieldErrors,
    *,
    required: set[str],
) -> None:
    for field, (column, length) in fields.items():
        if field in data:
            value = c.text(data, field, errors, required=field in required, max_length=length)
            if value is not None:
                setattr(record, column, value)


def _apply_cf(record: Any, data: dict[str, Any], errors: c.FieldErrors) -> None:
    """`cf` (and the older `customFields`) merge into the record's custom fields."""
    for name in ("customFields", "cf"):
        if name not in data or data[name] is None:
            continue
        if isinstance(data[name], dict):
            record.cf = {**(record.cf or {}), **data[name]}
        else:
            errors.add(name, f"The field '{name}' must be an object.")


def _apply_owner(record: Any, data: dict[str, Any], org: m.Org, errors: c.FieldErrors) -> None:
    if "ownerId" in data:
        owner = c.record_id(data, "ownerId", _owners(org), errors)
        record.owner_id = owner.pk if owner else None


def _page_of(queryset: QuerySet, request: HttpRequest, *, one_based: bool = False) -> list[Any]:
    """One page (default limit 10). Account.json's lists give `from` the default 1, so there `from`
    counts from 1 (from=0 and from=1 both mean the first row); everywhere else it counts from 0."""
    offset, limit = paging(request, default_limit=10)
    if one_based and "from" in request.GET:
        offset = max(offset - 1, 0)
    return list(queryset[offset : offset + limit])


# -- contacts ---------------------------------------------------------------------------------------


def _apply_contact(
    contact: m.Contact, data: dict[str, Any], org: m.Org, errors: c.FieldErrors, *, update: bool = False
) -> None:
    c.reject_unknown_fields(data, CONTACT_FIELDS, errors)
    _apply_text(contact, data, CONTACT_UPDATE_TEXT if update else CONTACT_TEXT, errors, required={"lastName"})
    for field, column in (("email", "email"), ("secondaryEmail", "secondary_email")):
        if field in data:
            value = c.email_field(data, field, errors)
            if value is not None:
                setattr(contact, column, value)
    if "type" in data:
        # The OAS example sends ["paidUser"]; the schema says a string. Take either.
        raw = data["type"]
        value = ",".join(str(v) for v in raw) if isinstance(raw, list) else raw
        text_value = c.text({"type": value}, "type", errors, max_length=50)
        if text_value is not None:
            contact.type = text_value
    if "accountId" in data:
        contact.account = (
            None
            if data["accountId"] in (None, "")
            else c.record_id(data, "accountId", _accounts(org), errors)
        )
    if "layoutId" in data and not str(data["layoutId"] or "").isdigit():
        errors.add("layoutId", "The field 'layoutId' must be an id.")
    _apply_owner(contact, data, org, errors)
    _apply_cf(contact, data, errors)


@desk_endpoint(scopes=CONTACT_READ, params=CONTACT_LIST_PARAMS)
def contacts_list(request: HttpRequest) -> HttpResponse:
    """getContacts: 204 when the org has none."""
    org = request.sandbox_org  # type: ignore[attr-defined]
    include = q.include_values(request, ("accounts",))
    queryset = c.sort_queryset(_contacts(org), request, fields=CONTACT_LIST_SORT, default="createdTime")
    if "accounts" in include:
        queryset = queryset.select_related("account")
    rows = _page_of(queryset, request)
    return desk_list([c.pick_fields(contact_json(x, include=include), request) for x in rows])


@desk_endpoint(scopes=CONTACT_READ, params={"include"})
def contact_get(request: HttpRequest, contact_id: str) -> HttpResponse:
    include = q.include_values(request, ("accounts", "owner"))
    contact = desk_object_or_404(_contacts(request.sandbox_org), contact_id, what="contact")  # type: ignore[attr-defined]
    return desk_json(contact_json(contact, include=include))


@desk_endpoint(scopes=CONTACT_READ, params={"ids"}, methods=("GET",), list_call=True)
def contacts_by_ids(request: HttpRequest) -> HttpResponse:
    """getContactsByIds: `ids` (at most 20); ids that match nothing are left out."""
    ids = q.id_values(request, "ids", maximum=CONTACTS_BY_IDS_MAX, required=True)
    rows = _contacts(request.sandbox_org).filter(pk__in=ids).order_by("pk")  # type: ignore[attr-defined]
    return desk_json({"data": [contact_json(x) for x in rows]})


@desk_endpoint(scopes=CONTACT_CREATE, params=set())
def contact_create(request: HttpRequest) -> HttpResponse:
    org: m.Org = request.sandbox_org  # type: ignore[attr-defined]
    data = read_json_body(request)
    errors = c.FieldErrors()
    if "lastName" not in data:
        errors.missing("lastName")
    now = c.now()
    contact = m.Contact(org=org, created_time=now, modified_time=now)
    _apply_contact(contact, data, org, errors)
    errors.raise_if_any()
    with transaction.atomic(using=m.SANDBOX_DB):
        contact.id = m.next_id(org)
        contact.save()
        webhooks_out.emit(
            org=org, event_type="Contact_Add", payload=contact_json(contact), source_id=c.source_id(request)
        )
    return desk_json(contact_json(contact))


@desk_endpoint(scopes=CONTACT_UPDATE, params=set())
def contact_update(request: HttpRequest, contact_id: str) -> HttpResponse:
    """updateContact: the body may not carry `id` (additionalProperties is false in Contact.json)."""
    org: m.Org = request.sandbox_org  # type: ignore[attr-defined]
    contact = desk_object_or_404(_contacts(org), contact_id, what="contact")
    data = read_json_body(request)
    if not data:
        raise DeskAPIError(422, "EMPTY_PAYLOAD", "The request body is empty.")
    previous = contact_json(contact)
    errors = c.FieldErrors()
    _apply_contact(contact, data, org, errors, update=True)
    errors.raise_if_any()
    contact.modified_time = c.now()
    with transaction.atomic(using=m.SANDBOX_DB):
        contact.save()
        webhooks_out.emit(
            org=org,
            event_type="Contact_Update",
            payload=contact_json(contact),
            prev_state=previous,
            source_id=c.source_id(request),
        )
    return desk_json(contact_json(contact))


def _trash_records(
    records: list[Any], *, org: m.Org, event_type: str, serialize: Any, source: str | None
) -> None:
    now = c.now()
    with transaction.atomic(using=m.SANDBOX_DB):
        for record in records:
            record.is_trashed = True
            record.modified_time = now
            record.save(update_fields=["is_trashed", "modified_time"])
            webhooks_out.emit(org=org, event_type=event_type, payload=serialize(record), source_id=source)


@desk_endpoint(scopes=CONTACT_DELETE, params=set())
def contact_delete(request: HttpRequest, contact_id: str) -> HttpResponse:
    """The reference document's DELETE /contacts/{id}; Desk has only moveToTrash."""
    if not _reference_forms():
        return _method_not_allowed()
    org = request.sandbox_org  # type: ignore[attr-defined]
    contact = desk_object_or_404(_contacts(org), contact_id, what="contact")
    _trash_records(
        [contact], org=org, event_type="Contact_Delete", serialize=contact_json, source=c.source_id(request)
    )
    return desk_no_content()


def _method_not_allowed() -> HttpResponse:
    raise DeskAPIError(405, "METHOD_NOT_ALLOWED", "The HTTP method is not allowed for this URL.")


def _move_to_trash(request: HttpRequest, *, queryset: QuerySet, field: str, what: str) -> list[Any]:
    """moveToTrash: `{"<what>Ids": [...]}`; an id that matches nothing is INVALID_DATA (422)."""
    data = read_json_body(request)
    errors = c.FieldErrors()
    c.reject_unknown_fields(data, {field}, errors)
    errors.raise_if_any()
    ids = q.ids_body(data, field)
    records = list(queryset.filter(pk__in=ids))
    missing = sorted(set(ids) - {r.pk for r in records})
    if missing:
        raise q.unknown_ids(field, missing, what)
    return records


@desk_endpoint(scopes=CONTACT_DELETE, params=set(), methods=("POST",))
def contacts_move_to_trash(request: HttpRequest) -> HttpResponse:
    """deleteContact: POST /contacts/moveToTrash {"contactIds": [...]} -> 204."""
    org = request.sandbox_org  # type: ignore[attr-defined]
    records = _move_to_trash(request, queryset=_contacts(org), field="contactIds", what="contact")
    _trash_records(
        records, org=org, event_type="Contact_Delete", serialize=contact_json, source=c.source_id(request)
    )
    return desk_no_content()


@desk_endpoint(scopes=SEARCH_READ, params=CONTACT_SEARCH_PARAMS, methods=("GET",))
def contacts_search(request: HttpRequest) -> HttpResponse:
    """searchContacts: needs Desk.search.READ and Desk.contacts.READ; 204 when nothing matches."""
    q.require_scopes(request, CONTACT_READ)
    q.search_paging(request)
    org = request.sandbox_org  # type: ignore[attr-defined]
    get = request.GET
    queryset = _contacts(org)
    q.min_length(request, "_all", 3)
    q.min_length(request, "accountName", 3)
    conditions = [
        q.all_columns_q(
            get.get("_all"), "first_name", "last_name", "email", "secondary_email", "phone", "mobile"
        ),
        q.search_q(get.get("email"), "email", "secondary_email"),
        q.search_q(get.get("phone"), "phone"),
        q.search_q(get.get("mobile"), "mobile"),
        q.search_q(get.get("firstName"), "first_name", multiple=False),
        q.search_q(get.get("lastName"), "last_name", multiple=False),
        q.search_q(get.get("accountName"), "account__account_name", multiple=False),
        _full_name_q(get.get("fullName")),
    ]
    return _search_response(queryset, request, conditions, CONTACT_SEARCH_SORT, contact_json)


def _search_response(
    queryset: Any,
    request: HttpRequest,
    conditions: list[Q | None],
    sort_fields: dict[str, str],
    to_json: Callable[[Any], dict[str, Any]],
) -> HttpResponse:
    """The part contacts/search and accounts/search share: ids, time ranges, custom fields, sort, one page."""
    for condition in conditions:
        if condition is not None:
            queryset = queryset.filter(condition)
    ids = q.id_values(request, "id", maximum=100)
    if ids:
        queryset = queryset.filter(pk__in=ids)
    queryset = q.filter_time_range(queryset, request, "createdTimeRange", "created_time")
    queryset = q.filter_time_range(queryset, request, "modifiedTimeRange", "modified_time")
    queryset = q.custom_field_filters(queryset, request)
    queryset = q.search_sort(queryset, request, fields=sort_fields)
    rows = _page_of(queryset, request)
    if not rows:
        return desk_no_content()
    return desk_json({"data": [to_json(x) for x in rows], "count": queryset.count()})


def _full_name_q(raw: str | None) -> Q | None:
    """fullName: every word must match the first or the last name (wildcards as elsewhere)."""
    if raw is None or not raw.strip():
        return None
    combined = Q()
    for word in raw.split():
        part = q.search_q(word if "*" in word else f"*{word}*", "first_name", "last_name", multiple=False)
        if part is not None:
            combined &= part
    return combined


def _record_tickets(
    request: HttpRequest, queryset: QuerySet, *, includes: tuple[str, ...], one_based: bool
) -> HttpResponse:
    include = q.include_values(request, includes)
    department = request.GET.get("departmentId")
    if department:
        if not department.isdigit():
            raise c.invalid_param("departmentId")
        queryset = queryset.filter(department_id=int(department))
    spam = q.bool_value(request, "isSpam")
    queryset = queryset.filter(is_spam=bool(spam))
    for value in q.csv_values(request, "dueDate"):
        if value not in {"overdue", "tomorrow", "currentWeek", "currentMonth", "today"}:
            raise c.invalid_param("dueDate")
    if "overdue" in q.csv_values(request, "dueDate"):
        queryset = queryset.filter(due_date__lt=c.now()).exclude(status_type="Closed")
    queryset = c.sort_queryset(queryset, request, fields=RECORD_TICKETS_SORT, default="createdTime")
    queryset = queryset.select_related("contact", "account", "assignee", "department", "team")
    rows = _page_of(queryset, request, one_based=one_based)
    return desk_list([ticket_json(t, include=include) for t in rows])


@desk_endpoint(scopes=TICKET_READ, params=RECORD_TICKETS_PARAMS, methods=("GET",))
def contact_tickets(request: HttpRequest, contact_id: str) -> HttpResponse:
    """A contact's tickets: needs Desk.search.READ besides Desk.tickets.READ (real-desk-notes, H)."""
    q.require_scopes(request, SEARCH_READ)
    org = request.sandbox_org  # type: ignore[attr-defined]
    contact = desk_object_or_404(_contacts(org), contact_id, what="contact")
    tickets = m.Ticket.objects.filter(org=org, contact=contact, is_trashed=False)
    return _record_tickets(request, tickets, includes=CONTACT_TICKETS_INCLUDE, one_based=False)


@desk_endpoint(scopes=CONTACT_READ, params={"limit", "from", "sortBy", "startsWith"}, methods=("GET",))
def contact_accounts(request: HttpRequest, contact_id: str) -> HttpResponse:
    """getAccountsByContact: the contact's account (the sandbox keeps one per contact), with mappingInfo."""
    org = request.sandbox_org  # type: ignore[attr-defined]
    contact = desk_object_or_404(_contacts(org), contact_id, what="contact")
    queryset = _accounts(org).filter(pk=contact.account_id or 0)
    starts = request.GET.get("startsWith")
    if starts:
        queryset = queryset.filter(account_name__istartswith=starts)
    queryset = c.sort_queryset(
        queryset,
        request,
        fields={"accountName": "account_name", "createdTime": "created_time", "mappingType": "pk"},
        default="accountName",
    )
    rows = []
    for account in _page_of(queryset, request, one_based=True):
        data = account_json(account)
        data["mappingInfo"] = _mapping_info(contact, account)
        data["mappingType"] = "PRIMARY"
        rows.append(data)
    return desk_list(rows)


def _mapping_info(contact: m.Contact, account: m.Account) -> dict[str, Any]:
    """The sandbox keeps one account per contact: always the PRIMARY mapping."""
    del account
    return {"mappingId": str(contact.pk), "mappingType": "PRIMARY", "isAccountTicketsViewable": False}


# -- accounts ---------------------------------------------------------------------------------------


def _apply_account(account: m.Account, data: dict[str, Any], org: m.Org, errors: c.FieldErrors) -> None:
    c.reject_unknown_fields(data, ACCOUNT_FIELDS, errors)
    _apply_text(account, data, ACCOUNT_TEXT, errors, required={"accountName"})
    if "email" in data:
        value = c.email_field(data, "email", errors)
        if value is not None:
            account.email = value
    if "annualrevenue" in data:
        account.annual_revenue = _revenue(data, errors)
    _apply_owner(account, data, org, errors)
    _apply_cf(account, data, errors)


def _revenue(data: dict[str, Any], errors: c.FieldErrors) -> int | None:
    """`annualrevenue` is a decimal string in Account.json ("([0-9]{1,13}(\\.[0-9]*)?)")."""
    raw = data.get("annualrevenue")
    if raw in (None, ""):
        return None
    try:
        value = float(str(raw))
    except ValueError:
        value = -1.0
    if value < 0 or value >= 10**13:
        errors.add("annualrevenue", "The field 'annualrevenue' must be a number.")
        return None
    return int(value)


@desk_endpoint(scopes=CONTACT_READ, params=ACCOUNT_LIST_PARAMS)
def accounts_list(request: HttpRequest) -> HttpResponse:
    """getAccounts: 204 when the org has none."""
    org = request.sandbox_org  # type: ignore[attr-defined]
    queryset = c.sort_queryset(_accounts(org), request, fields=ACCOUNT_LIST_SORT, default="createdTime")
    rows = _page_of(queryset, request, one_based=True)
    return desk_list([c.pick_fields(account_json(x), request) for x in rows])


@desk_endpoint(scopes=CONTACT_READ, params={"include"})
def account_get(request: HttpRequest, account_id: str) -> HttpResponse:
    include = q.include_values(request, ("owner",))
    account = desk_object_or_404(_accounts(request.sandbox_org), account_id, what="account")  # type: ignore[attr-defined]
    return desk_json(account_json(account, include=include))


@desk_endpoint(scopes=CONTACT_CREATE, params=set())
def account_create(request: HttpRequest) -> HttpResponse:
    org: m.Org = request.sandbox_org  # type: ignore[attr-defined]
    data = read_json_body(request)
    errors = c.FieldErrors()
    if "accountName" not in data:
        errors.missing("accountName")
    now = c.now()
    account = m.Account(org=org, created_time=now, modified_time=now)
    _apply_account(account, data, org, errors)
    if account.account_name and _accounts(org).filter(account_name__iexact=account.account_name).exists():
        errors.add("accountName", "An account with this name already exists.", error_type="duplicate")
    errors.raise_if_any()
    with transaction.atomic(using=m.SANDBOX_DB):
        account.id = m.next_id(org)
        account.save()
        webhooks_out.emit(
            org=org, event_type="Account_Add", payload=account_json(account), source_id=c.source_id(request)
        )
    return desk_json(account_json(account))


@desk_endpoint(scopes=CONTACT_UPDATE, params=set())
def account_update(request: HttpRequest, account_id: str) -> HttpResponse:
    org: m.Org = request.sandbox_org  # type: ignore[attr-defined]
    account = desk_object_or_404(_accounts(org), account_id, what="account")
    data = read_json_body(request)
    if not data:
        raise DeskAPIError(422, "EMPTY_PAYLOAD", "The request body is empty.")
    previous = account_json(account)
    errors = c.FieldErrors()
    _apply_account(account, data, org, errors)
    name_taken = (
        "accountName" in data
        and account.account_name
        and _accounts(org).filter(account_name__iexact=account.account_name).exclude(pk=account.pk).exists()
    )
    if name_taken:
        errors.add("accountName", "An account with this name already exists.", error_type="duplicate")
    errors.raise_if_any()
    account.modified_time = c.now()
    with transaction.atomic(using=m.SANDBOX_DB):
        account.save()
        webhooks_out.emit(
            org=org,
            event_type="Account_Update",
            payload=account_json(account),
            prev_state=previous,
            source_id=c.source_id(request),
        )
    return desk_json(account_json(account))


@desk_endpoint(scopes=CONTACT_DELETE, params=set())
def account_delete(request: HttpRequest, account_id: str) -> HttpResponse:
    """The reference document's DELETE /accounts/{id}; Desk has only moveToTrash."""
    if not _reference_forms():
        return _method_not_allowed()
    org = request.sandbox_org  # type: ignore[attr-defined]
    account = desk_object_or_404(_accounts(org), account_id, what="account")
    _trash_records(
        [account], org=org, event_type="Account_Delete", serialize=account_json, source=c.source_id(request)
    )
    return desk_no_content()


@desk_endpoint(scopes=CONTACT_DELETE, params=set(), methods=("POST",))
def accounts_move_to_trash(request: HttpRequest) -> HttpResponse:
    """deleteAccount: POST /accounts/moveToTrash {"accountIds": [...]} -> 204."""
    org = request.sandbox_org  # type: ignore[attr-defined]
    records = _move_to_trash(request, queryset=_accounts(org), field="accountIds", what="account")
    _trash_records(
        records, org=org, event_type="Account_Delete", serialize=account_json, source=c.source_id(request)
    )
    return desk_no_content()


@desk_endpoint(scopes=SEARCH_READ, params=ACCOUNT_SEARCH_PARAMS, methods=("GET",))
def accounts_search(request: HttpRequest) -> HttpResponse:
    """searchAccounts: needs Desk.search.READ and Desk.contacts.READ; 204 when nothing matches."""
    q.require_scopes(request, CONTACT_READ)
    q.search_paging(request)
    q.min_length(request, "_all", 3)
    q.min_length(request, "accountName", 3)
    org = request.sandbox_org  # type: ignore[attr-defined]
    queryset = _accounts(org)
    conditions = [
        q.all_columns_q(request.GET.get("_all"), "account_name", "email", "website", "phone"),
        q.search_q(request.GET.get("accountName"), "account_name", multiple=False),
    ]
    return _search_response(queryset, request, conditions, ACCOUNT_SEARCH_SORT, account_json)


@desk_endpoint(scopes=CONTACT_READ, params={"limit", "from", "isSpam", "sortBy"}, methods=("GET",))
def account_contacts(request: HttpRequest, account_id: str) -> HttpResponse:
    """getContactsUnderAccount, each contact with its mappingInfo."""
    org = request.sandbox_org  # type: ignore[attr-defined]
    account = desk_object_or_404(_accounts(org), account_id, what="account")
    queryset = _contacts(org).filter(account=account)
    spam = q.bool_value(request, "isSpam")
    queryset = queryset.filter(is_spam=bool(spam))
    queryset = c.sort_queryset(queryset, request, fields=ACCOUNT_CONTACTS_SORT, default="createdTime")
    rows = []
    for contact in _page_of(queryset, request):
        data = contact_json(contact)
        data["mappingInfo"] = _mapping_info(contact, account)
        rows.append(data)
    return desk_list(rows)


@desk_endpoint(scopes=TICKET_READ, params=RECORD_TICKETS_PARAMS, methods=("GET",))
def account_tickets(request: HttpRequest, account_id: str) -> HttpResponse:
    """getTicketsByAccount: Account.json lists Desk.tickets.READ and Desk.search.READ; both are needed."""
    q.require_scopes(request, SEARCH_READ)
    org = request.sandbox_org  # type: ignore[attr-defined]
    account = desk_object_or_404(_accounts(org), account_id, what="account")
    tickets = m.Ticket.objects.filter(org=org, account=account, is_trashed=False)
    return _record_tickets(request, tickets, includes=ACCOUNT_TICKETS_INCLUDE, one_based=True)


contacts_collection = c.by_method(GET=contacts_list, POST=contact_create)
contact_item = c.by_method(GET=contact_get, PATCH=contact_update, DELETE=contact_delete)
accounts_collection = c.by_method(GET=accounts_list, POST=account_create)
account_item = c.by_method(GET=account_get, PATCH=account_update, DELETE=account_delete)
