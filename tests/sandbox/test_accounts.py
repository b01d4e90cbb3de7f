"""The emulated Zoho Accounts server over real HTTP: consent, grant codes, tokens, refresh limits, revocation."""

import base64
import hashlib
import json
import re
from datetime import timedelta
from io import StringIO
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from apps.sandbox.models import AccessToken, AuthorizationCode, RequestLog
from apps.sandbox.oauth import DEMO_USER_EMAIL
from tests.sandbox.conftest import ACME_ID, GLOBEX_ID, PROBE, PROBE_URLCONF

pytestmark = [
    pytest.mark.django_db(databases=["default", "sandbox"], transaction=True),
    pytest.mark.urls(PROBE_URLCONF),
]

SCOPES = (
    "Desk.tickets.ALL,Desk.contacts.ALL,Desk.basic.READ,Desk.settings.ALL,Desk.search.READ,Desk.events.ALL"
)
AUTH = "/sandbox/accounts/oauth/v2/auth"
TOKEN = "/sandbox/accounts/oauth/v2/token"
REVOKE = "/sandbox/accounts/oauth/v2/token/revoke"


def _callback(live_server) -> str:
    return f"{live_server.url}/connections/oauth/callback/"


def _auth_params(live_server, **overrides) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": settings.SANDBOX_CLIENT_ID,
        "scope": SCOPES,
        "redirect_uri": _callback(live_server),
        "access_type": "offline",
        "prompt": "consent",
        "state": "st4te-xyz",
    }
    params.update(overrides)
    return params


def _sign_in(http, page):
    """The consent page asks for a sandbox sign-in first (as Zoho Accounts does): sign in, back to consent."""
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    form.update(
        csrfmiddlewaretoken=csrf,
        signin="1",
        email=DEMO_USER_EMAIL,
        password=settings.SANDBOX_ACCOUNTS_PASSWORD,
    )
    back = http.post(AUTH, data=form)
    assert back.status_code == 302, back.text
    return http.get(back.headers["location"])


def _consent(http, live_server, *, decision="accept", org=ACME_ID, **overrides):
    """Open the consent page like a browser (signing in if asked), then click Accept or Deny; returns the
    redirect response."""
    page = http.get(AUTH, params=_auth_params(live_server, **overrides))
    assert page.status_code == 200, page.text
    if 'name="signin"' in page.text:
        page = _sign_in(http, page)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    form.update({"csrfmiddlewaretoken": csrf, "decision": decision, "org": str(org)})
    return http.post(AUTH, data=form)


