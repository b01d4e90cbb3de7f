"""The receiver's token is a secret in a path: one real delivery (Desk → sandbox sender → live server → task),
then every log it touched is grepped for the token — the console's records and what its handlers wrote,
gunicorn's access and error lines as deskadmin/gunicorn_conf.py configures them, the metrics, the audit log."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

import pytest
from django.urls import reverse

from apps.core.models import AuditEntry
from apps.ops import metrics
from apps.tickets.models import Ticket

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)


def _gunicorn_lines(path: str) -> None:
    """What gunicorn writes for a request to ``path`` (access line) and for a request that failed (error log)."""
    from gunicorn.config import Config

    from deskadmin import gunicorn_conf

    config = Config()
    for name in ("accesslog", "access_log_format", "logger_class"):
        config.set(name, getattr(gunicorn_conf, name))
    logger = config.logger_class(config)
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": path,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
    }
    response = SimpleNamespace(status="200 OK", sent=0, headers=[])
    logger.access(response, SimpleNamespace(headers=[]), environ, dt.timedelta(milliseconds=5))
    logger.error("Error handling request %s", path)
    for handler in [*logger.access_log.handlers, *logger.error_log.handlers]:
        handler.flush()


def test_a_delivery_leaves_the_receiver_token_in_no_log(world, caplog, capfd):
    caplog.set_level("DEBUG")
    secret = world.endpoint.token
    assert reverse("webhooks:receive", args=[secret]) == f"/webhooks/in/{secret}/"
    ticket = Ticket.objects.filter(connection=world.connection).order_by("desk_id").first()
    with world.sandbox_client() as desk:
        assert desk.patch(f"/tickets/{ticket.desk_id}", json={"subject": "Logged?"}).status_code == 200
    [delivery] = world.deliveries()
    assert delivery.status == "done"  # it went all the way: sender, receiver, task
    _gunicorn_lines(world.receiver_path)

    out, err = capfd.readouterr()
    logs = {
        "console log records": caplog.text,
        "stdout/stderr (gunicorn and the console's handlers)": out + err,
        "metrics": metrics.exposition()[0].decode(),
        "audit log": "\n".join(f"{e.message} {json.dumps(e.detail)}" for e in AuditEntry.objects.all()),
    }
    assert "/webhooks/in/<token>/" in out  # gunicorn's access line names the route
    assert "webhooks:receive" in logs["metrics"]
    for name, text in logs.items():
        assert secret not in text, f"{name} holds the receiver's token"
