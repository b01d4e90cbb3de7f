"""Webhook views: the receiver Desk posts to (no sign-in: the token in the URL and the signed JWT are its
guard), the mirror's version stamp open pages poll, and the admins' Webhooks page with its actions."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.connections.models import DeskConnection
from apps.connections.selectors import connection_for_request
from apps.core.htmx import AuthedHttpRequest, toast
from apps.mirror import freshness
from apps.webhooks import selectors, services
from apps.webhooks.forms import LogFilterForm, WebhookForm
from apps.webhooks.models import Delivery, Endpoint, Subscription
from apps.webhooks.processing import fingerprint, parse_events, summarise
from apps.webhooks.tasks import enqueue_processing
from apps.webhooks.verify import HEADER, Rejected, verify_delivery

logger = logging.getLogger(__name__)
MANAGE = "core.manage_webhooks"


# -- the receiver -------------------------------------------------------------------------------------------


def _unlogged(response: HttpResponse) -> HttpResponse:
    """Django's request logger would write the path (the receiver's secret token) for a 4xx: we log our own
    line without it instead."""
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def receive(request: HttpRequest, token: str) -> HttpResponse:
    """Desk's URL check (GET, or a POST without deliveries) answers 200; a delivery is stored, verified or
    not, before answering: 200 when its X-ZDesk-JWT verifies (processing runs in a task), else 401."""
    endpoint = Endpoint.objects.select_related("connection").filter(token=token).first()
    if endpoint is None or endpoint.connection.status == DeskConnection.Status.DISCONNECTED:
        # Never 410: Desk would delete the webhook. A disconnected org's deliveries are not taken in.
        return _unlogged(HttpResponse(status=404))
    if request.method != "POST":
        return HttpResponse(status=200)
    body = request.body
    token_header = request.headers.get(HEADER, "")
    if not token_header and body.strip() in (b"", b"[]", b"{}"):
        return HttpResponse(status=200)  # the URL check's POST: nothing to deliver
    connection = endpoint.connection
    ours = Subscription.objects.filter(connection=connection).values_list("desk_id", flat=True)
    now = timezone.now()
    try:
        verified = verify_delivery(token_header, connection=connection, webhook_ids=list(ours))
    except Rejected as rejected:
        # Logged, stored without its body (never applied), answered 401. Nothing of the token is logged.
        logger.warning("webhook delivery rejected: connection=%s reason=%s", connection.pk, rejected.reason)
        Delivery.objects.create(
            connection=connection,
            received_at=now,
            signature=rejected.reason,
            status=Delivery.Status.REJECTED,
            error=str(rejected)[:300],
        )
        Endpoint.objects.filter(pk=endpoint.pk).update(last_rejected_at=now)
        return _unlogged(HttpResponse(status=401))
    text = body.decode("utf-8", errors="replace")
    events = parse_events(text)
    types, objects = summarise(events)
    with transaction.atomic():
        Delivery.objects.create(
            connection=connection,
            received_at=now,
            webhook_desk_id=verified.webhook_id,
            signature=Delivery.Signature.VALID,
            body=text,
            fingerprint=fingerprint(body),
            event_count=len(events),
            event_types=types,
            objects_summary=objects,
        )
        Endpoint.objects.filter(pk=endpoint.pk).update(last_delivery_at=now)
        transaction.on_commit(lambda: enqueue_processing(connection.pk))
    return HttpResponse(status=200)


# -- the version stamp open pages poll ------------------------------------------------------------------------


@login_required
@permission_required("core.view_tickets", raise_exception=True)
@never_cache
@require_GET
def live(request: HttpRequest) -> JsonResponse:
    """The current connection's mirror version: one cache read. Pages re-read the mirror when it moves."""
    connection = connection_for_request(request)
    return JsonResponse({"version": freshness.version(connection.pk) if connection else 0})


# -- the Webhooks page ------------------------------------------------------------------------------------------


def _connection(request: HttpRequest) -> DeskConnection:
    connection = connection_for_request(request)
    if connection is None:
        raise Http404("No Desk org is connected.")
    return connection


