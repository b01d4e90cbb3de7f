"""Desk client: error mapping, 401 refresh, 429 waits, 5xx and network retries."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from apps.desk.errors import (
    DeskAuthError,
    DeskDuplicate,
    DeskError,
    DeskNetworkError,
    DeskNotFound,
    DeskScopeError,
    DeskServerError,
    DeskValidationError,
    RateLimited,
)

from .conftest import desk_error


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (401, "INVALID_OAUTH", DeskAuthError),
        (403, "SCOPE_MISMATCH", DeskScopeError),
        (403, "FORBIDDEN", DeskScopeError),
        (404, "URL_NOT_FOUND", DeskNotFound),
        (404, "RESOURCE_NOT_FOUND", DeskNotFound),
        (422, "INVALID_DATA", DeskValidationError),
        (422, "UNPROCESSABLE_ENTITY", DeskValidationError),
        (400, "REQUIRED_FIELD_MISSING", DeskValidationError),
        (409, "DUPLICATE_RECORD", DeskDuplicate),
        (400, "DUPLICATE_DATA", DeskDuplicate),
        (429, "TOO_MANY_REQUESTS", RateLimited),
        (500, "INTERNAL_SERVER_ERROR", DeskServerError),
        (503, None, DeskServerError),
    ],
)
def test_each_status_and_error_code_raises_its_desk_error(make_client, status, code, expected):
    client = make_client(lambda request: desk_error(status, code, "Desk says no"))

    with pytest.raises(expected) as caught:
        client.ticket_get("1")

    assert caught.value.status == status
    assert caught.value.error_code == code
    assert caught.value.message == "Desk says no"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (400, DeskValidationError),
        (403, DeskScopeError),
        (404, DeskNotFound),
        (409, DeskDuplicate),
        (418, DeskError),
    ],
)
def test_unknown_error_code_is_mapped_by_status(make_client, status, expected):
    client = make_client(lambda request: desk_error(status, "SOMETHING_NEW"))

    with pytest.raises(expected):
        client.ticket_get("1")


def test_error_without_json_body_still_maps_by_status(make_client):
    client = make_client(lambda request: httpx.Response(404, text="<html>not found</html>"))

    with pytest.raises(DeskNotFound):
        client.contact_get("9")


def test_validation_error_names_snake_case_fields_from_desk_errors_list(make_client):
    def handler(request):
        return desk_error(
            422,
            "INVALID_DATA",
            "An invalid value was given",
            errors=[
                {
                    "fieldName": "/departmentId",
                    "errorType": "missing",
                    "errorMessage": "Department is required",
                },
                {"fieldName": "/contact/lastName", "errorType": "invalid"},
            ],
        )

    client = make_client(handler)

    with pytest.raises(DeskValidationError) as caught:
        client.ticket_create(subject="Broken", department_id="")

    assert caught.value.fields == {
        "department_id": "Department is required",
        "contact.last_name": "Enter a valid value.",
    }


def test_validation_error_reads_the_seed_details_object(make_client):
    def handler(request):
        return desk_error(
            400,
            "INVALID_DATA",
            "The input given for the field 'status' is invalid",
            details={"field": "status", "expectedValues": ["Open", "Closed"]},
        )

    client = make_client(handler)

    with pytest.raises(DeskValidationError) as caught:
        client.ticket_set_status("1", status="Nope")

    assert set(caught.value.fields) == {"status"}
    assert "Open, Closed" in caught.value.fields["status"]


def test_expired_token_is_refreshed_once_and_the_call_retried(make_client, tokens):
    seen = []

    def handler(request):
        seen.append(request.headers["Authorization"])
        if request.headers["Authorization"] == "Zoho-oauthtoken 1000.first-token":
            return desk_error(401, "INVALID_OAUTH", "The OAuth token is invalid")
        return httpx.Response(200, json={"id": "5", "subject": "Hello"})

    ticket = make_client(handler).ticket_get("5")

    assert ticket.subject == "Hello"
    assert tokens.refreshes == ["1000.first-token"]
    assert seen == ["Zoho-oauthtoken 1000.first-token", "Zoho-oauthtoken 1000.fresh-token-1"]


def test_a_second_401_after_the_refresh_raises_auth_error_without_refreshing_again(make_client, tokens):
    calls = []

    def handler(request):
        calls.append(request)
        return desk_error(401, "INVALID_OAUTH")

    with pytest.raises(DeskAuthError):
        make_client(handler).ticket_get("5")

    assert len(tokens.refreshes) == 1
    assert len(calls) == 2


def test_429_waits_until_the_announced_reset_then_retries(make_client, clock):
    reset = int(clock.now) + 7
    answers = [
        httpx.Response(
            429,
            json={"errorCode": "TOO_MANY_REQUESTS", "message": "slow down"},
            headers={
                "X-RateLimit-Limit": "10",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": str(reset),
            },
        ),
        httpx.Response(200, json={"id": "5"}),
    ]

    ticket = make_client(lambda request: answers.pop(0)).ticket_get("5")

    assert ticket.id == "5"
    assert clock.now >= reset
    assert clock.sleeps[-1] == pytest.approx(7, abs=0.01)


def test_429_honours_retry_after_even_for_a_create(make_client, clock):
    answers = [
        httpx.Response(429, json={"errorCode": "TOO_MANY_REQUESTS"}, headers={"Retry-After": "3"}),
        httpx.Response(200, json={"id": "77", "subject": "New"}),
    ]

    ticket = make_client(lambda request: answers.pop(0)).ticket_create(subject="New", department_id="1")

    assert ticket.id == "77"
    assert clock.sleeps == [pytest.approx(3)]


def test_429_with_a_reset_beyond_the_cap_raises_rate_limited_with_retry_time(make_client, clock, settings):
    settings.DESK_MAX_WAIT_INTERACTIVE = 10
    reset = int(clock.now) + 45
    calls = []

    def handler(request):
        calls.append(request)
        return httpx.Response(
            429,
            json={"errorCode": "TOO_MANY_REQUESTS", "message": "limit"},
            headers={
                "X-RateLimit-Limit": "10",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": str(reset),
            },
        )

    with pytest.raises(RateLimited) as caught:
        make_client(handler).ticket_get("5")

    assert len(calls) == 1
    assert clock.sleeps == []
    assert caught.value.retry_at == datetime.fromtimestamp(reset, tz=UTC)
    assert caught.value.retry_after == pytest.approx(45)


def test_server_errors_on_a_get_are_retried_with_growing_backoff(make_client, clock):
    answers = [desk_error(500, "INTERNAL_SERVER_ERROR"), desk_error(503, None), desk_error(502, None)]
    answers.append(httpx.Response(200, json={"id": "5"}))

    ticket = make_client(lambda request: answers.pop(0)).ticket_get("5")

    assert ticket.id == "5"
    assert len(clock.sleeps) == 3
    # Equal jitter: each wait lies in [d/2, d] for d = 0.5, 1, 2 seconds.
    for sleep, ceiling in zip(clock.sleeps, (0.5, 1.0, 2.0), strict=True):
        assert ceiling / 2 <= sleep <= ceiling


def test_server_errors_are_retried_only_up_to_max_attempts(make_client, settings):
    settings.DESK_MAX_ATTEMPTS = 3
    calls = []

    def handler(request):
        calls.append(request)
        return desk_error(500, "INTERNAL_SERVER_ERROR")

    with pytest.raises(DeskServerError):
        make_client(handler).tickets_count()

    assert len(calls) == 3


def test_a_create_is_not_retried_after_a_server_error(make_client):
    calls = []

    def handler(request):
        calls.append(request)
        return desk_error(500, "INTERNAL_SERVER_ERROR")

    with pytest.raises(DeskServerError):
        make_client(handler).comment_create("1", content="hi")

    assert len(calls) == 1


def test_a_create_is_not_retried_after_a_read_timeout(make_client):
    calls = []

    def handler(request):
        calls.append(request)
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(DeskNetworkError):
        make_client(handler).ticket_create(subject="Once only", department_id="1")

    assert len(calls) == 1


def test_a_create_is_retried_after_a_connect_error(make_client):
    calls = []

    def handler(request):
        calls.append(request)
        if len(calls) == 1:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json={"id": "9", "subject": "Once only"})

    ticket = make_client(handler).ticket_create(subject="Once only", department_id="1")

    assert ticket.id == "9"
    assert len(calls) == 2


def test_a_get_is_retried_after_a_read_timeout(make_client):
    calls = []

    def handler(request):
        calls.append(request)
        if len(calls) < 3:
            raise httpx.ReadTimeout("timed out", request=request)
        return httpx.Response(200, json={"id": "5"})

    assert make_client(handler).ticket_get("5").id == "5"
    assert len(calls) == 3


def test_a_patch_of_plain_fields_is_retried_after_a_read_timeout(make_client):
    calls = []

    def handler(request):
        calls.append(request)
        if len(calls) == 1:
            raise httpx.ReadTimeout("timed out", request=request)
        return httpx.Response(200, json={"id": "5", "priority": "High"})

    assert make_client(handler).ticket_update("5", priority="High").priority == "High"
    assert len(calls) == 2


def test_network_failure_after_all_attempts_raises_network_error(make_client, settings):
    settings.DESK_MAX_ATTEMPTS = 2

    def handler(request):
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(DeskNetworkError) as caught:
        make_client(handler).myinfo()

    assert caught.value.status is None


def test_backoff_waits_do_not_hold_a_concurrency_slot(make_client, clock):
    in_flight_while_sleeping = []
    answers = [desk_error(503, None), httpx.Response(200, json={"id": "5"})]
    client = make_client(lambda request: answers.pop(0))
    real_sleep = clock.sleep

    def sleep(seconds):
        in_flight_while_sleeping.append(client.http.budget.in_flight())
        real_sleep(seconds)

    client.http.sleep = sleep
    client.ticket_get("5")

    assert in_flight_while_sleeping == [0]
