"""The request id: set per request (or taken from the proxy's ``X-Request-ID``), carried into tasks.

A task queued while a request is served remembers that request's id (in the cache, keyed by the task's id,
for a day); the worker that runs it binds the same id, so the request's line and the task's lines share it.
Outside a request or task the id is ``-``.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid
from typing import Any

from django.core.cache import cache

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("deskadmin_request_id", default="-")
_task_tokens: dict[str, contextvars.Token[str]] = {}

# A proxy's id is kept only when it looks like one (letters, digits, dashes; no room for a secret or a log break).
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_TASK_KEY = "ops:task-request-id:{}"
_TASK_KEY_SECONDS = 24 * 3600


def new_request_id() -> str:
    return uuid.uuid4().hex


def request_id_from_header(value: str | None) -> str:
    """The proxy's id when sane, else a fresh one."""
    return value if value and _SANE_ID.match(value) else new_request_id()


def current_request_id() -> str:
    return _request_id.get()


def bind(request_id: str) -> contextvars.Token[str]:
    return _request_id.set(request_id)


def unbind(token: contextvars.Token[str]) -> None:
    _request_id.reset(token)


def _on_task_enqueued(sender: Any, task_result: Any, **kwargs: Any) -> None:
    request_id = current_request_id()
    if request_id != "-":
        try:
            cache.set(_TASK_KEY.format(task_result.id), request_id, _TASK_KEY_SECONDS)
        except Exception:  # a cache outage must not stop a task from being queued
            logging.getLogger(__name__).debug("request id not kept for task %s", task_result.id)


def _on_task_started(sender: Any, task_result: Any, **kwargs: Any) -> None:
    try:
        request_id = cache.get(_TASK_KEY.format(task_result.id))
    except Exception:
        request_id = None
    # A task queued outside a request (the scheduler's tick) gets an id of its own: "task-<id>".
    _task_tokens[str(task_result.id)] = bind(request_id or f"task-{task_result.id}")


def _on_task_finished(sender: Any, task_result: Any, **kwargs: Any) -> None:
    token = _task_tokens.pop(str(task_result.id), None)
    if token is not None:
        try:
            unbind(token)
        except ValueError:  # finished in another context than it started: just clear it
            _request_id.set("-")


def connect_task_signals() -> None:
    from django.tasks.signals import task_enqueued, task_finished, task_started

    task_enqueued.connect(_on_task_enqueued, dispatch_uid="ops-request-id-enqueued")
    task_started.connect(_on_task_started, dispatch_uid="ops-request-id-started")
    task_finished.connect(_on_task_finished, dispatch_uid="ops-request-id-finished")
