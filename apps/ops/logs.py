"""Log formatting: one JSON object a line in production, a readable line in the embedded profile.

Every record gets the current request id (``apps.ops.context``). Whatever a record carries, the final text
goes through ``scrub``: OAuth tokens (``Zoho-oauthtoken``/``Bearer`` values, Zoho's ``1000.…`` tokens), grant
codes, secrets in query strings or in ``key=value``/JSON form are replaced with ``[redacted]``, and the webhook
receiver's path ``/webhooks/in/<secret>/`` becomes its route ``/webhooks/in/<token>/``, before the line is
written. Lines are built from route patterns and ids, never from request bodies, so this is the last net,
not the only one.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

from apps.ops.context import current_request_id

REDACTED = "[redacted]"

_SECRET_NAMES = (
    r"access_token|refresh_token|id_token|token|code|code_verifier|client_secret|secret|password|"
    r"authorization|api_key|apikey|signature|jwt"
)
_PATTERNS = (
    # Authorization header values.
    re.compile(r"(?i)\b(Zoho-oauthtoken|Bearer|Basic)\s+[^\s\"',;]+"),
    # Zoho's OAuth tokens and grant codes: 1000.<hex>.<hex>
    re.compile(r"\b1000\.[0-9a-fA-F]{16,}\.[0-9a-fA-F]{16,}\b"),
    # A JWT (three base64url parts; X-ZDesk-JWT values).
    re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}"),
)
# name=value (query strings, key=value lines) and "name": "value" (JSON, dict reprs).
_NAMED = re.compile(rf"(?i)\b({_SECRET_NAMES})(=)[^&\s\"',;]+")
_QUOTED = re.compile(rf"(?i)([\"']({_SECRET_NAMES})[\"']\s*:\s*)([\"'])[^\"']*\3")
# The webhook receiver's secret is a path segment (deskadmin/gunicorn_conf.py redacts gunicorn's lines alike).
_RECEIVER_PATH = re.compile(r"(/webhooks/in/)[^/\s?#\"'<>()]+")


def scrub(text: str) -> str:
    """The text with every secret-shaped part replaced by ``[redacted]``."""
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) + " " if m.lastindex else "") + REDACTED, text)
    text = _NAMED.sub(lambda m: f"{m.group(1)}={REDACTED}", text)
    text = _RECEIVER_PATH.sub(r"\1<token>", text)
    return _QUOTED.sub(lambda m: f"{m.group(1)}{m.group(3)}{REDACTED}{m.group(3)}", text)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record (``-`` outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True


# The structured payloads some lines carry (``extra={"desk_call": {...}}``): flattened into the JSON object.
EVENT_FIELDS = ("desk_call", "http_request")
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id", "taskName"}


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "msg", "request_id", "event", ...fields}`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current_request_id(),
        }
        for event in EVENT_FIELDS:
            fields = getattr(record, event, None)
            if isinstance(fields, dict):
                payload["event"] = event
                payload.update({key: value for key, value in fields.items() if key not in payload})
        for key, value in vars(record).items():
            plain = isinstance(value, str | int | float | bool) or value is None
            if plain and key not in _STANDARD and key not in EVENT_FIELDS and key not in payload:
                payload[key] = value
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            payload["stack"] = self.formatStack(record.stack_info)
        return scrub(json.dumps(payload, default=str, ensure_ascii=False))


class TextFormatter(logging.Formatter):
    """``2026-12-01 06:00:00,000 INFO [request id] logger message``, scrubbed."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s [%(request_id)s] %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return scrub(super().format(record))
