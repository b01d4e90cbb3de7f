"""Connection pages: list, detail (with who can see the org), connect (OAuth), org picker, the offer to give
the team access, disconnect, reconnect, org switcher."""

from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import User
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.connections import flow, selectors, services
from apps.connections.forms import ConnectForm, PickOrgsForm
from apps.connections.models import DeskConnection
from apps.core import selectors as core_selectors
from apps.core.forms import UserGrantForm
from apps.core.htmx import AuthedHttpRequest, toast
from apps.core.parsing import parse_int, safe_next_url
from apps.core.roles import Role
from apps.core.services import audit_record, org_access_grant, org_access_revoke
from apps.core.shell import sections_for

MANAGE = "core.manage_connections"
# Everyone who works in an org may see its connection's page (their own orgs only).
VIEW = "core.view_tickets"
# The orgs just connected, while the page after connecting offers to give the team access to them.
SHARE_KEY = "connections_share_org_ids"


def admin_only(view: Any) -> Any:
    @wraps(view)
    @login_required
    @permission_required(MANAGE, raise_exception=True)
    @never_cache
    def wrapper(request: AuthedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return view(request, *args, **kwargs)

    return wrapper


def _actor(request: AuthedHttpRequest) -> User:
    """The signed-in user, for the audit log (admin_only guarantees one)."""
    return request.user


def _origin(request: AuthedHttpRequest) -> str:
    """This console's origin as the browser reaches it (the sandbox and the redirect URI use it)."""
    return request.build_absolute_uri("/").rstrip("/")


@login_required
@permission_required(VIEW, raise_exception=True)
@never_cache
@require_GET
def connection_list(request: AuthedHttpRequest) -> HttpResponse:
    """Admins: every connection. Others: the orgs they may see, read-only (status, API budget, last sync)."""
    rows = [
        {"connection": c, "usage": selectors.api_usage_for(c) if c.status != c.Status.DISCONNECTED else None}
        for c in selectors.connections_for_list(user=request.user)
    ]
    context = {
        "rows": rows,
        "sandbox_enabled": services.sandbox_enabled(),
        "can_manage": request.user.has_perm(MANAGE),
        "share": _share_offer(request),
    }
    return render(request, "connections/list.html", context)


def _visible_connection(request: AuthedHttpRequest, pk: int) -> DeskConnection:
    """The connection if the user may see its org; a 404 otherwise (an org they cannot see does not exist)."""
    if request.user.has_perm(MANAGE):
        return get_object_or_404(DeskConnection, pk=pk)
    return get_object_or_404(selectors.connections_for_user(user=request.user), pk=pk)


@login_required
@permission_required(VIEW, raise_exception=True)
@never_cache
@require_GET
def connection_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    connection = _visible_connection(request, pk)
    can_manage = request.user.has_perm(MANAGE)
    context: dict[str, object] = {
        "connection": connection,
        "usage": selectors.api_usage_for(connection),
        "can_manage": can_manage,
        "share": _share_offer(request),
    }
    if can_manage:
        context["access"] = _access_context(connection)
    # Other apps' parts of this page (the sync's search-scope notice), without importing them.
    context["sections"] = sections_for("connections:detail", request, connection=connection)
    return render(request, "connections/detail.html", context)


def _access_context(connection: DeskConnection) -> dict[str, Any]:
    """ "Who can see this org": the admins (every org), the users given access, and who could be added."""
    by_role = core_selectors.users_by_role()
    members = core_selectors.org_members(connection.org_id)
    member_ids = {m.user_id for m in members}
    candidates = [
        (user.pk, f"{user.get_full_name() or user.get_username()} ({role.label.lower()})")
        for role in (Role.MANAGER, Role.AGENT)
        for user in by_role[role]
        if user.pk not in member_ids
    ]
    roles = {user.pk: role for role, users in by_role.items() for user in users}
    return {
        "admins": by_role[Role.ADMIN],
        "members": [{"membership": m, "role": roles.get(m.user_id)} for m in members],
        "grant_form": UserGrantForm(users=candidates) if candidates else None,
    }


def _access_response(
    request: AuthedHttpRequest, connection: DeskConnection, message: str, level: str
) -> HttpResponse:
    if not request.htmx:
        (messages.success if level == "success" else messages.error)(request, message)
        return redirect("connections:detail", pk=connection.pk)
    context = {"connection": connection, "access": _access_context(connection)}
    response = render(request, "connections/detail.html#org-access", context)
    return toast(response, message, level)  # type: ignore[arg-type]


@admin_only
@require_POST
def access_grant(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Give one more user access to this org."""
    connection = get_object_or_404(DeskConnection, pk=pk)
    users = [(u.pk, u.get_username()) for u in get_user_model().objects.filter(is_active=True)]
    form = UserGrantForm(request.POST, users=users)
    if not form.is_valid():
        return _access_response(request, connection, "Pick one of the listed users.", "error")
    user = get_user_model().objects.get(pk=form.cleaned_data["user_id"])
    org_access_grant(user=user, org_id=connection.org_id, actor=_actor(request))
    return _access_response(
        request, connection, f"{user.get_username()} can now see {connection.org_name}.", "success"
    )


@admin_only
@require_POST
def access_revoke(request: AuthedHttpRequest, pk: int, user_id: int) -> HttpResponse:
    connection = get_object_or_404(DeskConnection, pk=pk)
    user = get_object_or_404(get_user_model(), pk=user_id)
    if not org_access_revoke(user=user, org_id=connection.org_id, actor=_actor(request)):
        raise Http404("That user had no access to this org.")
    return _access_response(
        request, connection, f"{user.get_username()} can no longer see {connection.org_name}.", "success"
    )


def _share_offer(request: AuthedHttpRequest) -> dict[str, Any] | None:
    """After connecting: the users who cannot see the new orgs yet, offered access in one click."""
    org_ids = request.session.get(SHARE_KEY) or []
    if not org_ids or not request.user.has_perm(MANAGE):
        return None
    connections = list(DeskConnection.objects.filter(org_id__in=org_ids))
    by_role = core_selectors.users_by_role()
    users = [u for role in (Role.MANAGER, Role.AGENT) for u in by_role[role]]
    missing = [
        u
        for u in users
        if any(not core_selectors.user_may_see_org(user=u, org_id=c.org_id) for c in connections)
    ]
    if not connections or not missing:
        return None
    return {"connections": connections, "users": missing}


@admin_only
@require_POST
def share(request: AuthedHttpRequest) -> HttpResponse:
    """The answer to the offer after connecting: give the existing users access to the new orgs, or not now."""
    offer = _share_offer(request)
    request.session.pop(SHARE_KEY, None)
    next_url = safe_next_url(request, request.POST.get("next", ""), fallback=reverse("connections:list"))
    if offer is None or "grant" not in request.POST:
        return HttpResponseRedirect(next_url)
    for user in offer["users"]:
        for connection in offer["connections"]:
            org_access_grant(user=user, org_id=connection.org_id, actor=_actor(request))
    names = ", ".join(c.org_name for c in offer["connections"])
    count = len(offer["users"])
    messages.success(request, f"{count} user{'s' if count != 1 else ''} can now see {names}.")
    return HttpResponseRedirect(next_url)


@admin_only
@sensitive_post_parameters("client_secret")
@require_http_methods(["GET", "POST"])
def connect(request: AuthedHttpRequest) -> HttpResponse:
    form = ConnectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        url = flow.flow_start(
            session=request.session,
            data_center_code=form.cleaned_data["data_center"],
            client_id=form.cleaned_data["client_id"],
            client_secret=form.cleaned_data["client_secret"],
            scopes=form.cleaned_data["scopes"],
            origin=_origin(request),
        )
        audit_record(
            actor=_actor(request),
            action="connection.consent_started",
            target_type="connection",
            message=f"Sent to the {form.cleaned_data['data_center']} consent page",
            detail={"scopes": form.cleaned_data["scopes"], "data_center": form.cleaned_data["data_center"]},
        )
        return _external_redirect(request, url)
    return render(request, "connections/connect.html", {"form": form}, status=400 if form.errors else 200)


def _external_redirect(request: AuthedHttpRequest, url: str) -> HttpResponse:
    # An HTMX-boosted form would try to swap the accounts server's page in: make it a full navigation.
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


@admin_only
@require_GET
@sensitive_variables()
def callback(request: AuthedHttpRequest) -> HttpResponse:
    try:
        grant = flow.flow_callback(
            session=request.session, params=request.GET, origin=_origin(request), actor=_actor(request)
        )
    except flow.FlowError as exc:
        status = 400 if exc.reason in {"state", "accounts_server"} else 200
        return render(
            request,
            "connections/callback_error.html",
            {"message": str(exc), "reason": exc.reason},
            status=status,
        )
    if grant.reconnect_id is not None:
        target = DeskConnection.objects.filter(pk=grant.reconnect_id).first()
        if target is not None and any(org["id"] == target.org_id for org in grant.orgs):
            services.connections_save(actor=_actor(request), grant=grant, org_ids=[target.org_id])
            flow.grant_discard(request.session)
            messages.success(request, f"{target.org_name} is reconnected.")
            return redirect("connections:detail", pk=target.pk)
    return redirect("connections:pick")


@admin_only
@require_http_methods(["GET", "POST"])
def pick_orgs(request: AuthedHttpRequest) -> HttpResponse:
    grant = flow.pending_grant(request.session)
    if grant is None:
        messages.info(request, "There is no consent waiting for org selection. Connect an org first.")
        return redirect("connections:connect")
    if request.method == "POST" and "cancel" in request.POST:
        services.grant_abandon(actor=_actor(request), grant=grant)
        flow.grant_discard(request.session)
        messages.info(request, "Nothing was connected; the consent was revoked.")
        return redirect("connections:list")
    connected = set(
        DeskConnection.objects.filter(org_id__in=[o["id"] for o in grant.orgs])
        .exclude(status=DeskConnection.Status.DISCONNECTED)
        .values_list("org_id", flat=True)
    )
    form = PickOrgsForm(request.POST or None, orgs=grant.orgs, connected=connected)
    if request.method == "POST" and form.is_valid():
        saved = services.connections_save(
            actor=_actor(request), grant=grant, org_ids=form.cleaned_data["orgs"]
        )
        flow.grant_discard(request.session)
        request.session[selectors.SESSION_KEY] = saved[0].pk
        request.session[SHARE_KEY] = [c.org_id for c in saved]
        names = ", ".join(c.org_name for c in saved)
        messages.success(request, f"Connected {names}. The first sync starts in the background.")
        if len(saved) == 1:
            return redirect("connections:detail", pk=saved[0].pk)
        return redirect("connections:list")
    context = {"form": form, "grant": grant, "connected": connected}
    return render(request, "connections/pick.html", context, status=400 if form.errors else 200)


@admin_only
@require_http_methods(["GET", "POST"])
def disconnect(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    connection = get_object_or_404(DeskConnection, pk=pk)
    if request.method == "POST":
        notices: list[str] = []
        if connection.status != DeskConnection.Status.DISCONNECTED:
            result = services.connection_disconnect(actor=_actor(request), connection=connection)
            connection, notices = result.connection, result.notices
        text = f"{connection.org_name} is disconnected; its tokens are deleted."
        if getattr(request, "htmx", False):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse("connections:detail", kwargs={"pk": pk})
            return toast(response, " ".join([text, *notices]), level="warning" if notices else "success")
        # What is left to do by hand is on the org's page itself (connection.last_error), not in a flash.
        messages.success(request, text)
        return redirect("connections:detail", pk=pk)
    return render(request, "connections/disconnect.html", {"connection": connection})


@admin_only
@require_GET
@sensitive_variables()
def reconnect(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """One click from the needs-re-consent banner: straight to the consent page with the same settings."""
    connection = get_object_or_404(DeskConnection, pk=pk)
    try:
        url = flow.flow_start(
            session=request.session,
            data_center_code=connection.data_center,
            client_id=connection.client_id,
            client_secret=connection.get_client_secret(),
            scopes=list(connection.scopes) or services.DEFAULT_SCOPES,
            origin=_origin(request),
            reconnect_id=connection.pk,
        )
    except KeyError:
        messages.error(request, "This connection's data center is not available here; connect the org anew.")
        return redirect("connections:connect")
    audit_record(
        actor=_actor(request),
        action="connection.consent_started",
        org_id=connection.org_id,
        target_type="connection",
        target_id=connection.pk,
        message=f"Reconnecting {connection.org_name}",
    )
    return _external_redirect(request, url)


@admin_only
@require_POST
def check(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    connection = get_object_or_404(DeskConnection, pk=pk)
    if not connection.is_usable:
        messages.error(request, "This connection has no usable tokens; reconnect it first.")
        return redirect("connections:detail", pk=pk)
    connection = services.connection_check(actor=_actor(request), connection=connection)
    if connection.status == DeskConnection.Status.HEALTHY:
        messages.success(request, f"{connection.org_name} answered: the connection is healthy.")
    else:
        messages.error(
            request, f"{connection.org_name}: {connection.get_status_display()}. {connection.last_error}"
        )
    return redirect("connections:detail", pk=pk)


@login_required
@require_POST
def switch(request: AuthedHttpRequest) -> HttpResponse:
    """The org switcher in the top bar: any signed-in user, but only to a connection they may see."""
    next_url = safe_next_url(request, request.POST.get("next", ""), fallback=reverse("core:dashboard"))
    wanted = parse_int(request.POST.get("connection", ""), minimum=1)
    connection = (
        selectors.connections_for_user(user=request.user).filter(pk=wanted).first() if wanted else None
    )
    if connection is None:
        messages.error(request, "You cannot switch to that org.")
    else:
        request.session[selectors.SESSION_KEY] = connection.pk
    return HttpResponseRedirect(next_url)
