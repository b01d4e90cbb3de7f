"""The accounts-server client: URLs, Zoho's error bodies (often HTTP 200), and no token in any message."""

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from apps.desk import accounts

ACCOUNTS = "https://accounts.zoho.eu"


def transport_answering(body, status=200, seen=None):
    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return httpx.Response(status, json=body)

    return httpx.MockTransport(handler)


def test_authorization_url_asks_for_offline_access_consent_and_pkce():
    url = accounts.authorization_url(
        accounts_url=ACCOUNTS,
        client_id="1000.ABC",
        scopes=["Desk.tickets.ALL", "Desk.basic.ALL"],
        redirect_uri="https://console.example/connections/oauth/callback/",
        state="s1",
        code_challenge="c1",
    )
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{ACCOUNTS}/oauth/v2/auth"
    assert query == {
        "response_type": "code",
        "client_id": "1000.ABC",
        "scope": "Desk.tickets.ALL,Desk.basic.ALL",
        "redirect_uri": "https://console.example/connections/oauth/callback/",
        "access_type": "offline",
        "prompt": "consent",
        "state": "s1",
        "code_challenge": "c1",
        "code_challenge_method": "S256",
    }


def test_pkce_challenge_is_the_s256_of_the_verifier():
    import base64
    import hashlib

    verifier, challenge = accounts.pkce_pair()
    assert 43 <= len(verifier) <= 128
    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert challenge == expected


def test_code_exchange_posts_the_form_and_returns_the_tokens():
    seen = []
    body = {
        "access_token": "1000.access",
        "refresh_token": "1000.refresh",
        "api_domain": "https://www.zohoapis.eu",
        "token_type": "Bearer",
        "expires_in": 3600,
    }
    grant = accounts.exchange_code(
        accounts_url=ACCOUNTS,
        client_id="id",
        client_secret="secret",
        redirect_uri="https://x/cb/",
        code="code-1",
        code_verifier="verifier-1",
        transport=transport_answering(body, seen=seen),
    )
    assert (grant.access_token, grant.refresh_token, grant.expires_in) == (
        "1000.access",
        "1000.refresh",
        3600,
    )
    assert grant.api_domain == "https://www.zohoapis.eu"
    form = parse_qs(seen[0].content.decode())
    assert str(seen[0].url) == f"{ACCOUNTS}/oauth/v2/token"
    assert form["grant_type"] == ["authorization_code"]
    assert form["code_verifier"] == ["verifier-1"]
    assert form["client_secret"] == ["secret"]


def test_token_grant_repr_hides_the_tokens():
    grant = accounts.TokenGrant(
        access_token="AAA-secret", refresh_token="RRR-secret", expires_in=1, api_domain="x"
    )
    assert "secret" not in repr(grant)


def test_invalid_code_with_http_200_is_a_rejected_grant():
    with pytest.raises(accounts.OAuthInvalidGrant) as caught:
        accounts.refresh(
            accounts_url=ACCOUNTS,
            client_id="id",
            client_secret="secret",
            refresh_token="1000.refresh-value",
            transport=transport_answering({"error": "invalid_code"}),
        )
    assert caught.value.code == "invalid_code"
    assert "1000.refresh-value" not in str(caught.value)
    assert "secret" not in str(caught.value)


def test_too_many_requests_is_temporary_not_a_rejected_grant():
    body = {"error": "Access Denied", "error_description": "You have made too many requests continuously."}
    with pytest.raises(accounts.OAuthUnavailable):
        accounts.refresh(
            accounts_url=ACCOUNTS,
            client_id="id",
            client_secret="secret",
            refresh_token="r",
            transport=transport_answering(body, status=400),
        )


def test_server_error_and_network_failure_are_temporary():
    with pytest.raises(accounts.OAuthUnavailable):
        accounts.refresh(
            accounts_url=ACCOUNTS,
            client_id="i",
            client_secret="s",
            refresh_token="r",
            transport=httpx.MockTransport(lambda request: httpx.Response(502, text="bad gateway")),
        )

    def refuse(request):
        raise httpx.ConnectError("connection refused to token=1000.secret")

    with pytest.raises(accounts.OAuthUnavailable) as caught:
        accounts.revoke(
            accounts_url=ACCOUNTS, refresh_token="1000.secret", transport=httpx.MockTransport(refuse)
        )
    assert "1000.secret" not in str(caught.value)


def test_answer_without_access_token_is_an_error():
    with pytest.raises(accounts.OAuthError):
        accounts.exchange_code(
            accounts_url=ACCOUNTS,
            client_id="i",
            client_secret="s",
            redirect_uri="r",
            code="c",
            transport=transport_answering({"token_type": "Bearer"}),
        )


def test_revoke_sends_the_refresh_token_to_the_revoke_endpoint():
    seen = []
    accounts.revoke(
        accounts_url=ACCOUNTS, refresh_token="1000.r", transport=transport_answering({}, seen=seen)
    )
    assert seen[0].url.path == "/oauth/v2/token/revoke"
    assert seen[0].url.params["token"] == "1000.r"


def test_accounts_errors_are_desk_errors_whose_text_is_the_message_alone():
    from apps.desk.errors import DeskError

    with pytest.raises(DeskError) as caught:
        accounts.refresh(
            accounts_url=ACCOUNTS,
            client_id="i",
            client_secret="s",
            refresh_token="1000.secret",
            transport=transport_answering({"error": "invalid_code"}),
        )
    assert isinstance(caught.value, accounts.OAuthInvalidGrant)
    assert caught.value.error_code == "invalid_code" and caught.value.status == 200
    assert str(caught.value) == "The accounts server rejected the grant (invalid_code)."


def test_the_test_hook_routes_calls_without_a_transport_and_an_explicit_one_wins():
    from apps.desk.transport import transports_for_tests

    hooked, explicit = [], []
    with transports_for_tests("accounts", transport_answering({}, seen=hooked)):
        accounts.revoke(accounts_url=ACCOUNTS, refresh_token="1000.r")
        accounts.revoke(
            accounts_url=ACCOUNTS, refresh_token="1000.r", transport=transport_answering({}, seen=explicit)
        )
    assert len(hooked) == 1 and len(explicit) == 1


def test_each_call_is_logged_with_its_path_and_never_its_token(caplog):
    import logging

    with caplog.at_level(logging.INFO, logger="apps.desk"):
        accounts.revoke(accounts_url=ACCOUNTS, refresh_token="1000.secret", transport=transport_answering({}))
    [record] = [r for r in caplog.records if r.name == "apps.desk"]
    assert record.accounts_call["path"] == "/oauth/v2/token/revoke"
    assert record.accounts_call["operation"] == "revoke" and record.accounts_call["status"] == 200
    assert "1000.secret" not in caplog.text
