"""Desk API contacts and accounts: list, get, create, update, delete (seed) / moveToTrash (real), search."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse

from apps.sandbox import models as m
from apps.sandbox import webhooks_out
from apps.sandbox.api import common as c
from apps.sandbox.api.serializers import account_json, contact_json, ticket_json
from apps.sandbox.contract import (
    DeskAPIError,
    desk_endpoint,
    desk_json,
    desk_list,
    desk_no_content,
    desk_object_or_404,
    field_error,
    read_json_body,
)

CONTACT_READ = ("Desk.contacts.READ",)
CONTACT_CREATE = ("Desk.contacts.CREATE",)
CONTACT_UPDATE = ("Desk.contacts.UPDATE",)
CONTACT_DELETE = ("Desk.contacts.DELETE",)
# Zoho files accounts under the contacts module; the seed names Desk.accounts.*; Desk.basic covers them too.
ACCOUNT_READ = ("Desk.contacts.READ", "Desk.accounts.READ", "Desk.basic.READ")
ACCOUNT_CREATE = ("Desk.contacts.CREATE", "Desk.accounts.CREATE", "Desk.basic.CREATE")
ACCOUNT_UPDATE = ("Desk.contacts.UPDATE", "Desk.accounts.UPDATE", "Desk.basic.UPDATE")
ACCOUNT_DELETE = ("Desk.contacts.DELETE", "Desk.accounts.DELETE", "Desk.basic.DELETE")

CONTACT_SORT = {
    "createdTime": "created_time",
    "modifiedTime": "modified_time",
    "firstName": "first_name",
    "lastName": "last_name",
    "email": "email",
}
ACCOUNT_SORT = {
    "createdTime": "created_time",
    "modifiedTime": "modified_time",
    "accountName": "account_name",
}
CONTACT_TEXT = {
    "firstName": ("first_name", 100),
    "lastName": ("last_name", 100),
    "phone": ("phone", 50),
    "mobile": ("mobile", 50),
    "description": ("description", 65535),
    "title": ("title", 100),
    "type": ("type", 50),
    "city": ("city", 100),
    "country": ("country", 100),
}
CONTACT_FIELDS = set(CONTACT_TEXT) | {"email", "secondaryEmail", "accountId", "cf", "isSpam", "ownerId"}
ACCOUNT_TEXT = {
    "accountName": ("account_name", 200),
    "phone": ("phone", 50),
    "website": ("website", 300),
    "description": ("description", 65535),
    "industry": ("industry", 100),
    "city": ("city", 100),
    "country": ("country", 100),
}
ACCOUNT_FIELDS = set(ACCOUNT_TEXT) | {"email", "annualRevenue", "numberOfEmployees", "cf", "ownerId"}


def _contacts(org: m.Org) -> QuerySet:
    return m.Contact.objects.filter(org=org, is_trashed=False)


def _accounts(org: m.Org) -> QuerySet:
    return m.Account.objects.filter(org=org, is_trashed=False)


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
    if "cf" in data:
        if isinstance(data["cf"], dict):
            record.cf = {**(record.cf or {}), **data["cf"]}
        else:
            errors.add("cf", "The field 'cf' must be an object.")


# -- contacts ---------------------------------------------------------------------------------------


def _apply_contact(contact: m.Contact, data: dict[str, Any], org: m.Org, errors: c.FieldErrors) -> None:
    c.reject_unknown_fields(data, CONTACT_FIELDS, errors)
    _apply_text(contact, data, CONTACT_TEXT, errors, required={"lastName"})
    for field, column in (("email", "email"), ("secondaryEmail", "secondary_email")):
        if field in data:
            value = c.email_field(data, field, errors)
            if value is not None:
                setattr(contact, column, value)
    if "accountId" in data:
        contact.account = (
            None
            if data["accountId"] in (None, "")
            else c.record_id(data, "accountId", _accounts(org), errors)
        )
    if "ownerId" in data:
        owner = c.record_id(data, "ownerId", m.Agent.objects.filter(org=org, is_deleted=False), errors)
        contact.owner_id = owner.pk if owner else None
    if "isSpam" in data:
        spam = c.boolean(data, "isSpam", errors)
        if spam is not None:
            contact.is_spam = spam
    _apply_cf(contact, data, errors)


@desk_endpoint(
    scopes=CONTACT_READ, params={"from", "limit", "sortBy", "viewId", "include", "fields", "accountId"}
)
def contacts_list(request: HttpRequest) -> HttpResponse:
    org = request.sandbox_org  # type: ignore[attr-defined]
    queryset = _contacts(org)
    accounts = c.csv_ids(request, "accountId")
    if accounts:
        queryset = queryset.filter(account_id__in=accounts)
    queryset = c.sort_queryset(queryset, request, fields=CONTACT_SORT, default="createdTime")
    return desk_list([c.pick_fields(contact_json(x), request) for x in c.page(queryset, request)])


@desk_endpoint(scopes=CONTACT_READ, params={"include"})
def contact_get(request: HttpRequest, contact_id: str) -> HttpResponse:
    contact = desk_object_or_404(_contacts(request.sandbox_org), contact_id, what="contact")  # type: ignore[attr-defined]
    return desk_json(contact_json(contact))


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
    org: m.Org = request.sandbox_org  # type: ignore[attr-defined]
    contact = desk_object_or_404(_contacts(org), contact_id, what="contact")
    data = read_json_body(request)
    if not data:
        raise DeskAPIError(422, "INVALID_DATA", "No field to update was given.")
    previous = contact_json(contact)
    errors = c.FieldErrors()
    _apply_contact(contact, data, org, errors)
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
    org = request.sandbox_org  # type: ignore[attr-defined]
    contact = desk_object_or_404(_contacts(org), contact_id, what="contact")
    _trash_records(
        [contact], org=org, event_type="Contact_Delete", serialize=contact_json, source=c.source_id(request)
    )
    return desk_no_content()


def _move_to_trash(request: HttpRequest, *, queryset: QuerySet, field: str, what: str) -> list[Any]:
    data = read_json_body(request)
    errors = c.FieldErrors()
    c.reject_unknown_fields(data, {field}, errors)
    ids = c.id_list(data, field, errors)
    errors.raise_if_any()
    records = list(queryset.filter(pk__in=ids))
    missing = sorted(set(ids) - {r.pk for r in records})
    if missing:
        raise DeskAPIError(
            404,
            "RESOURCE_NOT_FOUND",
            f"The requested {what} does not exist: {missing[0]}.",
            errors=[field_error(field, "invalid", f"No {what} with id {missing[0]}.")],
        )
    return records


@desk_endpoint(scopes=CONTACT_DELETE, params=set())
def contacts_move_to_trash(request: HttpRequest) -> HttpResponse:
    org = request.sandbox_org  # type: ignore[attr-defined]
    records = _move_to_trash(request, queryset=_contacts(org), field="contactIds", what="contact")
    _trash_records(
        records, org=org, event_type="Contact_Delete", serialize=contact_json, source=c.source_id(request)
    )
    return desk_no_content()


@desk_endpoint(
    scopes=("Desk.search.READ", "Desk.contacts.READ"),
    params={
        "from",
        "limit",
        "sortBy",
        "searchStr",
        "_all",
        "email",
        "phone",
        "firstName",
        "lastName",
        "fullName",
        "accountName",
        "accountId",
    },
)
def contacts_search(request: HttpRequest) -> HttpResponse:
    org = request.sandbox_org  # type: ignore[attr-defined]
    get = request.GET
    queryset = _contacts(org)
    word = (get.get("searchStr") or get.get("_all") or "").strip("*")
    if word:
        queryset = queryset.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
            | Q(phone__icontains=word)
        )
    if get.get("email"):
        queryset = queryset.filter(Q(email__iexact=get["email"]) | Q(secondary_email__iexact=get["email"]))
    if get.get("phone"):
        queryset = queryset.filter(Q(phone=get["phone"]) | Q(mobile=get["phone"]))
    for param, column in (("firstName", "first_name"), ("lastName", "last_name")):
        if get.get(param):
            queryset = queryset.filter(**{f"{column}__icontains": get[param].strip("*")})
    if get.get("fullName"):
        for part in get["fullName"].strip("*").split():
            queryset = queryset.filter(Q(first_name__icontains=part) | Q(last_name__icontains=part))
    if get.get("accountName"):
        queryset = queryset.filter(account__account_name__icontains=get["accountName"].strip("*"))
    accounts = c.csv_ids(request, "accountId")
    if accounts:
        queryset = queryset.filter(account_id__in=accounts)
    queryset = c.sort_queryset(queryset, request, fields=CONTACT_SORT, default="-modifiedTime")
    total = queryset.count()
    return desk_list([contact_json(x) for x in c.page(queryset, request)], count=total)


@desk_endpoint(scopes=("Desk.tickets.READ",), params={"from", "limit", "sortBy"})
def contact_tickets(request: HttpRequest, contact_id: str) -> HttpResponse:
    org = request.sandbox_org  # type: ignore[attr-defined]
    contact = desk_object_or_404(_contacts(org), contact_id, what="contact")
    queryset = m.Ticket.objects.filter(org=org, contact=contact, is_trashed=False)
    queryset = c.sort_queryset(
        queryset,
        request,
        fields={"createdTime": "created_time", "modifiedTime": "modified_time"},
        default="-createdTime",
    )
    return desk_list([ticket_json(t) for t in c.page(queryset, request)])


# -- accounts ---------------------------------------------------------------------------------------


def _apply_account(account: m.Account, data: dict[str, Any], org: m.Org, errors: c.FieldErrors) -> None:
    c.reject_unknown_fields(data, ACCOUNT_FIELDS, errors)
    _apply_text(account, data, ACCOUNT_TEXT, errors, required={"accountName"})
    if "email" in data:
        value = c.email_field(data, "email", errors)
        if value is not None:
            account.email = value
    if "annualRevenue" in data:
        account.annual_revenue = c.integer(data, "annualRevenue", errors)
    if "numberOfEmployees" in data:
        account.number_of_employees = c.integer(data, "numberOfEmployees", errors)
    if "ownerId" in data:
        owner = c.record_id(data, "ownerId", m.Agent.objects.filter(org=org, is_deleted=False), errors)
        account.owner_id = owner.pk if owner else None
    _apply_cf(account, data, errors)


@desk_endpoint(scopes=ACCOUNT_READ, params={"from", "limit", "sortBy", "viewId", "include", "fields"})
def accounts_list(request: HttpRequest) -> HttpResponse:
    org = request.sandbox_org  # type: ignore[attr-defined]
    queryset = c.sort_queryset(_accounts(org), request, fields=ACCOUNT_SORT, default="createdTime")
    return desk_list([c.pick_fields(account_json(x), request) for x in c.page(queryset, request)])


@desk_endpoint(scopes=ACCOUNT_READ, params={"include"})
def account_get(request: HttpRequest, account_id: str) -> HttpResponse:
    account = desk_object_or_404(_accounts(request.sandbox_org), account_id, what="account")  # type: ignore[attr-defined]
    return desk_json(account_json(account))


@desk_endpoint(scopes=ACCOUNT_CREATE, params=set())
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


@desk_endpoint(scopes=ACCOUNT_UPDATE, params=set())
def account_update(request: HttpRequest, account_id: str) -> HttpResponse:
    org: m.Org = request.sandbox_org  # type: ignore[attr-defined]
    account = desk_object_or_404(_accounts(org), account_id, what="account")
    data = read_json_body(request)
    if not data:
        raise DeskAPIError(422, "INVALID_DATA", "No field to update was given.")
    previous = account_json(account)
    errors = c.FieldErrors()
    _apply_account(account, data, org, errors)
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


@desk_endpoint(scopes=ACCOUNT_DELETE, params=set())
def account_delete(request: HttpRequest, account_id: str) -> HttpResponse:
    org = request.sandbox_org  # type: ignore[attr-defined]
    account = desk_object_or_404(_accounts(org), account_id, what="account")
    _trash_records(
        [account], org=org, event_type="Account_Delete", serialize=account_json, source=c.source_id(request)
    )
    return desk_no_content()


@desk_endpoint(scopes=ACCOUNT_DELETE, params=set())
def accounts_move_to_trash(request: HttpRequest) -> HttpResponse:
    org = request.sandbox_org  # type: ignore[attr-defined]
    records = _move_to_trash(request, queryset=_accounts(org), field="accountIds", what="account")
    _trash_records(
        records, org=org, event_type="Account_Delete", serialize=account_json, source=c.source_id(request)
    )
    return desk_no_content()


@desk_endpoint(
    scopes=("Desk.search.READ",) + ACCOUNT_READ,
    params={"from", "limit", "sortBy", "searchStr", "_all", "accountName", "email", "phone", "website"},
)
def accounts_search(request: HttpRequest) -> HttpResponse:
    org = request.sandbox_org  # type: ignore[attr-defined]
    get = request.GET
    queryset = _accounts(org)
    word = (get.get("searchStr") or get.get("_all") or "").strip("*")
    if word:
        queryset = queryset.filter(
            Q(account_name__icontains=word) | Q(email__icontains=word) | Q(website__icontains=word)
        )
    if get.get("accountName"):
        queryset = queryset.filter(account_name__icontains=get["accountName"].strip("*"))
    if get.get("email"):
        queryset = queryset.filter(email__iexact=get["email"])
    if get.get("phone"):
        queryset = queryset.filter(phone=get["phone"])
    if get.get("website"):
        queryset = queryset.filter(website__icontains=get["website"].strip("*"))
    queryset = c.sort_queryset(queryset, request, fields=ACCOUNT_SORT, default="-modifiedTime")
    total = queryset.count()
    return desk_list([account_json(x) for x in c.page(queryset, request)], count=total)


@desk_endpoint(scopes=CONTACT_READ + ACCOUNT_READ, params={"from", "limit", "sortBy"})
def account_contacts(request: HttpRequest, account_id: str) -> HttpResponse:
    org = request.sandbox_org  # type: ignore[attr-defined]
    account = desk_object_or_404(_accounts(org), account_id, what="account")
    queryset = c.sort_queryset(
        _contacts(org).filter(account=account), request, fields=CONTACT_SORT, default="createdTime"
    )
    return desk_list([contact_json(x) for x in c.page(queryset, request)])


@desk_endpoint(scopes=("Desk.tickets.READ",), params={"from", "limit", "sortBy"})
def account_tickets(request: HttpRequest, account_id: str) -> HttpResponse:
    org = request.sandbox_org  # type: ignore[attr-defined]
    account = desk_object_or_404(_accounts(org), account_id, what="account")
    queryset = m.Ticket.objects.filter(org=org, account=account, is_trashed=False)
    queryset = c.sort_queryset(
        queryset,
        request,
        fields={"createdTime": "created_time", "modifiedTime": "modified_time"},
        default="-createdTime",
    )
    return desk_list([ticket_json(t) for t in c.page(queryset, request)])


contacts_collection = c.by_method(GET=contacts_list, POST=contact_create)
contact_item = c.by_method(GET=contact_get, PATCH=contact_update, DELETE=contact_delete)
accounts_collection = c.by_method(GET=accounts_list, POST=account_create)
account_item = c.by_method(GET=account_get, PATCH=account_update, DELETE=account_delete)
