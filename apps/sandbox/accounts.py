"""The emulated Zoho Accounts OAuth server: consent page, token endpoint and revocation."""

from __future__ import annotations

import time
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from apps.sandbox import oauth
from apps.sandbox.contract import log_request
from apps.sandbox.models import OAuthClient, Org, RequestLog

AUTH_PARAMS = (
    "response_type",
    "client_id",
    "scope",
    "redirect_uri",
    "access_type",
    "prompt",
    "state",
    "code_challenge",
    "code_challenge_method",
)


def accounts_server_url(request: HttpRequest) -> str:
    """The absolute URL of this accounts server, as Zoho's `accounts-server` redirect parameter gives it."""
    token_path = reverse("sandbox:oauth_token")
    return request.build_absolute_uri(token_path.removesuffix("/oauth/v2/token"))


def api_domain(request: HttpRequest) -> str:
    """`api_domain`: the API base is api_domain + "/api/v1"."""
    return request.build_absolute_uri("/sandbox/desk").rstrip("/")


def _with_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = f"{parts.query}&{urlencode(params)}" if parts.query else urlencode(params)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def _error_page(request: HttpRequest, title: str, message: str, status: int = 400) -> HttpResponse:
    return render(request, "sandbox/consent_error.html", {"title": title, "message": message}, status=status)


def _log(
    request: HttpRequest, response: HttpResponse, started: float, *, client_id: str, detail: str = ""
) -> None:
    log_request(
        request,
        status=response.status_code,
        kind=RequestLog.Kind.ACCOUNTS,
        started=started,
        client_id=client_id,
        detail=detail,
    )


@never_cache
@csrf_protect
def authorize(request: HttpRequest) -> HttpResponse:
    """GET shows the consent page; POST (Accept / Deny) redirects back to the client."""
    started = time.perf_counter()
    source = request.POST if request.method == "POST" else request.GET
    params = {name: source.get(name, "").strip() for name in AUTH_PARAMS}
    response = _authorize(request, params)
    _log(request, response, started, client_id=params["client_id"], detail=request.method or "")
    return response


def _authorize(request: HttpRequest, params: dict[str, str]) -> HttpResponse:
    if request.method not in {"GET", "POST"}:
        return _error_page(request, "Method not allowed", "Use GET to open this page.", status=405)
    client = oauth.client_lookup(params["client_id"])
    if client is None:
        return _error_page(request, "Invalid Client", "The application's client_id is not registered.")
    # Never redirect to a URI the client did not register: Zoho shows an error page instead.
    if not oauth.redirect_uri_allowed(client, params["redirect_uri"]):
        return _error_page(
            request, "Invalid Redirect Uri", "The redirect_uri does not match the registered one."
        )
    redirect_uri = params["redirect_uri"]
    state = {"state": params["state"]} if params["state"] else {}
    if params["response_type"] != "code":
        return HttpResponseRedirect(
            _with_query(redirect_uri, {"error": "unsupported_response_type", **state})
        )
    scopes, unknown = oauth.parse_scopes(params["scope"])
    if unknown or not scopes:
        return HttpResponseRedirect(_with_query(redirect_uri, {"error": "invalid_scope", **state}))
    method = params["code_challenge_method"]
    if params["code_challenge"] and method and method.upper() not in {"S256", "PLAIN"}:
        return HttpResponseRedirect(_with_query(redirect_uri, {"error": "invalid_request", **state}))

    user = oauth.accounts_user(request.session)
    if user is None or request.POST.get("signin"):
        # Sign in first, as Zoho Accounts does: nobody sees whose orgs these are before that.
        return _sign_in(request, params)
    orgs = list(user.orgs.order_by("id"))
    if request.method == "GET":
        context = {
            "client": client,
            "user": user,
            "orgs": orgs,
            "scopes": [(scope, oauth.SCOPE_DESCRIPTIONS[scope]) for scope in scopes],
            "params": params,
            "action": request.path,
        }
        return render(request, "sandbox/consent.html", context)

    if request.POST.get("decision") != "accept":
        return HttpResponseRedirect(_with_query(redirect_uri, {"error": "access_denied", **state}))
    org = _picked_org(request.POST.get("org", ""), orgs)
    if org is None:
        return _error_page(
            request, "Choose an organization", "Pick one of your Desk organizations to continue."
        )
    code = oauth.grant_code_create(
        client=client,
        user=user,
        org=org,
        scopes=scopes,
        redirect_uri=redirect_uri,
        access_type="offline" if params["access_type"] == "offline" else "online",
        code_challenge=params["code_challenge"],
        code_challenge_method=method,
    )
    back = {"code": code, **state, "location": "sandbox", "accounts-server": accounts_server_url(request)}
    return HttpResponseRedirect(_with_query(redirect_uri, back))


