"""Desk API webhook subscriptions: the real `/webhooks` form and the seed's `/events` form, with edition limits."""

from __future__ import annotations

import secrets
import uuid
from typing import Any
from urllib.parse import urlsplit

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from apps.sandbox import models as m
from apps.sandbox.api import common as c
from apps.sandbox.api.serializers import event_json, webhook_json
from apps.sandbox.contract import (
    DeskAPIError,
    desk_endpoint,
    desk_json,
    desk_list,
    desk_no_content,
    desk_object_or_404,
    read_json_body,
)
from apps.sandbox.webhooks_out import EVENT_TYPES, normalise_event_name

READ = ("Desk.events.READ", "Desk.settings.READ")
WRITE = ("Desk.events.CREATE", "Desk.events.UPDATE", "Desk.settings.CREATE", "Desk.settings.UPDATE")
DELETE = ("Desk.events.DELETE", "Desk.settings.DELETE")
# Desk lets a portal configure at most 20 webhooks, of which the edition's quota may be enabled.
MAX_CONFIGURED = 20
WEBHOOK_FIELDS = {"name", "description", "url", "subscriptions", "ignoreSourceId", "isEnabled", "secret"}
EVENT_FIELDS = {"url", "eventType", "actions", "isActive", "secret"}


def _webhooks(org: m.Org) -> QuerySet:
    return m.Webhook.objects.filter(org=org)


def _check_edition(org: m.Org) -> None:
    if org.webhook_limit == 0:
        raise DeskAPIError(
            403,
            "FEATURE_NOT_AVAILABLE",
            f"Webhooks are not available in the {org.get_edition_display()} edition.",
        )


def _check_quota(org: m.Org, *, enabling: bool, exclude: int | None = None, creating: bool = False) -> None:
    others = _webhooks(org).exclude(pk=exclude or 0)
    if creating and others.count() >= MAX_CONFIGURED:
        raise DeskAPIError(422, "LIMIT_EXCEEDED", f"At most {MAX_CONFIGURED} webhooks can be configured.")
    if enabling and others.filter(is_enabled=True).count() >= org.webhook_limit:
        raise DeskAPIError(
            422,
            "LIMIT_EXCEEDED",
            f"The {org.get_edition_display()} edition allows {org.webhook_limit} enabled webhooks.",
        )


def _url(data: dict[str, Any], errors: c.FieldErrors, *, required: bool) -> str | None:
    value = c.text(data, "url", errors, required=required, max_length=1000)
    if value:
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            errors.add("url", "The field 'url' must be an http or https URL.")
            return None
    return value


def _subscriptions(data: dict[str, Any], errors: c.FieldErrors) -> dict[str, Any] | None:
    value = data.get("subscriptions")
    if not isinstance(value, dict) or not value:
        errors.add(
            "subscriptions",
            "The field 'subscriptions' must be an object naming at least one event.",
            error_type="missing" if value is None else "invalid",
        )
        return None
    cleaned: dict[str, Any] = {}
    for name, options in value.items():
        real = normalise_event_name(name)
        if real is None:
            errors.add(
                f"subscriptions/{name}", f"'{name}' is not a known event.", expectedValues=list(EVENT_TYPES)
            )
            continue
        if options is not None and not isinstance(options, dict):
            errors.add(f"subscriptions/{name}", "Event options must be an object or null.")
            continue
        cleaned[real] = options
    return cleaned


def _ignore_source_id(data: dict[str, Any], errors: c.FieldErrors) -> str | None:
    if "ignoreSourceId" not in data:
        return None
    value = data["ignoreSourceId"]
    if value in (None, ""):
        return ""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        errors.add("ignoreSourceId", "The field 'ignoreSourceId' must be a UUID.")
        return None


def _secret(data: dict[str, Any], errors: c.FieldErrors) -> str | None:
    value = c.text(data, "secret", errors, max_length=100)
    if value is not None and len(value) < 16:
        errors.add("secret", "The field 'secret' must be at least 16 characters long.")
        return None
    return value


