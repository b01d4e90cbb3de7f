"""One structured line and two metrics per request, under a request id (``X-Request-ID`` in and out)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from apps.ops import context, metrics

logger = logging.getLogger("deskadmin.request")

# Requests no URL pattern matched (404s of scanners) share one label, so they cannot blow up the series.
UNMATCHED = "<unmatched>"
STATIC_PREFIX = "/" + settings.STATIC_URL.lstrip("/")


class RequestLogMiddleware:
    """First in MIDDLEWARE: times the whole response, including redirects made by later middleware.

    The line names the *route pattern* and the view, never the path or the query string: paths carry the
    webhook receiver's secret token and the OAuth callback's grant code.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = context.request_id_from_header(request.headers.get("X-Request-ID"))
        token = context.bind(request_id)
        started = time.monotonic()
        response: HttpResponse | None = None
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            return response
        finally:
            duration = time.monotonic() - started
            status = response.status_code if response is not None else 500
            match = getattr(request, "resolver_match", None)
            view = (match.view_name or UNMATCHED) if match is not None else UNMATCHED
            if match is None and request.path.startswith(STATIC_PREFIX):
                view = "static"  # served by WhiteNoise before any URL is resolved
            route = (match.route or "") if match is not None else ""
            try:
                metrics.HTTP_REQUESTS.labels(
                    view=view, method=request.method or "-", status=str(status)
                ).inc()
                metrics.HTTP_LATENCY.labels(view=view, method=request.method or "-").observe(duration)
            except Exception:
                logger.debug("request metric dropped", exc_info=True)
            user = getattr(request, "user", None)
            fields = {
                "method": request.method,
                "route": "/" + route if route else "-",
                "view": view,
                "status": status,
                "duration_ms": int(duration * 1000),
                "user_id": user.pk if user is not None and user.is_authenticated else None,
                "htmx": request.headers.get("HX-Request") == "true",
            }
            level = logging.ERROR if status >= 500 else logging.INFO
            logger.log(
                level,
                "request method=%(method)s route=%(route)s view=%(view)s status=%(status)s "
                "duration_ms=%(duration_ms)s user=%(user_id)s",
                fields,
                extra={"http_request": fields},
            )
            context.unbind(token)
