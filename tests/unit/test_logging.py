"""Structured logs: one line per request and per Desk call, with the request id (also in the tasks a request
queues), JSON in production and text in the embedded profile, and never a token, grant code or secret."""

from __future__ import annotations

import io
import json
import logging
import re
import uuid
from types import SimpleNamespace

import httpx
import pytest
from django.urls import reverse

from apps.desk.client import DeskClient
from apps.ops import context
from apps.ops.logs import JsonFormatter, RequestIdFilter, TextFormatter, scrub

ZOHO_TOKEN = "1000.0f1e2d3c4b5a69788796a5b4c3d2e1f0.a1b2c3d4e5f60718293a4b5c6d7e8f90"
SECRET_SHAPED = re.compile(
    r"1000\.[0-9a-f]{16,}|Zoho-oauthtoken \w|Bearer \w|client_secret=\w|code=\w|refresh_token=\w|eyJ\w{5,}\."
)


@pytest.fixture
def lines():
    """Every record of the console's loggers, formatted as production would (JSON), one string each."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    loggers = [
        logging.getLogger(name) for name in ("deskadmin.request", "apps.desk", "django.tasks", "probe")
    ]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)

    def read() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]

    yield read
    for logger, level in zip(loggers, levels, strict=True):
        logger.removeHandler(handler)
        logger.setLevel(level)


@pytest.mark.parametrize(
    "text",
    [
        f"Authorization: Zoho-oauthtoken {ZOHO_TOKEN}",
        "headers={'Authorization': 'Bearer abc.def.ghi'}",
        "POST /oauth/v2/token?refresh_token=1000.abc&client_secret=s3cr3t&code=1000.grant",
        '{"access_token": "1000.xyz", "client_secret": "hush", "password": "pw"}',
        "X-ZDesk-JWT eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJlLWJ5dGVz",
        f"token refresh failed: {ZOHO_TOKEN} rejected",
    ],
)
def test_scrub_leaves_nothing_secret_shaped(text):
    cleaned = scrub(text)
    assert "[redacted]" in cleaned
    assert not SECRET_SHAPED.search(cleaned), cleaned
    assert "hush" not in cleaned and "s3cr3t" not in cleaned


def test_scrub_replaces_the_webhook_receivers_token_with_its_route():
    line = "Internal Server Error: /webhooks/in/Uro_Ganz-vZs0SkS/ (GET /webhooks/in/Uro_Ganz-vZs0SkS)"
    assert scrub(line) == "Internal Server Error: /webhooks/in/<token>/ (GET /webhooks/in/<token>)"


def test_scrub_keeps_ordinary_words():
    line = "desk_call org=700001 method=GET path=/tickets/{ticket_id} status=200 error_code=INVALID_DATA"
    assert scrub(line) == line


def test_json_and_text_formats_carry_the_request_id_and_scrub_the_message():
    record = logging.makeLogRecord(
        {
            "name": "probe",
            "levelno": logging.WARNING,
            "levelname": "WARNING",
            "msg": "refused %s",
            "args": (ZOHO_TOKEN,),
        }
    )
    token = context.bind("req-1234567890")
    try:
        RequestIdFilter().filter(record)
        payload = json.loads(JsonFormatter().format(record))
        text = TextFormatter().format(record)
    finally:
        context.unbind(token)
    assert payload["request_id"] == "req-1234567890" and payload["level"] == "WARNING"
    assert payload["msg"] == "refused [redacted]"
    assert "[req-1234567890] probe refused [redacted]" in text


@pytest.mark.django_db
def test_one_line_per_request_names_the_route_never_the_path(client, lines):
    secret_path = reverse("webhooks:receive", args=["whk_" + uuid.uuid4().hex])
    client.post(secret_path + "?code=1000.grantcode", data="{}", content_type="application/json")
    answer = client.get(reverse("healthz"), HTTP_X_REQUEST_ID="proxy-id-0001")
    bad = client.get(reverse("healthz"), HTTP_X_REQUEST_ID="bad id\nforged line")

    requests = [line for line in lines() if line.get("event") == "http_request"]
    assert len(requests) == 3
    webhook, health, forged = requests
    assert webhook["route"] == "/webhooks/in/<str:token>/" and webhook["view"] == "webhooks:receive"
    assert "whk_" not in json.dumps(webhook) and "grantcode" not in json.dumps(webhook)
    assert health["view"] == "healthz" and health["status"] == 200 and health["method"] == "GET"
    assert health["request_id"] == "proxy-id-0001" == answer["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", forged["request_id"]) and forged["request_id"] == bad["X-Request-ID"]
    assert webhook["request_id"] not in {health["request_id"], forged["request_id"]}


def test_one_line_per_desk_call_without_the_token(lines):
    class Tokens:
        def access_token(self) -> str:
            return ZOHO_TOKEN

        def refresh_access_token(self, *, rejected: str) -> str:
            return ZOHO_TOKEN

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == f"Zoho-oauthtoken {ZOHO_TOKEN}"
        return httpx.Response(200, json={"id": "42"}, headers={"X-Rate-Limit-Request-Weight-v3": "1"})

    client = DeskClient(
        api_base_url="https://desk.zoho.com/api/v1",
        org_id="700001",
        token_provider=Tokens(),
        transport=httpx.MockTransport(handler),
    )
    token = context.bind("req-desk-000001")
    try:
        client.ticket_get("42")
    finally:
        context.unbind(token)
    calls = [line for line in lines() if line.get("event") == "desk_call"]
    assert len(calls) == 1
    call = calls[0]
    assert call["request_id"] == "req-desk-000001"
    assert (call["org"], call["method"], call["path"], call["status"]) == (
        "700001",
        "GET",
        "/tickets/{ticket_id}",
        200,
    )
    assert call["credits"] == 1 and isinstance(call["duration_ms"], int)
    assert not SECRET_SHAPED.search(json.dumps(call)) and "42" not in call["path"]


def test_the_request_id_is_carried_into_the_tasks_the_request_queues():
    from django.tasks.signals import task_started as started_signal

    assert any("ops-request-id-started" in str(receiver[0]) for receiver in started_signal.receivers)
    # The receivers apps.ops connects to django.tasks' task_enqueued / task_started / task_finished signals.
    task_enqueued, task_started, task_finished = (
        context._on_task_enqueued,
        context._on_task_started,
        context._on_task_finished,
    )
    queued = SimpleNamespace(id="task-" + uuid.uuid4().hex[:8])
    token = context.bind("req-queued-0001")
    try:
        task_enqueued(sender=object, task_result=queued)
    finally:
        context.unbind(token)
    assert context.current_request_id() == "-"
    # The worker (another process in production: the id goes through the shared cache).
    task_started(sender=object, task_result=queued)
    assert context.current_request_id() == "req-queued-0001"
    task_finished(sender=object, task_result=queued)
    assert context.current_request_id() == "-"
    # A task queued outside a request (the scheduler's tick) is named by its own id.
    alone = SimpleNamespace(id="tick-" + uuid.uuid4().hex[:8])
    task_started(sender=object, task_result=alone)
    assert context.current_request_id() == f"task-{alone.id}"
    task_finished(sender=object, task_result=alone)