def _redirect_query(response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    return {key: values[0] for key, values in parse_qs(urlsplit(response.headers["location"]).query).items()}


def _exchange(http, live_server, code, **extra):
    data = {
        "grant_type": "authorization_code",
        "client_id": settings.SANDBOX_CLIENT_ID,
        "client_secret": settings.SANDBOX_CLIENT_SECRET,
        "redirect_uri": _callback(live_server),
        "code": code,
        **extra,
    }
    return http.post(TOKEN, data=data)


def _refresh(http, refresh_token, secret=None):
    return http.post(
        TOKEN,
        data={
            "grant_type": "refresh_token",
            "client_id": settings.SANDBOX_CLIENT_ID,
            "client_secret": secret or settings.SANDBOX_CLIENT_SECRET,
            "refresh_token": refresh_token,
        },
    )


def _probe(http, access_token, org_id=ACME_ID):
    return http.get(
        f"{PROBE}/tickets", headers={"Authorization": f"Zoho-oauthtoken {access_token}", "orgId": str(org_id)}
    )


def test_consent_page_asks_for_a_sign_in_before_showing_whose_orgs_are_shared(http, live_server, seeded_orgs):
    page = http.get(AUTH, params=_auth_params(live_server))
    assert page.status_code == 200 and "Sign in to continue" in page.text
    assert DEMO_USER_EMAIL not in page.text and "Acme Support" not in page.text
    # Accepting without signing in only shows the sign-in again: no code is issued.
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    accept = http.post(
        AUTH, data={**form, "csrfmiddlewaretoken": csrf, "decision": "accept", "org": str(ACME_ID)}
    )
    assert accept.status_code == 200 and "Sign in to continue" in accept.text
    wrong = http.post(
        AUTH,
        data={
            **form,
            "csrfmiddlewaretoken": csrf,
            "signin": "1",
            "email": DEMO_USER_EMAIL,
            "password": "nope",
        },
    )
    assert "do not match" in wrong.text and "Acme Support" not in wrong.text


def test_consent_page_shows_app_orgs_and_scopes_in_plain_words(http, live_server, seeded_orgs):
    page = _sign_in(http, http.get(AUTH, params=_auth_params(live_server)))

    assert page.status_code == 200
    assert "Acme Support" in page.text and "Globex Help" in page.text
    assert "Full access to tickets" in page.text and "Manage webhooks" in page.text
    assert "Accept" in page.text and "Deny" in page.text
    assert "<script" not in page.text and "style=" not in page.text


def test_full_flow_accept_code_token_refresh_revoke(http, live_server, seeded_orgs):
    back = _redirect_query(_consent(http, live_server))
    assert back["state"] == "st4te-xyz"
    assert back["location"] == "sandbox"
    assert back["accounts-server"] == f"{live_server.url}/sandbox/accounts"

    tokens = _exchange(http, live_server, back["code"]).json()
    assert set(tokens) >= {"access_token", "refresh_token", "api_domain", "token_type", "expires_in"}
    assert tokens["api_domain"] == f"{live_server.url}/sandbox/desk"
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 3600
    assert _probe(http, tokens["access_token"]).status_code == 200

    refreshed = _refresh(http, tokens["refresh_token"]).json()
    assert "access_token" in refreshed and "refresh_token" not in refreshed
    assert refreshed["access_token"] != tokens["access_token"]
    assert _probe(http, refreshed["access_token"]).status_code == 200

    revoked = http.post(REVOKE, params={"token": tokens["refresh_token"]})
    assert revoked.status_code == 200
    assert _refresh(http, tokens["refresh_token"]).json() == {"error": "invalid_code"}
    assert _probe(http, refreshed["access_token"]).json()["errorCode"] == "INVALID_OAUTH"


def test_token_is_bound_to_the_org_picked_on_the_consent_page(http, live_server, seeded_orgs):
    back = _redirect_query(_consent(http, live_server, org=GLOBEX_ID))
    access = _exchange(http, live_server, back["code"]).json()["access_token"]

    assert _probe(http, access, org_id=GLOBEX_ID).status_code == 200
    assert _probe(http, access, org_id=ACME_ID).status_code == 403


def test_deny_redirects_with_access_denied_and_state(http, live_server, seeded_orgs):
    back = _redirect_query(_consent(http, live_server, decision="deny"))

    assert back == {"error": "access_denied", "state": "st4te-xyz"}


def test_unknown_client_gets_an_error_page_not_a_redirect(http, live_server, seeded_orgs):
    response = http.get(AUTH, params=_auth_params(live_server, client_id="1000.NOPE"))

    assert response.status_code == 400
    assert "Invalid Client" in response.text


def test_unregistered_redirect_uri_is_never_redirected_to(http, live_server, seeded_orgs):
    for uri in ("https://evil.example/connections/oauth/callback/", f"{live_server.url}/elsewhere/"):
        response = http.get(AUTH, params=_auth_params(live_server, redirect_uri=uri))
        assert response.status_code == 400
        assert "Invalid Redirect Uri" in response.text


def test_unknown_scope_redirects_with_invalid_scope(http, live_server, seeded_orgs):
    response = http.get(AUTH, params=_auth_params(live_server, scope="Desk.tickets.ALL,Desk.nothing.ALL"))

    assert _redirect_query(response)["error"] == "invalid_scope"


def test_wrong_response_type_redirects_with_unsupported_response_type(http, live_server, seeded_orgs):
    response = http.get(AUTH, params=_auth_params(live_server, response_type="token"))

    assert _redirect_query(response)["error"] == "unsupported_response_type"


def test_reused_code_is_invalid_code(http, live_server, seeded_orgs):
    code = _redirect_query(_consent(http, live_server))["code"]

    assert "access_token" in _exchange(http, live_server, code).json()
    second = _exchange(http, live_server, code)
    assert second.status_code == 200
    assert second.json() == {"error": "invalid_code"}


def test_expired_code_is_invalid_code(http, live_server, seeded_orgs):
    code = _redirect_query(_consent(http, live_server))["code"]
    AuthorizationCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert _exchange(http, live_server, code).json() == {"error": "invalid_code"}


def test_wrong_client_secret_is_invalid_client(http, live_server, seeded_orgs):
    code = _redirect_query(_consent(http, live_server))["code"]

    assert _exchange(http, live_server, code, client_secret="wrong").json() == {"error": "invalid_client"}


def test_mismatched_redirect_uri_at_exchange_is_invalid_redirect_uri(http, live_server, seeded_orgs):
    code = _redirect_query(_consent(http, live_server))["code"]
    other = "http://localhost:1/connections/oauth/callback/"

    assert _exchange(http, live_server, code, redirect_uri=other).json() == {"error": "invalid_redirect_uri"}


def test_pkce_s256_verifier_is_checked(http, live_server, seeded_orgs):
    verifier = "a-long-random-verifier-0123456789-abcdefghijklmnopqrstuvwxyz"
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    pkce = {"code_challenge": challenge, "code_challenge_method": "S256"}

    code = _redirect_query(_consent(http, live_server, **pkce))["code"]
    wrong = _exchange(http, live_server, code, code_verifier="not-the-verifier")
    assert wrong.status_code == 400
    assert wrong.json() == {"error": "invalid_grant"}

    code = _redirect_query(_consent(http, live_server, **pkce))["code"]
    assert "access_token" in _exchange(http, live_server, code, code_verifier=verifier).json()


def test_pkce_challenge_without_verifier_is_refused(http, live_server, seeded_orgs):
    code = _redirect_query(_consent(http, live_server, code_challenge="abc", code_challenge_method="plain"))[
        "code"
    ]

    assert _exchange(http, live_server, code).json() == {"error": "invalid_grant"}


def test_online_access_type_gives_no_refresh_token(http, live_server, seeded_orgs):
    code = _redirect_query(_consent(http, live_server, access_type="online"))["code"]
    tokens = _exchange(http, live_server, code).json()

    assert "access_token" in tokens and "refresh_token" not in tokens


def test_token_parameters_are_accepted_as_query_string(http, live_server, seeded_orgs):
    code = _redirect_query(_consent(http, live_server))["code"]
    params = {
        "grant_type": "authorization_code",
        "client_id": settings.SANDBOX_CLIENT_ID,
        "client_secret": settings.SANDBOX_CLIENT_SECRET,
        "redirect_uri": _callback(live_server),
        "code": code,
    }

    assert "access_token" in http.post(TOKEN, params=params).json()


def test_unsupported_grant_type_is_a_400(http, live_server, seeded_orgs):
    response = http.post(TOKEN, data={"grant_type": "password", "client_id": settings.SANDBOX_CLIENT_ID})

    assert response.status_code == 400
    assert response.json() == {"error": "unsupported_grant_type"}


def test_refresh_limit_answers_access_denied(http, live_server, seeded_orgs, settings):
    settings.SANDBOX_REFRESH_LIMIT = 3
    code = _redirect_query(_consent(http, live_server))["code"]
    refresh_token = _exchange(http, live_server, code).json()["refresh_token"]

    # The code grant minted one access token; two refreshes reach the limit of three.
    assert all("access_token" in _refresh(http, refresh_token).json() for _ in range(2))
    refused = _refresh(http, refresh_token)
    assert refused.status_code == 400
    assert refused.json()["error"] == "Access Denied"
    assert "too many requests" in refused.json()["error_description"]


def test_refresh_with_another_clients_token_is_invalid_code(http, live_server, seeded_orgs):
    out = StringIO()
    call_command("sandbox_self_client", org=str(ACME_ID), scope="Desk.tickets.READ", stdout=out)
    grant = json.loads(out.getvalue())
    tokens = http.post(
        TOKEN,
        data={
            "grant_type": "authorization_code",
            "client_id": grant["client_id"],
            "client_secret": grant["client_secret"],
            "code": grant["code"],
        },
    ).json()

    assert _refresh(http, tokens["refresh_token"]).json() == {"error": "invalid_code"}


def test_self_client_command_prints_one_json_object_whose_code_exchanges(http, live_server, seeded_orgs):
    out = StringIO()
    call_command(
        "sandbox_self_client",
        org="Acme Support",
        scope="Desk.tickets.ALL",
        site=live_server.url,
        stdout=out,
    )
    grant = json.loads(out.getvalue())

    assert set(grant) >= {
        "client_id",
        "client_secret",
        "code",
        "accounts_url",
        "api_url",
        "soid",
        "token_url",
    }
    assert grant["accounts_url"] == f"{live_server.url}/sandbox/accounts"
    assert grant["token_url"] == f"{live_server.url}/sandbox/accounts/oauth/v2/token"
    assert grant["user_info_url"] == f"{live_server.url}/sandbox/accounts/oauth/user/info"
    assert grant["api_url"] == f"{live_server.url}/sandbox/desk/api/v1"
    assert grant["soid"] == f"Desk.{ACME_ID}"
    tokens = httpx_post_token(http, grant)
    assert tokens["api_domain"] + "/api/v1" == grant["api_url"]
    assert _probe(http, tokens["access_token"]).status_code == 200
    assert "Desk.tickets.ALL" in tokens["scope"]


def httpx_post_token(http, grant):
    return http.post(
        grant["accounts_url"] + "/oauth/v2/token",
        data={
            "grant_type": "authorization_code",
            "client_id": grant["client_id"],
            "client_secret": grant["client_secret"],
            "code": grant["code"],
        },
    ).json()


def test_revoking_an_unknown_token_still_answers_success(http, live_server, seeded_orgs):
    response = http.post(REVOKE, params={"token": "1000.unknown.token"})

    assert response.status_code == 200


def test_accounts_requests_are_logged_so_tests_can_count_refreshes(http, live_server, seeded_orgs):
    code = _redirect_query(_consent(http, live_server))["code"]
    refresh_token = _exchange(http, live_server, code).json()["refresh_token"]
    _refresh(http, refresh_token)
    _refresh(http, refresh_token)

    refreshes = RequestLog.objects.filter(kind="accounts", path=TOKEN, detail="refresh_token")
    assert refreshes.count() == 2
    # The sign-in page and its answer, then the consent page and Accept.
    assert RequestLog.objects.filter(kind="accounts", path=AUTH).count() == 4


def test_tokens_are_stored_hashed(http, live_server, seeded_orgs):
    code = _redirect_query(_consent(http, live_server))["code"]
    access = _exchange(http, live_server, code).json()["access_token"]

    assert not AccessToken.objects.filter(token_hash=access).exists()
    assert AccessToken.objects.filter(token_hash=hashlib.sha256(access.encode()).hexdigest()).exists()


# -- self clients: client_credentials, codes without redirect_uri, user info ---------------------------

USER_INFO = "/sandbox/accounts/oauth/user/info"


def _self_client_grant(scope: str = "Desk.tickets.READ", **options) -> dict:
    out = StringIO()
    call_command("sandbox_self_client", org=str(ACME_ID), scope=scope, stdout=out, **options)
    return json.loads(out.getvalue())


def test_self_client_command_builds_urls_from_site_url(seeded_orgs, settings):
    settings.SITE_URL = "https://desk-admin.example.test/"
    grant = _self_client_grant()

    assert grant["accounts_url"] == "https://desk-admin.example.test/sandbox/accounts"
    assert grant["api_domain"] == "https://desk-admin.example.test/sandbox/desk"


def test_self_client_code_exchanges_whatever_redirect_uri_comes(http, live_server, seeded_orgs):
    grant = _self_client_grant()
    tokens = http.post(
        TOKEN,
        data={
            "grant_type": "authorization_code",
            "client_id": grant["client_id"],
            "client_secret": grant["client_secret"],
            "code": grant["code"],
            "redirect_uri": "https://www.zoho.com/",
        },
    ).json()

    assert tokens["token_type"] == "Bearer" and "refresh_token" in tokens


def test_client_credentials_with_soid_gives_a_bearer_token_for_that_org(http, live_server, seeded_orgs):
    grant = _self_client_grant()
    response = http.post(
        TOKEN,
        data={
            "grant_type": "client_credentials",
            "client_id": grant["client_id"],
            "client_secret": grant["client_secret"],
            "soid": f"Desk.{ACME_ID}",
            "scope": "Desk.tickets.READ,Desk.basic.READ",
        },
    )
    tokens = response.json()

    assert response.status_code == 200, tokens
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 3600
    assert "refresh_token" not in tokens
    assert tokens["scope"] == "Desk.tickets.READ Desk.basic.READ"
    assert _probe(http, tokens["access_token"]).status_code == 200
    assert _probe(http, tokens["access_token"], org_id=GLOBEX_ID).status_code == 403


def test_client_credentials_is_for_self_clients_with_a_desk_soid(http, live_server, seeded_orgs):
    grant = _self_client_grant()
    base = {
        "grant_type": "client_credentials",
        "client_id": grant["client_id"],
        "client_secret": grant["client_secret"],
        "scope": "Desk.tickets.READ",
    }
    server_client = {
        **base,
        "client_id": settings.SANDBOX_CLIENT_ID,
        "client_secret": settings.SANDBOX_CLIENT_SECRET,
        "soid": f"Desk.{ACME_ID}",
    }

    assert http.post(TOKEN, data=server_client).json() == {"error": "unauthorized_client"}
    assert http.post(TOKEN, data={**base, "soid": "CRM.1"}).json() == {"error": "invalid_request"}
    assert http.post(TOKEN, data={**base, "soid": "Desk.1"}).json() == {"error": "invalid_request"}
    bad_scope = {**base, "soid": f"Desk.{ACME_ID}", "scope": "Desk.nothing.ALL"}
    assert http.post(TOKEN, data=bad_scope).json() == {"error": "invalid_scope"}


def test_user_info_answers_as_zoho_for_a_token_with_the_profile_scope(http, live_server, seeded_orgs):
    back = _redirect_query(_consent(http, live_server, scope="Desk.tickets.READ,AaaServer.profile.READ"))
    access = _exchange(http, live_server, back["code"]).json()["access_token"]

    for scheme in ("Zoho-oauthtoken", "Bearer"):
        info = http.get(USER_INFO, headers={"Authorization": f"{scheme} {access}"})
        assert info.status_code == 200
        assert set(info.json()) == {"First_Name", "Last_Name", "Display_Name", "Email", "ZUID"}
        assert info.json()["Email"] == "admin@deskadmin.local"


def test_user_info_needs_a_valid_token_with_the_profile_scope(http, live_server, seeded_orgs):
    access = _exchange(http, live_server, _redirect_query(_consent(http, live_server))["code"]).json()[
        "access_token"
    ]

    assert http.get(USER_INFO).status_code == 401
    assert http.get(USER_INFO, headers={"Authorization": "Bearer 1000.nope.nope"}).json() == {
        "error": "invalid_token"
    }
    assert http.get(USER_INFO, headers={"Authorization": f"Bearer {access}"}).json() == {
        "error": "invalid_scope"
    }
