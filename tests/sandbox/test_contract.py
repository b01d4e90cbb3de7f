"""The Desk API contract over real HTTP: auth, orgId, scopes, params, 204, errors, concurrency, faults, log.

API credits and their headers are tested in test_credits.py; the reference document's per-minute model
(SANDBOX_RATE_MODEL=reference) keeps two tests here."""

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
import pytest
from django.utils import timezone

from apps.sandbox.contract import scope_satisfied
from apps.sandbox.models import AccessToken, Org, RateWindow, RequestLog
from tests.sandbox.conftest import PROBE, PROBE_URLCONF

pytestmark = [
    pytest.mark.django_db(databases=["default", "sandbox"], transaction=True),
    pytest.mark.urls(PROBE_URLCONF),
]

WEIGHT = "X-Rate-Limit-Request-Weight-v3"
REMAINING = "X-Rate-Limit-Remaining-v3"
REFERENCE_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


def _assert_rate_headers(response, *, org_known=True):
    """The v3 headers: this call's credits always, credits left when the caller may act in the org."""
    assert response.headers.get(WEIGHT, "").isdigit(), f"{WEIGHT} missing on {response.status_code}"
    if org_known:
        assert response.headers.get(REMAINING, "").isdigit(), f"{REMAINING} missing on {response.status_code}"
    assert not any(name in response.headers for name in REFERENCE_HEADERS)


def _set(org: Org, **fields):
    Org.objects.filter(pk=org.pk).update(**fields)


# --- authentication and org ------------------------------------------------------------------------


def test_missing_token_is_401_invalid_oauth_costing_nothing(http, acme):
    response = http.get(f"{PROBE}/tickets", headers={"orgId": str(acme.pk)})

    assert response.status_code == 401
    assert response.json() == {
        "errorCode": "INVALID_OAUTH",
        "message": "The OAuth Token you provided is invalid.",
    }
    _assert_rate_headers(response, org_known=False)
    assert response.headers[WEIGHT] == "0"


def test_bearer_scheme_is_accepted_like_zoho_oauthtoken(http, acme, issue_token):
    token = issue_token(acme).access_token
    response = http.get(
        f"{PROBE}/tickets", headers={"Authorization": f"Bearer {token}", "orgId": str(acme.pk)}
    )

    assert response.status_code == 200


def test_unknown_auth_scheme_is_401(http, acme, issue_token):
    token = issue_token(acme).access_token
    response = http.get(
        f"{PROBE}/tickets", headers={"Authorization": f"Basic {token}", "orgId": str(acme.pk)}
    )

    assert response.status_code == 401
    assert response.json()["errorCode"] == "INVALID_OAUTH"


def test_unknown_token_is_401(http, acme):
    headers = {"Authorization": "Zoho-oauthtoken 1000.made.up", "orgId": str(acme.pk)}

    assert http.get(f"{PROBE}/tickets", headers=headers).json()["errorCode"] == "INVALID_OAUTH"


def test_expired_token_is_401_invalid_oauth(http, acme, desk_headers):
    headers = desk_headers(acme)
    AccessToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = http.get(f"{PROBE}/tickets", headers=headers)
    assert response.status_code == 401
    assert response.json()["errorCode"] == "INVALID_OAUTH"


def test_revoked_token_is_401_invalid_oauth(http, acme, desk_headers):
    headers = desk_headers(acme)
    AccessToken.objects.update(revoked_at=timezone.now())

    assert http.get(f"{PROBE}/tickets", headers=headers).status_code == 401


def test_token_without_the_scope_is_403_scope_mismatch(http, acme, desk_headers):
    response = http.get(f"{PROBE}/tickets", headers=desk_headers(acme, scopes=["Desk.contacts.ALL"]))

    assert response.status_code == 403
    assert response.json()["errorCode"] == "SCOPE_MISMATCH"
    _assert_rate_headers(response)


