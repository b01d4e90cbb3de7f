"""The metrics endpoint (token-protected) and the sign-in page's first-run state."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.core.forms import LoginForm
from apps.ops import metrics
from apps.ops.selectors import nobody_can_sign_in

_login = auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True)


def login(request: HttpRequest) -> HttpResponseBase:
    """Django's sign-in page; before anyone can sign in, a page that says how to create the first admin."""
    if not request.user.is_authenticated and nobody_can_sign_in():
        return render(request, "ops/first_run.html", {"production": settings.PRODUCTION})
    return _login(request)


@never_cache
@require_GET
def prometheus_metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text format, for ``Authorization: Bearer <OPS_METRICS_TOKEN>`` only.

    Without a token configured the endpoint does not exist (404), so it is never open by accident.
    """
    expected = settings.OPS_METRICS_TOKEN
    if not expected:
        raise Http404
    header = request.headers.get("Authorization", "")
    given = header[7:] if header[:7].lower() == "bearer " else ""
    if not hmac.compare_digest(given.encode(), expected.encode()):
        response = HttpResponse("A valid bearer token is required.\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    body, content_type = metrics.exposition()
    return HttpResponse(body, content_type=content_type)
