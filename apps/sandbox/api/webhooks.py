"""Desk API webhook subscriptions: the real `/webhooks` form (Webhook.json), edition limits, the URL check on
create and on a URL change, the data center's JWKS, and the seed's `/events` form (only with
SANDBOX_REFERENCE_FORMS)."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from apps.sandbox import models as m
from apps.sandbox.api import common as c
from apps.sandbox.api.serializers import event_json, webhook_json
from apps.sandbox.contract import (
    DeskAPIError,
    desk_empty,
    desk_endpoint,
    desk_json,
    desk_list,
    desk_no_content,
    desk_object_or_404,
    license_limited,
    read_json_body,
    url_not_found,
)
from apps.sandbox.webhooks_out import EVENT_TYPES, jwks, normalise_event_name, url_answers

# Webhook.json: any one of these scopes (events, settings or webhooks).
READ = ("Desk.events.READ", "Desk.settings.READ", "Desk.webhooks.READ")
WRITE = (
    "Desk.events.CREATE",
    "Desk.events.UPDATE",
    "Desk.settings.CREATE",
    "Desk.settings.UPDATE",
    "Desk.webhooks.CREATE",
    "Desk.webhooks.UPDATE",
)
DELETE = ("Desk.events.DELETE", "Desk.settings.DELETE", "Desk.webhooks.DELETE")
# Desk lets a portal configure at most 20 webhooks, of which the edition's quota may be enabled.
MAX_CONFIGURED = 20
LICENSE_FEATURE = "WEBHOOKS"
# Webhook.json's request body (deliveries are signed with the data center's key: there is no shared secret).
WEBHOOK_FIELDS = {
    "name",
    "description",
    "url",
    "subscriptions",
    "ignoreSourceId",
    "isEnabled",
    "includeEventsFrom",
}
# Webhook.json: `url` is at most 100 characters.
URL_MAX_LENGTH = 100
EVENT_FIELDS = {"url", "eventType", "actions", "isActive", "secret"}
INCLUDE_EVENTS_FROM = ("AUTOMATION",)


def _webhooks(org: m.Org) -> QuerySet:
    return m.Webhook.objects.filter(org=org)


def _check_edition(org: m.Org) -> None:
    """Free, Express and Standard have no webhooks: LICENSE_ACCESS_LIMITED."""
    if org.webhook_limit == 0:
        raise license_limited(
            LICENSE_FEATURE,
            org,
            max_allowed=0,
            message=f"Webhooks are not available in the {org.get_edition_display()} edition.",
        )


def _check_quota(org: m.Org, *, enabling: bool, exclude: int | None = None, creating: bool = False) -> None:
    others = _webhooks(org).exclude(pk=exclude or 0)
    if creating and others.count() >= MAX_CONFIGURED:
        message = f"At most {MAX_CONFIGURED} webhooks can be configured."
        raise DeskAPIError(422, "UNPROCESSABLE_ENTITY", message)
    if enabling and others.filter(is_enabled=True).count() >= org.webhook_limit:
        raise license_limited(
            LICENSE_FEATURE,
            org,
            max_allowed=org.webhook_limit,
            message=f"The {org.get_edition_display()} edition allows {org.webhook_limit} enabled webhooks.",
        )


def _body(webhook: m.Webhook) -> dict[str, Any]:
    """Webhook.json's webhook: the serializer's fields, its type as Desk spells it, includeEventsFrom."""
    return {
        **webhook_json(webhook),
        "type": "CUSTOMER_WEBHOOK",
        "includeEventsFrom": list(webhook.include_events_from or []),
    }


def _include_events_from(data: dict[str, Any], errors: c.FieldErrors) -> list[str] | None:
    if "includeEventsFrom" not in data:
        return None
    value = data["includeEventsFrom"]
    if value is None:
        return []
    if not isinstance(value, list) or any(item not in INCLUDE_EVENTS_FROM for item in value):
        errors.add(
            "includeEventsFrom",
            "The field 'includeEventsFrom' must be a list of event sources.",
            expectedValues=list(INCLUDE_EVENTS_FROM),
        )
        return None
    return list(dict.fromkeys(value))


def _reference_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The seed's /events form exists only with SANDBOX_REFERENCE_FORMS; otherwise Desk's URL_NOT_FOUND
    (real Desk's /events are calendar activities, which the sandbox does not emulate)."""

    @csrf_exempt
    def dispatch(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.SANDBOX_REFERENCE_FORMS:
            return url_not_found(request)
        return view(request, *args, **kwargs)

    return dispatch


def _url(
    data: dict[str, Any], errors: c.FieldErrors, *, required: bool, max_length: int = URL_MAX_LENGTH
) -> str | None:
    value = c.text(data, "url", errors, required=required, max_length=max_length)
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


def _check_url(url: str) -> None:
    """Desk validates the URL before saving: a GET, then a POST; without a 200 the call fails
    (SANDBOX_WEBHOOK_URL_CHECK=False skips it, for tests of other behaviour)."""
    if not getattr(settings, "SANDBOX_WEBHOOK_URL_CHECK", True) or url_answers(url):
        return
    errors = c.FieldErrors()
    errors.add("url", "The URL did not answer 200 OK to the validation request (GET, then POST).")
    errors.raise_if_any()


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


# -- real form (Webhook.json) ----------------------------------------------------------------------


@desk_endpoint(scopes=READ, params=set(), list_call=True)
def webhooks_list(request: HttpRequest) -> HttpResponse:
    """getWebhooks: every webhook (no paging parameters), 204 when there is none."""
    org = request.sandbox_org  # type: ignore[attr-defined]
    return desk_list([_body(w) for w in _webhooks(org).order_by("id")])


@desk_endpoint(scopes=READ, params=set())
def webhook_get(request: HttpRequest, webhook_id: str) -> HttpResponse:
    org = request.sandbox_org  # type: ignore[attr-defined]
    return desk_json(_body(desk_object_or_404(_webhooks(org), webhook_id, what="webhook")))


@desk_endpoint(scopes=WRITE, params=set())
def webhook_create(request: HttpRequest) -> HttpResponse:
    """createWebhook: `url` and `subscriptions` required; 200 with the webhook."""
    org: m.Org = request.sandbox_org  # type: ignore[attr-defined]
    _check_edition(org)
    data = read_json_body(request)
    errors = c.FieldErrors()
    c.reject_unknown_fields(data, WEBHOOK_FIELDS, errors)
    name = c.text(data, "name", errors, max_length=100)
    description = c.text(data, "description", errors, max_length=3000) or ""
    url = _url(data, errors, required=True)
    subscriptions = _subscriptions(data, errors)
    ignore = _ignore_source_id(data, errors)
    include_from = _include_events_from(data, errors)
    enabled = c.boolean(data, "isEnabled", errors)
    errors.raise_if_any()
    enabled = True if enabled is None else enabled
    _check_quota(org, enabling=enabled, creating=True)
    _check_url(url or "")
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
        include_events_from=include_from or [],
        is_enabled=enabled,
        created_by=c.actor_id(request),
        created_time=now,
        modified_time=now,
    )
    return desk_json(_body(webhook))