def test_all_scope_covers_read(http, acme, desk_headers):
    assert (
        http.get(f"{PROBE}/tickets", headers=desk_headers(acme, scopes=["Desk.tickets.ALL"])).status_code
        == 200
    )


def test_scope_rules():
    assert scope_satisfied(granted=["desk.tickets.all"], accepted=["Desk.tickets.READ"])
    assert scope_satisfied(granted=["Desk.contacts.WRITE"], accepted=["Desk.contacts.CREATE"])
    assert not scope_satisfied(granted=["Desk.contacts.WRITE"], accepted=["Desk.contacts.DELETE"])
    assert not scope_satisfied(granted=["Desk.tickets.READ"], accepted=["Desk.tickets.UPDATE"])


def test_missing_org_id_is_422_naming_org_id(http, acme, desk_headers):
    headers = desk_headers(acme)
    del headers["orgId"]

    response = http.get(f"{PROBE}/tickets", headers=headers)
    assert response.status_code == 422
    assert response.json()["errorCode"] == "UNPROCESSABLE_ENTITY"
    assert response.json()["errors"][0] == {
        "fieldName": "/orgId",
        "errorType": "missing",
        "errorMessage": "The 'orgId' parameter is missing.",
    }


def test_malformed_org_id_is_422_invalid(http, acme, desk_headers):
    response = http.get(f"{PROBE}/tickets", headers={**desk_headers(acme), "orgId": "acme"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["errorType"] == "invalid"


def test_org_id_may_come_as_the_query_parameter_common_json_declares(http, acme, desk_headers):
    headers = desk_headers(acme)
    org_id = headers.pop("orgId")

    response = http.get(f"{PROBE}/tickets", params={"orgId": org_id}, headers=headers)
    assert response.status_code == 200, response.text


def test_unknown_org_id_is_oauth_org_mismatch(http, acme, desk_headers):
    headers = {**desk_headers(acme), "orgId": "123"}

    response = http.get(f"{PROBE}/tickets", headers=headers)
    assert response.status_code == 403
    assert response.json()["errorCode"] == "OAUTH_ORG_MISMATCH"


def test_org_the_token_was_not_granted_for_is_oauth_org_mismatch(http, acme, globex, desk_headers):
    headers = {**desk_headers(acme), "orgId": str(globex.pk)}

    response = http.get(f"{PROBE}/tickets", headers=headers)
    assert response.status_code == 403
    assert response.json()["errorCode"] == "OAUTH_ORG_MISMATCH"


def test_organizations_style_endpoint_needs_no_org_id(http, acme, issue_token):
    token = issue_token(acme, ["Desk.basic.READ"]).access_token

    response = http.get(f"{PROBE}/organizations", headers={"Authorization": f"Zoho-oauthtoken {token}"})
    assert response.status_code == 200
    assert response.json()["data"] == [{"id": str(acme.pk)}]
    _assert_rate_headers(response)


# --- query parameters ------------------------------------------------------------------------------


def test_unknown_query_parameter_is_422_naming_it(http, acme, desk_headers):
    response = http.get(f"{PROBE}/tickets", params={"sortOrder": "desc"}, headers=desk_headers(acme))

    assert response.status_code == 422
    body = response.json()
    assert body["errorCode"] == "UNPROCESSABLE_ENTITY"
    assert "sortOrder" in body["message"]
    _assert_rate_headers(response)


@pytest.mark.parametrize("params", [{"limit": "0"}, {"limit": "101"}, {"limit": "ten"}, {"from": "-1"}])
def test_out_of_range_paging_is_422(http, acme, desk_headers, params):
    response = http.get(f"{PROBE}/tickets", params=params, headers=desk_headers(acme))

    assert response.status_code == 422
    assert response.json()["errorCode"] == "UNPROCESSABLE_ENTITY"
    assert response.json()["errors"][0]["fieldName"] == "/" + next(iter(params))


def test_limit_of_100_is_accepted(http, acme, desk_headers):
    response = http.get(f"{PROBE}/tickets", params={"from": "0", "limit": "100"}, headers=desk_headers(acme))

    assert response.status_code == 200


# --- bodies ----------------------------------------------------------------------------------------


def test_empty_list_is_204_with_empty_body_and_rate_headers(http, acme, desk_headers):
    response = http.get(f"{PROBE}/tickets", params={"status": "none"}, headers=desk_headers(acme))

    assert response.status_code == 204
    assert response.content == b""
    _assert_rate_headers(response)


def test_field_error_has_common_json_shape_and_nothing_else(http, acme, desk_headers):
    response = http.post(f"{PROBE}/create", json={}, headers=desk_headers(acme))

    assert response.status_code == 422
    assert response.json() == {
        "errorCode": "INVALID_DATA",
        "message": "subject is required",
        "errors": [{"fieldName": "/subject", "errorType": "missing", "errorMessage": "subject is required"}],
    }


def test_field_error_types_outside_common_json_are_sent_as_invalid():
    from apps.sandbox.contract import field_error

    entry = field_error("status", "unknown", "bad status", expectedValues=["Open", "Closed"])
    assert entry == {
        "fieldName": "/status",
        "errorType": "invalid",
        "errorMessage": "bad status Expected one of: Open, Closed.",
    }


def test_wrong_method_is_405(http, acme, desk_headers):
    response = http.post(f"{PROBE}/tickets", headers=desk_headers(acme))

    assert response.status_code == 405
    assert response.json()["errorCode"] == "METHOD_NOT_ALLOWED"


def test_a_bug_in_a_view_is_a_desk_shaped_500(http, acme, desk_headers):
    response = http.get(f"{PROBE}/boom", headers=desk_headers(acme))

    assert response.status_code == 500
    assert response.json()["errorCode"] == "INTERNAL_SERVER_ERROR"
    _assert_rate_headers(response)


def test_unknown_api_path_is_json_404_url_not_found(http, acme, desk_headers):
    response = http.get("/sandbox/desk/api/v1/no/such/thing", headers=desk_headers(acme))

    assert response.status_code == 404
    assert response.json()["errorCode"] == "URL_NOT_FOUND"
    _assert_rate_headers(response)  # a live token for the org: what is left is told; it cost nothing
    assert response.headers[WEIGHT] == "0"
    anonymous = http.get("/sandbox/desk/api/v1/no/such/thing", headers={"orgId": str(acme.pk)})
    assert anonymous.headers[WEIGHT] == "0" and REMAINING not in anonymous.headers


# --- rate limits: the reference document's per-minute model, opt-in -------------------------------


def test_reference_model_429_after_the_per_minute_limit_with_its_headers(
    http, globex, desk_headers, settings
):
    settings.SANDBOX_RATE_MODEL = "reference"
    assert globex.effective_per_minute_limit == 10  # Free edition
    headers = desk_headers(globex)
    for _attempt in range(2):  # a minute boundary in the middle of the burst restarts the count: try again
        RateWindow.objects.filter(org=globex).delete()
        responses = [http.get(f"{PROBE}/tickets", headers=headers) for _ in range(11)]
        if len({r.headers["X-RateLimit-Reset"] for r in responses}) == 1:
            break
    statuses = [r.status_code for r in responses]
    assert statuses == [200] * 10 + [429], [(r.status_code, r.text[:80]) for r in responses]
    limited = responses[10]
    assert limited.json()["errorCode"] == "TOO_MANY_REQUESTS"
    assert limited.headers["X-RateLimit-Limit"] == "10"
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert WEIGHT not in limited.headers and REMAINING not in limited.headers


def test_reference_model_per_org_override_and_daily_budget(http, acme, desk_headers, settings):
    settings.SANDBOX_RATE_MODEL = "reference"
    _set(acme, per_minute_limit=7, daily_limit=2)
    headers = desk_headers(acme)

    responses = [http.get(f"{PROBE}/tickets", headers=headers) for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 429]
    assert responses[0].headers["X-RateLimit-Limit"] == "7"


# --- concurrency -----------------------------------------------------------------------------------


def test_concurrency_cap_answers_429_to_the_extra_requests(live_server, acme, desk_headers):
    _set(acme, max_concurrent=2)
    headers = desk_headers(acme)

    def call(_):
        with httpx.Client(base_url=live_server.url, timeout=30) as client:
            return client.get(f"{PROBE}/slow", params={"seconds": "3"}, headers=headers)

    with ThreadPoolExecutor(max_workers=5) as pool:
        responses = list(pool.map(call, range(5)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(200) <= 2
    assert 429 in statuses
    assert all(r.json()["errorCode"] == "TOO_MANY_REQUESTS" for r in responses if r.status_code == 429)


def test_in_flight_slots_are_released_after_each_call(http, acme, desk_headers):
    _set(acme, max_concurrent=1)
    headers = desk_headers(acme)

    assert [http.get(f"{PROBE}/tickets", headers=headers).status_code for _ in range(3)] == [200, 200, 200]


# --- fault injection -------------------------------------------------------------------------------


def test_error_rate_one_answers_500_or_503(http, acme, desk_headers):
    _set(acme, error_rate=1.0)
    response = http.get(f"{PROBE}/tickets", headers=desk_headers(acme))

    assert response.status_code in {500, 503}
    assert response.json()["errorCode"] in {"INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE"}
    _assert_rate_headers(response)


def test_global_error_rate_setting_applies_when_the_org_has_none(http, acme, desk_headers, settings):
    settings.SANDBOX_ERROR_RATE = 1.0

    assert http.get(f"{PROBE}/tickets", headers=desk_headers(acme)).status_code in {500, 503}


def test_429_burst_answers_the_next_calls_then_recovers(http, acme, desk_headers):
    _set(acme, burst_429_remaining=2)
    headers = desk_headers(acme)

    responses = [http.get(f"{PROBE}/tickets", headers=headers) for _ in range(3)]
    assert [r.status_code for r in responses] == [429, 429, 200]
    assert {r.json()["errorCode"] for r in responses[:2]} == {"TOO_MANY_REQUESTS"}
    assert all(1 <= int(r.headers["Retry-After"]) <= 5 for r in responses[:2])
    assert [r.headers[WEIGHT] for r in responses] == ["0", "0", "3"]


def test_timeout_fault_hangs_past_the_client_timeout(live_server, acme, desk_headers):
    _set(acme, timeout_rate=1.0, timeout_seconds=2)

    with httpx.Client(base_url=live_server.url, timeout=0.5) as client, pytest.raises(httpx.ReadTimeout):
        client.get(f"{PROBE}/tickets", headers=desk_headers(acme))
    # Let the server thread finish its hang (it then answers 504), so it cannot spill into the next test.
    for _ in range(100):
        if RequestLog.objects.filter(status=504).exists():
            break
        time.sleep(0.1)
    assert RequestLog.objects.get(status=504).detail == "GATEWAY_TIMEOUT"


def test_latency_fault_still_answers(http, acme, desk_headers):
    _set(acme, latency_ms=50)

    assert http.get(f"{PROBE}/tickets", headers=desk_headers(acme)).status_code == 200


# --- request log -----------------------------------------------------------------------------------


def test_every_call_is_in_the_request_log(http, acme, desk_headers):
    headers = desk_headers(acme)
    http.get(f"{PROBE}/tickets", headers=headers)
    http.get(f"{PROBE}/tickets", params={"status": "none", "limit": "5"}, headers=headers)
    http.get(f"{PROBE}/tickets", params={"bogus": "1"}, headers=headers)

    rows = list(RequestLog.objects.filter(kind="api", path=f"{PROBE}/tickets").order_by("id"))
    assert [row.status for row in rows] == [200, 204, 422]
    assert {row.org_id for row in rows} == {str(acme.pk)}
    assert rows[1].query == "status=none&limit=5"
    assert rows[2].detail == "UNPROCESSABLE_ENTITY"
    assert all(row.method == "GET" and row.client_id for row in rows)
