"""Core views: overview, audit log, health check and the error pages."""

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db import DatabaseError, connections
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.core import selectors
from apps.core.models import AuditEntry

AUDIT_PAGE_SIZE = 50


def _url_or_empty(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    can_audit = request.user.has_perm("core.view_audit_log")
    context = {
        "recent_entries": selectors.audit_entries(user=request.user)[:8] if can_audit else [],
        "can_audit": can_audit,
        "connect_url": _url_or_empty("connections:list")
        if request.user.has_perm("core.manage_connections")
        else "",
        "team_size": get_user_model().objects.filter(is_active=True).count(),
        "roles": (
            get_user_model()
            .objects.filter(is_active=True, groups__name__isnull=False)
            .values("groups__name")
            .annotate(n=Count("id"))
            .order_by("groups__name")
        ),
    }
    return render(request, "core/dashboard.html", context)


@login_required
@permission_required("core.view_audit_log", raise_exception=True)
def audit_log(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    outcome = request.GET.get("outcome", "")
    action = request.GET.get("action", "")[:64]
    entries = selectors.audit_entries(user=request.user, query=query, outcome=outcome, action=action)
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "query": query,
        "outcome": outcome if outcome in AuditEntry.Outcome.values else "",
        "action": action,
        "actions": selectors.audit_actions(),
        "outcomes": AuditEntry.Outcome.choices,
    }
    template = "core/audit.html#results" if request.htmx else "core/audit.html"
    return render(request, template, context)


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and the Docker healthcheck: 200 when the database answers, else 503."""
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors here: whatever broke must not break the error page too.
    from django.template import loader

    return HttpResponse(loader.get_template("500.html").render(), status=500)
