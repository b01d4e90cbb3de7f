"""Credits as Desk charged them: an httpx transport that adds up each answer's v3 weight header.

Used by the sync's tests and benchmark to count what a walk really cost (not an estimate); cheap enough
to wrap any client's transport (``DeskClient(transport=CreditMeter())``, or ``transports_for_tests("desk",
meter)``). It lives in ``apps.desk`` because it is an httpx transport: nothing outside ``apps.desk``
imports httpx.
"""

from __future__ import annotations

import httpx

from apps.desk.budget import WEIGHT_HEADER


class CreditMeter(httpx.BaseTransport):
    """Wraps a transport; ``credits`` is the sum of ``X-Rate-Limit-Request-Weight-v3`` over its answers."""

    def __init__(self, inner: httpx.BaseTransport | None = None) -> None:
        self.inner = inner or httpx.HTTPTransport()
        self.calls = 0
        self.credits = 0
        self.unweighted = 0  # answers without the header (a server that does not send it)
        self.by_path: dict[str, int] = {}  # credits per request path

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        self.calls += 1
        weight = response.headers.get(WEIGHT_HEADER)
        if weight is None or not weight.strip().isdigit():
            self.unweighted += 1
        else:
            self.credits += int(weight)
            path = request.url.path
            self.by_path[path] = self.by_path.get(path, 0) + int(weight)
        return response

    def credits_for(self, suffix: str) -> int:
        """Credits of the calls whose path ends with ``suffix`` (e.g. ``/tickets/search``)."""
        return sum(credits for path, credits in self.by_path.items() if path.endswith(suffix))

    def reset(self) -> None:
        self.calls = self.credits = self.unweighted = 0
        self.by_path = {}

    def close(self) -> None:
        self.inner.close()
