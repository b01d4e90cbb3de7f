"""Core views: overview, audit log, health check and the error pages."""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.db import DatabaseError, connections
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from apps.core import selectors, services
from apps.core.forms import AuditFilterForm, UserCreateForm, UserUpdateForm
from apps.core.htmx import AuthedHttpRequest, toast
from apps.core.models import AuditEntry
from apps.core.roles import Role, user_role

AUDIT_PAGE_SIZE = 50


def _url_or_empty(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


@login_required
def dashboard(request: AuthedHttpRequest) -> HttpResponse:
    can_audit = request.user.has_perm("core.view_audit_log")
    context = {
        "recent_entries": selectors.audit_entries(user=request.user)[:8] if can_audit else [],
        "can_audit": can_audit,
        "connect_url": _url_or_empty("connections:list")
        if request.user.has_perm("core.manage_connections")
        else "",
        "team_size": selectors.active_user_count(),
        "roles": selectors.active_users_by_role(),
    }
    return render(request, "core/dashboard.html", context)


@login_required
@permission_required("core.view_audit_log", raise_exception=True)
def audit_log(request: AuthedHttpRequest) -> HttpResponse:
    form = AuditFilterForm(
        request.GET, actions=selectors.audit_actions(), outcomes=list(AuditEntry.Outcome.choices)
    )
    filters = form.filters()
    entries = selectors.audit_entries(
        user=request.user,
        query=filters.get("q", ""),
        outcome=filters.get("outcome", ""),
        action=filters.get("action", ""),
    )
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "form": form,
        "is_filtered": bool(filters),
        # Pagination links carry only the filters that are set.
        "filter_query": urlencode(filters),
    }
    template = "core/audit.html#results" if request.htmx else "core/audit.html"
    return render(request, template, context)


@require_GET
@never_cache
def healthz(request: AuthedHttpRequest) -> JsonResponse:
    """For load balancers and the Docker healthcheck: 200 when the database answers, else 503."""
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def permission_denied(request: AuthedHttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def page_not_found(request: AuthedHttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: AuthedHttpRequest) -> HttpResponse:
    # No context processors here: whatever broke must not break the error page too.
    from django.template import loader

    return HttpResponse(loader.get_template("500.html").render(), status=500)


@login_required
@permission_required("core.manage_users", raise_exception=True)
def users_list(request: AuthedHttpRequest) -> HttpResponse:
    users = get_user_model().objects.order_by("username").prefetch_related("groups")
    rows = [{"user": u, "form": UserUpdateForm(initial=_user_initial(u), prefix=f"u{u.pk}")} for u in users]
    return render(request, "core/users.html", {"rows": rows})


@login_required
@permission_required("core.manage_users", raise_exception=True)
def user_new(request: AuthedHttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = services.user_create(
            username=data["username"],
            password=data["password"],
            role=Role(data["role"]),
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            actor=request.user,
        )
        messages.success(
            request, f"{user.get_username()} can now sign in as {Role(data['role']).label.lower()}."
        )
        return redirect("core:users")
    return render(request, "core/user_new.html", {"form": form}, status=422 if form.errors else 200)


@login_required
@permission_required("core.manage_users", raise_exception=True)
@require_POST
def user_update(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(get_user_model(), pk=pk)
    form = UserUpdateForm(request.POST, prefix=f"u{user.pk}")
    message, level = "", "success"
    if form.is_valid():
        try:
            services.user_update(
                user=user,
                role=Role(form.cleaned_data["role"]),
                is_active=form.cleaned_data["is_active"],
                actor=request.user,
            )
            message = f"Saved {user.get_username()}."
        except services.LastAdminError as error:
            message, level = str(error), "error"
        form = UserUpdateForm(initial=_user_initial(user), prefix=f"u{user.pk}")
    else:
        message, level = "Pick one of the listed roles.", "error"
    if not request.htmx:
        (messages.success if level == "success" else messages.error)(request, message)
        return redirect("core:users")
    response = render(request, "core/users.html#user-row", {"row": {"user": user, "form": form}})
    return toast(response, message, level)  # type: ignore[arg-type]


def _user_initial(user: User) -> dict[str, Any]:
    role = user_role(user)
    return {"role": role.value if role else Role.AGENT.value, "is_active": user.is_active}
