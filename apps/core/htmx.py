"""Helpers for HTMX views: the signed-in request's type, and toasts (role=status) and alerts (role=alert)
through HX-Trigger."""

import json
from typing import Literal

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django_htmx.middleware import HtmxDetails

Level = Literal["success", "info", "warning", "error"]


class AuthedHttpRequest(HttpRequest):
    """What a view behind ``login_required`` receives: a signed-in user and django-htmx's details.

    Only a type for annotations (django-htmx's documented pattern): ``request.user`` is a real User there.
    """

    user: User  # type: ignore[assignment]
    htmx: HtmxDetails


def _add_trigger(response: HttpResponse, name: str, payload: dict[str, str]) -> HttpResponse:
    triggers = json.loads(response.headers.get("HX-Trigger", "{}") or "{}")
    triggers[name] = payload
    response.headers["HX-Trigger"] = json.dumps(triggers)
    return response


def toast(response: HttpResponse, message: str, level: Level = "success") -> HttpResponse:
    """A short, polite notice in the toast region (announced by screen readers, then fades)."""
    return _add_trigger(response, "toast", {"message": message, "level": level})


def alert(response: HttpResponse, message: str) -> HttpResponse:
    """An assertive message in the alert region; it stays until dismissed."""
    return _add_trigger(response, "alert", {"message": message, "level": "error"})
