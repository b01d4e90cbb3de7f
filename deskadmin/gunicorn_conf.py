"""Gunicorn settings for scripts/serve.sh and the Dockerfile (``gunicorn -c deskadmin/gunicorn_conf.py``).

The access log never carries a secret: its request line is the path without the query string (``%(U)s``,
not ``%(r)s``), and no referer, so an OAuth callback's ``?code=``, the revoke's ``?token=`` (Zoho documents
only the query form of it) or any other secret in a URL is never written. The one secret that lives in a
path, the webhook receiver's token (``/webhooks/in/<token>/``), is replaced by its route pattern in every line
gunicorn writes (access and error log) by ``RedactingLogger``. The application's own log lines are scrubbed
by apps.ops.logs.

This file is read by gunicorn before Django is set up, so it imports nothing of the project; a test checks
that ``RECEIVER_PATH`` still matches the receiver's URL.
"""

from __future__ import annotations

import logging
import re

from gunicorn.glogging import Logger

accesslog = "-"
access_log_format = '%(h)s - %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'

# The webhook receiver's path (apps/webhooks/urls.py, mounted at /webhooks/): its last segment is the secret.
RECEIVER_PATH = re.compile(r"(/webhooks/in/)[^/\s?#\"'<>()]+")
RECEIVER_ROUTE = r"\1<token>"


def redact_paths(text: str) -> str:
    """``/webhooks/in/<secret>/`` → ``/webhooks/in/<token>/``, wherever it is in the text."""
    return RECEIVER_PATH.sub(RECEIVER_ROUTE, text)


class RedactPaths(logging.Filter):
    """Rewrites a record whose text holds the receiver's path (gunicorn formats its lines from ``args``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_paths(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


class RedactingLogger(Logger):
    """gunicorn's logger, with the receiver's token taken out of the access line and the error log (which
    names the request's URI when a request fails)."""

    def setup(self, cfg):  # type: ignore[no-untyped-def]
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, RedactPaths) for f in log.filters):
                log.addFilter(RedactPaths())


logger_class = RedactingLogger