def _sign_in(request: HttpRequest, params: dict[str, str]) -> HttpResponse:
    """The sign-in form (GET, or a POST that is not one), or its answer: back to the consent page."""
    error = ""
    if request.method == "POST" and request.POST.get("signin"):
        user = oauth.accounts_sign_in(
            email=request.POST.get("email", "")[:200], password=request.POST.get("password", "")[:200]
        )
        if user is not None:
            request.session.cycle_key()
            request.session[oauth.SESSION_USER] = user.pk
            return HttpResponseRedirect(f"{request.path}?{urlencode(params)}")
        error = "That email and password do not match a sandbox Zoho account."
    context = {"signin": True, "error": error, "params": params, "action": request.path}
    return render(request, "sandbox/consent.html", context)


def _picked_org(raw: str, orgs: list[Org]) -> Org | None:
    for org in orgs:
        if str(org.pk) == raw:
            return org
    return None


def _param(request: HttpRequest, name: str) -> str:
    """Zoho takes token parameters as a form body or as query parameters."""
    return (request.POST.get(name) or request.GET.get(name) or "").strip()


@csrf_exempt
@never_cache
def token(request: HttpRequest) -> HttpResponse:
    started = time.perf_counter()
    grant_type = _param(request, "grant_type")
    client_id = _param(request, "client_id")
    response = _token(request, grant_type)
    _log(request, response, started, client_id=client_id, detail=grant_type[:50])
    return response


def _token(request: HttpRequest, grant_type: str) -> HttpResponse:
    if request.method != "POST":
        return JsonResponse({"error": "invalid_request"}, status=405)
    try:
        if grant_type not in {"authorization_code", "refresh_token", "client_credentials"}:
            raise oauth.OAuthError("unsupported_grant_type", status=400)
        client = oauth.client_authenticate(
            client_id=_param(request, "client_id"), client_secret=_param(request, "client_secret")
        )
        if grant_type == "client_credentials":
            issued = oauth.client_credentials_issue(
                client=client, soid=_param(request, "soid"), scope=_param(request, "scope")
            )
        elif grant_type == "authorization_code":
            _require_redirect_for(client, _param(request, "redirect_uri"))
            issued = oauth.code_exchange(
                client=client,
                code=_param(request, "code"),
                redirect_uri=_param(request, "redirect_uri"),
                code_verifier=_param(request, "code_verifier"),
            )
        else:
            issued = oauth.refresh_exchange(client=client, refresh_token=_param(request, "refresh_token"))
    except oauth.OAuthError as error:
        return JsonResponse(error.body(), status=error.status)
    body: dict[str, object] = {"access_token": issued.access_token}
    if issued.refresh_token:
        body["refresh_token"] = issued.refresh_token
    body.update(
        {
            "scope": " ".join(issued.scopes),
            "api_domain": api_domain(request),
            "token_type": "Bearer",
            "expires_in": issued.expires_in,
        }
    )
    return JsonResponse(body)


def _require_redirect_for(client: OAuthClient, redirect_uri: str) -> None:
    # A server-based client must send a redirect_uri it registered. A Self Client's codes are made in
    # the API console, not by a redirect: Zoho exchanges them whatever redirect_uri comes (or none).
    if client.kind == OAuthClient.Kind.SELF:
        return
    if redirect_uri and not oauth.redirect_uri_allowed(client, redirect_uri):
        raise oauth.OAuthError("invalid_redirect_uri")


@csrf_exempt
@never_cache
def revoke(request: HttpRequest) -> HttpResponse:
    started = time.perf_counter()
    if request.method != "POST":
        response = JsonResponse({"error": "invalid_request"}, status=405)
    elif not _param(request, "token"):
        response = JsonResponse({"error": "invalid_request"}, status=400)
    else:
        # Like RFC 7009 and Zoho: success whether or not the token was still valid.
        oauth.token_revoke(token=_param(request, "token"))
        response = JsonResponse({"status": "success"})
    _log(request, response, started, client_id=_param(request, "client_id"), detail="revoke")
    return response


@csrf_exempt
@never_cache
def user_info(request: HttpRequest) -> HttpResponse:
    """GET /oauth/user/info: the token's user, for a token with AaaServer.profile.READ. Takes
    `Authorization: Zoho-oauthtoken <token>` or `Bearer <token>`."""
    started = time.perf_counter()
    response = _user_info(request)
    _log(request, response, started, client_id="", detail="user_info")
    return response


def _user_info(request: HttpRequest) -> HttpResponse:
    if request.method != "GET":
        return JsonResponse({"error": "invalid_request"}, status=405)
    scheme, _, value = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() not in {"zoho-oauthtoken", "bearer"} or not value.strip():
        return JsonResponse({"error": "invalid_token"}, status=401)
    token = oauth.access_token_lookup(value.strip())
    if token is None:
        return JsonResponse({"error": "invalid_token"}, status=401)
    granted = {scope.lower() for scope in token.scopes}
    if oauth.USER_INFO_SCOPE.lower() not in granted:
        return JsonResponse({"error": "invalid_scope"}, status=401)
    try:
        return JsonResponse(oauth.user_info(token))
    except oauth.OAuthError as error:
        return JsonResponse(error.body(), status=error.status)