def _created(webhook: m.Webhook, body: dict[str, Any], *, generated_secret: bool) -> HttpResponse:
    # The signing secret is shown once, on create, when the sandbox generated it.
    if generated_secret:
        body = {**body, "secret": webhook.secret}
    return desk_json(body)


# -- real form --------------------------------------------------------------------------------------


@desk_endpoint(scopes=READ, params={"from", "limit"})
def webhooks_list(request: HttpRequest) -> HttpResponse:
    org = request.sandbox_org  # type: ignore[attr-defined]
    rows = c.page(_webhooks(org).order_by("id"), request, default_limit=50)
    return desk_list([webhook_json(w) for w in rows])


@desk_endpoint(scopes=READ, params=set())
def webhook_get(request: HttpRequest, webhook_id: str) -> HttpResponse:
    org = request.sandbox_org  # type: ignore[attr-defined]
    return desk_json(webhook_json(desk_object_or_404(_webhooks(org), webhook_id, what="webhook")))


@desk_endpoint(scopes=WRITE, params=set())
def webhook_create(request: HttpRequest) -> HttpResponse:
    org: m.Org = request.sandbox_org  # type: ignore[attr-defined]
    _check_edition(org)
    data = read_json_body(request)
    errors = c.FieldErrors()
    c.reject_unknown_fields(data, WEBHOOK_FIELDS, errors)
    name = c.text(data, "name", errors, required=True, max_length=100)
    description = c.text(data, "description", errors, max_length=1000) or ""
    url = _url(data, errors, required=True)
    subscriptions = _subscriptions(data, errors)
    ignore = _ignore_source_id(data, errors)
    enabled = c.boolean(data, "isEnabled", errors)
    secret = _secret(data, errors)
    errors.raise_if_any()
    enabled = True if enabled is None else enabled
    _check_quota(org, enabling=enabled, creating=True)
    now = c.now()
    webhook = m.Webhook.objects.create(
        id=m.next_id(org),
        org=org,
        form=m.Webhook.Form.WEBHOOKS,
        name=name or "",
        description=description,
        url=url or "",
        subscriptions=subscriptions or {},
        ignore_source_id=ignore or "",
        is_enabled=enabled,
        secret=secret or secrets.token_hex(32),
        created_by=c.actor_id(request),
        created_time=now,
        modified_time=now,
    )
    return _created(webhook, webhook_json(webhook), generated_secret=secret is None)


@desk_endpoint(scopes=WRITE, params=set())
def webhook_update(request: HttpRequest, webhook_id: str) -> HttpResponse:
    org: m.Org = request.sandbox_org  # type: ignore[attr-defined]
    webhook = desk_object_or_404(_webhooks(org), webhook_id, what="webhook")
    data = read_json_body(request)
    if not data:
        raise DeskAPIError(422, "INVALID_DATA", "No field to update was given.")
    errors = c.FieldErrors()
    c.reject_unknown_fields(data, WEBHOOK_FIELDS, errors)
    if "name" in data:
        webhook.name = c.text(data, "name", errors, required=True, max_length=100) or webhook.name
    if "description" in data:
        webhook.description = c.text(data, "description", errors, max_length=1000) or ""
    if "url" in data:
        webhook.url = _url(data, errors, required=True) or webhook.url
    if "subscriptions" in data:
        webhook.subscriptions = _subscriptions(data, errors) or webhook.subscriptions
    ignore = _ignore_source_id(data, errors)
    if ignore is not None:
        webhook.ignore_source_id = ignore
    enabled = c.boolean(data, "isEnabled", errors)
    if "secret" in data:
        webhook.secret = _secret(data, errors) or webhook.secret
    errors.raise_if_any()
    if enabled and not webhook.is_enabled:
        _check_edition(org)
        _check_quota(org, enabling=True, exclude=webhook.pk)
    if enabled is not None:
        webhook.is_enabled = enabled
    webhook.modified_time = c.now()
    webhook.save()
    return desk_json(webhook_json(webhook))


@desk_endpoint(scopes=DELETE, params=set())
def webhook_delete(request: HttpRequest, webhook_id: str) -> HttpResponse:
    org = request.sandbox_org  # type: ignore[attr-defined]
    desk_object_or_404(_webhooks(org), webhook_id, what="webhook").delete()
    return desk_no_content()