def _log_context(request: HttpRequest, connection: DeskConnection) -> dict:
    filter_form = LogFilterForm(request.GET or None)
    rows = selectors.deliveries_for_log(connection, filter_form.filters())
    page = Paginator(rows, selectors.LOG_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {"filter_form": filter_form, "log_page": page, "log_query": query.urlencode()}


def _page_context(
    request: HttpRequest,
    connection: DeskConnection,
    *,
    bound: WebhookForm | None = None,
    bound_id: str = "",
) -> dict:
    """The page's context; ``bound`` is a form sent back with errors (``bound_id``: the webhook it edits)."""
    state = selectors.page_state(connection)
    rows = []
    for webhook in state.desk_webhooks:
        form = bound if bound is not None and bound_id == webhook["id"] else None
        form = form or WebhookForm(
            initial=WebhookForm.initial_from(webhook), auto_id=f"id_w{webhook['id']}_%s"
        )
        rows.append({**webhook, "form": form})
    create_form = bound if bound is not None and not bound_id else None
    return {
        "connection": connection,
        "state": state,
        "health": selectors.health_of(connection, state.endpoint),
        "create_form": create_form or WebhookForm(initial={"is_enabled": True}, auto_id="id_new_%s"),
        "webhook_rows": rows,
        "open_edit": bound_id if bound is not None else "",
        "open_create": bound is not None and not bound_id,
        "polling_cost": services.polling_cost_per_day(),
        "poll_minutes": max(1, settings.SYNC_INTERVAL_SECONDS // 60),
        **_log_context(request, connection),
    }


@login_required
@permission_required(MANAGE, raise_exception=True)
@never_cache
@require_GET
def webhooks_page(request: HttpRequest) -> HttpResponse:
    connection = connection_for_request(request)
    if connection is None:
        return render(request, "webhooks/page.html", {"connection": None})
    return render(request, "webhooks/page.html", _page_context(request, connection))


@login_required
@permission_required(MANAGE, raise_exception=True)
@never_cache
@require_GET
def deliveries(request: HttpRequest) -> HttpResponse:
    """The delivery log alone (filters, paging, and the page's polling while deliveries are queued)."""
    connection = _connection(request)
    state = selectors.page_state(connection)
    context = {
        "connection": connection,
        "health": selectors.health_of(connection, state.endpoint),
        **_log_context(request, connection),
    }
    return render(request, "webhooks/page.html#log", context)


def _done(request: AuthedHttpRequest, message: str, level: str = "success") -> HttpResponse:
    """Back to the page (a full render for HTMX, a redirect otherwise), with a toast."""
    if not getattr(request, "htmx", False):
        from django.contrib import messages

        (messages.success if level == "success" else messages.error)(request, message)
        return redirect("webhooks:list")
    connection = _connection(request)
    response = render(request, "webhooks/page.html#main", _page_context(request, connection))
    return toast(response, message, "success" if level == "success" else "error")  # type: ignore[arg-type]


@login_required
@permission_required(MANAGE, raise_exception=True)
@require_POST
def subscribe(request: AuthedHttpRequest) -> HttpResponse:
    """Subscribe (or re-subscribe) DeskAdmin's webhook: the mirror's events, to this connection's receiver."""
    connection = _connection(request)
    try:
        result = services.subscription_ensure(connection=connection, actor=request.user)
    except services.WebhooksError as error:
        return _done(request, str(error), "error")
    words = {
        "created": "Subscribed: Desk now pushes changes to DeskAdmin.",
        "enabled": "Re-subscribed: DeskAdmin's webhook is enabled again.",
        "present": "DeskAdmin's webhook is already there and enabled.",
    }
    return _done(request, words[result.outcome])


@login_required
@permission_required(MANAGE, raise_exception=True)
@require_POST
def refresh(request: AuthedHttpRequest) -> HttpResponse:
    """Read the org's webhooks from Desk again (one call); ours deleted or disabled there are flagged."""
    connection = _connection(request)
    try:
        lost = services.webhooks_refresh(connection=connection)
    except services.WebhooksError as error:
        return _done(request, str(error), "error")
    if lost:
        return _done(
            request, "DeskAdmin's webhook was deleted or disabled on Desk: re-subscribe below.", "error"
        )
    return _done(request, "The list is what Desk has now.")


def _form_error_response(
    request: AuthedHttpRequest, connection: DeskConnection, form: WebhookForm, *, webhook_id: str = ""
) -> HttpResponse:
    context = _page_context(request, connection, bound=form, bound_id=webhook_id)
    if getattr(request, "htmx", False):
        return render(request, "webhooks/page.html#main", context)
    return render(request, "webhooks/page.html", context)


def _apply_desk_errors(form: WebhookForm, error: services.WebhooksError) -> None:
    for name, message in error.fields.items():
        form.add_error(name if name in form.fields else None, message)
    if not error.fields:
        form.add_error(None, str(error))


@login_required
@permission_required(MANAGE, raise_exception=True)
@require_POST
def create(request: AuthedHttpRequest) -> HttpResponse:
    connection = _connection(request)
    form = WebhookForm(request.POST, auto_id="id_new_%s")
    if not form.is_valid():
        return _form_error_response(request, connection, form)
    try:
        webhook = services.webhook_create(connection=connection, actor=request.user, values=form.values())
    except services.WebhooksError as error:
        _apply_desk_errors(form, error)
        return _form_error_response(request, connection, form)
    return _done(request, f"Webhook “{webhook.name}” created.")


def _known(connection: DeskConnection, webhook_id: str) -> None:
    endpoint = selectors.endpoint_of(connection)
    if endpoint is None or not any(w.get("id") == webhook_id for w in endpoint.desk_webhooks):
        raise Http404("No such webhook in Desk's list.")


@login_required
@permission_required(MANAGE, raise_exception=True)
@require_POST
def edit(request: AuthedHttpRequest, webhook_id: str) -> HttpResponse:
    connection = _connection(request)
    _known(connection, webhook_id)
    form = WebhookForm(request.POST, auto_id=f"id_w{webhook_id}_%s")
    if not form.is_valid():
        return _form_error_response(request, connection, form, webhook_id=webhook_id)
    try:
        services.webhook_update(
            connection=connection, actor=request.user, webhook_id=webhook_id, values=form.values()
        )
    except services.WebhooksError as error:
        _apply_desk_errors(form, error)
        return _form_error_response(request, connection, form, webhook_id=webhook_id)
    return _done(request, "Webhook saved.")


@login_required
@permission_required(MANAGE, raise_exception=True)
@require_POST
def toggle(request: AuthedHttpRequest, webhook_id: str) -> HttpResponse:
    connection = _connection(request)
    _known(connection, webhook_id)
    enabled = request.POST.get("enabled") == "1"
    try:
        services.webhook_set_enabled(
            connection=connection, actor=request.user, webhook_id=webhook_id, enabled=enabled
        )
    except services.WebhooksError as error:
        return _done(request, str(error), "error")
    return _done(request, "Webhook enabled." if enabled else "Webhook disabled.")


@login_required
@permission_required(MANAGE, raise_exception=True)
@require_POST
def delete(request: AuthedHttpRequest, webhook_id: str) -> HttpResponse:
    connection = _connection(request)
    _known(connection, webhook_id)
    try:
        services.webhook_delete(connection=connection, actor=request.user, webhook_id=webhook_id)
    except services.WebhooksError as error:
        return _done(request, str(error), "error")
    return _done(request, "Webhook deleted.")


@login_required
@permission_required(MANAGE, raise_exception=True)
@require_POST
def replay(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    connection = _connection(request)
    delivery = selectors.delivery_for(connection, pk)
    if delivery is None or delivery.status == Delivery.Status.REJECTED:
        raise Http404("No such delivery.")
    services.delivery_replay(delivery=delivery, actor=request.user)
    if not getattr(request, "htmx", False):
        return redirect(reverse("webhooks:list") + "#log")
    context = {
        "connection": connection,
        "health": selectors.health_of(connection, selectors.endpoint_of(connection)),
        **_log_context(request, connection),
    }
    return toast(render(request, "webhooks/page.html#log", context), f"Delivery {pk} replayed.")