@desk_endpoint(scopes=WRITE, params=set())
def webhook_update(request: HttpRequest, webhook_id: str) -> HttpResponse:
    """updateWebhook: the fields sent change (Webhook.json marks `subscriptions` required; our best
    reading is that a PATCH may leave it out)."""
    org: m.Org = request.sandbox_org  # type: ignore[attr-defined]
    webhook = desk_object_or_404(_webhooks(org), webhook_id, what="webhook")
    data = read_json_body(request)
    if not data:
        raise DeskAPIError(422, "EMPTY_PAYLOAD", "The request body is empty.")
    errors = c.FieldErrors()
    c.reject_unknown_fields(data, WEBHOOK_FIELDS, errors)
    if "name" in data:
        webhook.name = c.text(data, "name", errors, max_length=100) or ""
    if "description" in data:
        webhook.description = c.text(data, "description", errors, max_length=3000) or ""
    new_url = _url(data, errors, required=True) if "url" in data else None
    if "subscriptions" in data:
        webhook.subscriptions = _subscriptions(data, errors) or webhook.subscriptions
    ignore = _ignore_source_id(data, errors)
    if ignore is not None:
        webhook.ignore_source_id = ignore
    include_from = _include_events_from(data, errors)
    if include_from is not None:
        webhook.include_events_from = include_from
    enabled = c.boolean(data, "isEnabled", errors)
    errors.raise_if_any()
    if enabled and not webhook.is_enabled:
        _check_edition(org)
        _check_quota(org, enabling=True, exclude=webhook.pk)
    if new_url and new_url != webhook.url:
        _check_url(new_url)
        webhook.url = new_url
    if enabled is not None:
        webhook.is_enabled = enabled
    webhook.modified_time = c.now()
    webhook.save()
    return desk_json(_body(webhook))


@desk_endpoint(scopes=DELETE, params=set())
def webhook_delete(request: HttpRequest, webhook_id: str) -> HttpResponse:
    """deleteWebhook: 200 with an empty body."""
    org = request.sandbox_org  # type: ignore[attr-defined]
    desk_object_or_404(_webhooks(org), webhook_id, what="webhook").delete()
    return desk_empty(200)


@desk_endpoint(scopes=DELETE, params=set())
def event_delete(request: HttpRequest, webhook_id: str) -> HttpResponse:
    """The seed form's delete: 204, as the reference document has it."""
    org = request.sandbox_org  # type: ignore[attr-defined]
    desk_object_or_404(_webhooks(org), webhook_id, what="webhook").delete()
    return desk_no_content()


# -- seed form (/events) ----------------------------------------------------------------------------


def _event_fields(data: dict[str, Any], errors: c.FieldErrors, *, creating: bool) -> dict[str, Any]:
    c.reject_unknown_fields(data, EVENT_FIELDS, errors)
    values: dict[str, Any] = {}
    if creating or "url" in data:
        values["url"] = _url(data, errors, required=True, max_length=1000)
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


@require_GET
def jwks_view(request: HttpRequest) -> JsonResponse:
    """`/.well-known/jwks.json` of the sandbox's data center: the public keys deliveries are signed with."""
    response = JsonResponse(jwks())
    response["Cache-Control"] = "public, max-age=3600"
    return response


webhooks_collection = c.by_method(GET=webhooks_list, POST=webhook_create)
webhook_item = c.by_method(GET=webhook_get, PATCH=webhook_update, DELETE=webhook_delete)
events_collection = _reference_only(c.by_method(GET=events_list, POST=event_create))
event_item = _reference_only(c.by_method(GET=event_get, PATCH=event_update, DELETE=event_delete))