# -- seed form (/events) ----------------------------------------------------------------------------


def _event_fields(data: dict[str, Any], errors: c.FieldErrors, *, creating: bool) -> dict[str, Any]:
    c.reject_unknown_fields(data, EVENT_FIELDS, errors)
    values: dict[str, Any] = {}
    if creating or "url" in data:
        values["url"] = _url(data, errors, required=True)
    if creating or "eventType" in data:
        event_type = c.text(data, "eventType", errors, required=True, max_length=64)
        real = normalise_event_name(event_type) if event_type else None
        if event_type and real is None:
            errors.add("eventType", f"'{event_type}' is not a known event.")
        if real:
            values["event_type"] = event_type
            values["subscriptions"] = {real: None}
    if "actions" in data:
        actions = data["actions"]
        if not isinstance(actions, list) or not all(isinstance(a, str) for a in actions):
            errors.add("actions", "The field 'actions' must be a list of strings.")
        else:
            values["actions"] = actions
    if "isActive" in data:
        values["is_enabled"] = c.boolean(data, "isActive", errors)
    if "secret" in data:
        values["secret"] = _secret(data, errors)
    return {key: value for key, value in values.items() if value is not None}


@desk_endpoint(scopes=READ, params={"from", "limit"})
def events_list(request: HttpRequest) -> HttpResponse:
    org = request.sandbox_org  # type: ignore[attr-defined]
    rows = c.page(_webhooks(org).order_by("id"), request, default_limit=50)
    return desk_list([event_json(w) for w in rows])


@desk_endpoint(scopes=READ, params=set())
def event_get(request: HttpRequest, webhook_id: str) -> HttpResponse:
    org = request.sandbox_org  # type: ignore[attr-defined]
    return desk_json(event_json(desk_object_or_404(_webhooks(org), webhook_id, what="webhook")))


@desk_endpoint(scopes=WRITE, params=set())
def event_create(request: HttpRequest) -> HttpResponse:
    org: m.Org = request.sandbox_org  # type: ignore[attr-defined]
    _check_edition(org)
    data = read_json_body(request)
    errors = c.FieldErrors()
    values = _event_fields(data, errors, creating=True)
    errors.raise_if_any()
    enabled = values.pop("is_enabled", True)
    _check_quota(org, enabling=enabled, creating=True)
    supplied_secret = values.pop("secret", None)
    now = c.now()
    webhook = m.Webhook.objects.create(
        id=m.next_id(org),
        org=org,
        form=m.Webhook.Form.EVENTS,
        name=values.get("event_type", ""),
        is_enabled=enabled,
        secret=supplied_secret or secrets.token_hex(32),
        created_by=c.actor_id(request),
        created_time=now,
        modified_time=now,
        **values,
    )
    return _created(webhook, event_json(webhook), generated_secret=supplied_secret is None)


@desk_endpoint(scopes=WRITE, params=set())
def event_update(request: HttpRequest, webhook_id: str) -> HttpResponse:
    org: m.Org = request.sandbox_org  # type: ignore[attr-defined]
    webhook = desk_object_or_404(_webhooks(org), webhook_id, what="webhook")
    data = read_json_body(request)
    errors = c.FieldErrors()
    values = _event_fields(data, errors, creating=False)
    errors.raise_if_any()
    if values.get("is_enabled") and not webhook.is_enabled:
        _check_edition(org)
        _check_quota(org, enabling=True, exclude=webhook.pk)
    for key, value in values.items():
        setattr(webhook, key, value)
    webhook.modified_time = c.now()
    webhook.save()
    return desk_json(event_json(webhook))


webhooks_collection = c.by_method(GET=webhooks_list, POST=webhook_create)
webhook_item = c.by_method(GET=webhook_get, PATCH=webhook_update, DELETE=webhook_delete)
events_collection = c.by_method(GET=events_list, POST=event_create)
event_item = c.by_method(GET=event_get, PATCH=event_update, DELETE=webhook_delete)
