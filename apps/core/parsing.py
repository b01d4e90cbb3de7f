"""Numbers from requests, parsed one strict way: ASCII digits only, within bounds, never an exception.

``str.isdigit()`` is true for "²", "①" or "٣", and ``int()`` then raises (or, for other scripts, accepts
them): every number a console or sandbox view reads from a query string, a form or a path goes through
here instead, so bad input is a field error or a default, never a 500.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.http import url_has_allowed_host_and_scheme

# Ids and numbers never need more (Desk ids are 19 digits at most, fitting a signed 64-bit integer).
MAX_DIGITS = 19
_ASCII_DIGITS = frozenset("0123456789")


def is_ascii_digits(value: object, *, max_length: int = MAX_DIGITS) -> bool:
    """True for a non-empty string of ASCII digits ``0``–``9`` of at most ``max_length`` characters."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= max_length
        and all(char in _ASCII_DIGITS for char in value)
    )


def parse_int(
    value: object,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    default: int | None = None,
    signed: bool = False,
) -> int | None:
    """``value`` as an int if it is ASCII digits (a leading ``-`` when ``signed``) within
    ``minimum``..``maximum``; ``default`` otherwise (None, a bool, "", "²", "1e3", " 7", "99…9")."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str):
        digits = value[1:] if signed and value.startswith("-") else value
        if not is_ascii_digits(digits):
            return default
        number = int(value)
    else:
        return default
    if minimum is not None and number < minimum:
        return default
    if maximum is not None and number > maximum:
        return default
    return number


def parse_id(value: object, *, max_length: int = MAX_DIGITS) -> str | None:
    """A numeric id kept as text (Desk ids, primary keys from a form): ASCII digits, else None."""
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    return text if isinstance(text, str) and is_ascii_digits(text, max_length=max_length) else None


def safe_next_url(request: HttpRequest, value: object, *, fallback: str) -> str:
    """A ``next`` target from a request: a path on this site (``/…``) that
    ``url_has_allowed_host_and_scheme`` accepts, else ``fallback``. Never handed to ``redirect()`` as a
    view name ("tickets" would be looked up as one and fail): redirect with ``HttpResponseRedirect``."""
    if (
        isinstance(value, str)
        and value.startswith("/")
        and url_has_allowed_host_and_scheme(
            value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return value
    return fallback


class RejectNulBytesMiddleware:
    """A NUL character in a query string or a form field is refused with 400 before any view sees it.

    PostgreSQL text cannot hold one, so a NUL that reaches a query (a search box, a filter) raises there: a
    500 on PostgreSQL that SQLite never shows. No legitimate input carries one. The sandbox's Desk API and
    Accounts (under /sandbox/) answer for themselves, as Desk does.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/sandbox/") and _has_nul(request):
            return HttpResponseBadRequest(
                "A NUL character is not allowed in a request.", content_type="text/plain"
            )
        return self.get_response(request)


def _has_nul(request: HttpRequest) -> bool:
    sources = [request.GET]
    # Urlencoded forms only: their body stays readable after parsing; a multipart body would be consumed
    # here (the webhook receiver reads its raw body), and Django's form fields refuse a NUL there anyway.
    if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
        sources.append(request.POST)
    return any(
        "\x00" in key or any("\x00" in value for value in values)
        for source in sources
        for key, values in source.lists()
    )
