"""Core views: overview, audit log, users (roles, org access, Desk agent links), health check, error pages."""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import User
from django.db import DatabaseError, connections
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.urls import NoReverseMatch, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from apps.core import selectors, services
from apps.core.forms import (
    AgentLinkForm,
    AuditFilterForm,
    NewUserAccessForm,
    OrgGrantForm,
    UserCreateForm,
    UserUpdateForm,
)
from apps.core.htmx import AuthedHttpRequest, toast
from apps.core.models import AuditEntry, OrgMembership
from apps.core.orgs import DeskAgentChoice, Org, agents_for_org, known_orgs, org_names, target_labels
from apps.core.paging import SortKey, capped_count, keyset_page_for, page_links, page_request
from apps.core.parsing import is_ascii_digits
from apps.core.roles import Role, role_abilities, user_role
from apps.core.shell import sections_for

AUDIT_PAGE_SIZE = 50
AUDIT_SORT = SortKey("created_at", descending=True)  # newest first, then the id: the created_at index

# Detail keys of a ticket write that hold a Desk agent's id (named on the audit page).
AGENT_KEYS = ("assignee_id", "assigneeId", "agent_id")


def audit_entries_named(entries: list[AuditEntry]) -> list[AuditEntry]:
    """The entries with what a person reads instead of ids: ``org_name``, ``target_label`` (ticket number
    and subject, user name, org name, bulk job, saved view) and ``agent_names`` (assignee changes)."""
    names = org_names()
    labels = target_labels([(e.target_type, e.org_id, e.target_id) for e in entries])
    user_ids = [int(e.target_id) for e in entries if e.target_type == "user" and is_ascii_digits(e.target_id)]
    users = {
        str(u.pk): u.get_full_name() or u.get_username()
        for u in get_user_model().objects.filter(pk__in=user_ids)
    }
    agents: dict[str, dict[str, str]] = {}
    for entry in entries:
        entry.org_name = names.get(entry.org_id, entry.org_id)  # type: ignore[attr-defined]
        key = (entry.target_type, entry.org_id, entry.target_id)
        if key in labels:
            label = labels[key]
        elif entry.target_type == "user" and entry.target_id in users:
            label = users[entry.target_id]
        elif entry.target_type == "connection" and entry.org_id:
            label = names.get(entry.org_id, f"org {entry.org_id}")
        else:
            label = f"{entry.target_type.replace('_', ' ')} {entry.target_id}".strip()
        entry.target_label = label  # type: ignore[attr-defined]
        changes = (entry.detail or {}).get("changes") if isinstance(entry.detail, dict) else None
        named: list[str] = []
        if isinstance(changes, dict) and entry.org_id:
            for agent_key in AGENT_KEYS:
                agent_id = str(changes.get(agent_key) or "")
                if agent_id:
                    if entry.org_id not in agents:
                        agents[entry.org_id] = {
                            a.desk_id: a.label.split(" <")[0] for a in agents_for_org(entry.org_id)
                        }
                    named.append(agents[entry.org_id].get(agent_id, f"agent {agent_id}"))
        entry.agent_names = named  # type: ignore[attr-defined]
    return entries


def _url_or_empty(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def _my_queue_url(user: User) -> str:
    """The tickets queue filtered to "me" (by URL name: the core imports no tickets code), or ""."""
    queue = _url_or_empty("tickets:queue")
    return f"{queue}?assignee=me" if queue and user.has_perm("core.view_tickets") else ""


@login_required
def home(request: AuthedHttpRequest) -> HttpResponse:
    """Where signing in lands: an agent's home is their queue ("me"); others get the Overview."""
    queue = _my_queue_url(request.user)
    if queue and user_role(request.user) == Role.AGENT:
        return redirect(queue)
    return redirect("core:dashboard")


@login_required
def dashboard(request: AuthedHttpRequest) -> HttpResponse:
    can_audit = request.user.has_perm("core.view_audit_log")
    context = {
        "recent_entries": audit_entries_named(list(selectors.audit_entries(user=request.user)[:8]))
        if can_audit
        else [],
        "can_audit": can_audit,
        "connect_url": _url_or_empty("connections:list")
        if request.user.has_perm("core.manage_connections")
        else "",
        "queue_url": _my_queue_url(request.user),
        "team_size": selectors.active_user_count(),
        "roles": selectors.active_users_by_role(),
        # What other apps add (insights: the cross-org search and a card per org), first on the page.
        "sections": sections_for("core:dashboard", request),
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
    # Keyset pages and a capped count (apps/core/paging.py): page 1,000 costs what page 1 does.
    where = page_request(request.GET)
    page = keyset_page_for(entries, key=AUDIT_SORT, size=AUDIT_PAGE_SIZE, where=where)
    filter_query = urlencode(filters)  # pagination links carry only the filters that are set
    context = {
        "page": page,
        "entries": audit_entries_named(page.rows),
        "count": capped_count(entries),
        "links": page_links(page, filter_query=filter_query),
        "notice": where.notice,
        "form": form,
        "is_filtered": bool(filters),
        "filter_query": filter_query,
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

    return HttpResponse(loader.get_template("500.html").render(), status=500)


MANAGE_USERS = "core.manage_users"


@login_required
@permission_required(MANAGE_USERS, raise_exception=True)
def users_list(request: AuthedHttpRequest) -> HttpResponse:
    users = list(get_user_model().objects.order_by("username").prefetch_related("groups"))
    memberships = selectors.memberships_by_user(users)
    orgs = known_orgs()
    agents: dict[str, list[DeskAgentChoice]] = {}
    rows = [_user_row(u, memberships.get(u.pk, []), orgs=orgs, agents=agents) for u in users]
    context = {
        "rows": rows,
        "roles": role_abilities(),
        "access_form": NewUserAccessForm(
            initial={"new_user_org_access": selectors.console_settings().new_user_org_access}
        ),
        "orgs": orgs,
        # e.g. the team app's Desk agents who are not console users yet, each one step from being one
        "sections": sections_for("core:users", request),
    }
    return render(request, "core/users.html", context)


@login_required
@permission_required(MANAGE_USERS, raise_exception=True)
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
    context = {
        "form": form,
        "new_user_access": selectors.console_settings().get_new_user_org_access_display(),
    }
    return render(request, "core/user_new.html", context, status=422 if form.errors else 200)


@login_required
@permission_required(MANAGE_USERS, raise_exception=True)
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
        return _row_response(request, user, message, level)
    return _row_response(request, user, "Pick one of the listed roles.", "error", form=form)


@login_required
@permission_required(MANAGE_USERS, raise_exception=True)
@require_POST
def user_org_grant(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Give the user access to one more connected org."""
    user = get_object_or_404(get_user_model(), pk=pk)
    form = OrgGrantForm(request.POST, orgs=known_orgs(), prefix=f"g{user.pk}")
    if not form.is_valid():
        return _row_response(request, user, "Pick one of the connected orgs.", "error")
    org_id = form.cleaned_data["org_id"]
    services.org_access_grant(user=user, org_id=org_id, actor=request.user)
    name = org_names().get(org_id, org_id)
    return _row_response(request, user, f"{user.get_username()} can now see {name}.", "success")


@login_required
@permission_required(MANAGE_USERS, raise_exception=True)
@require_POST
def user_org_revoke(request: AuthedHttpRequest, pk: int, org_id: str) -> HttpResponse:
    user = get_object_or_404(get_user_model(), pk=pk)
    name = org_names().get(org_id, f"org {org_id}")
    if services.org_access_revoke(user=user, org_id=org_id, actor=request.user):
        return _row_response(request, user, f"{user.get_username()} can no longer see {name}.", "success")
    return _row_response(request, user, f"{user.get_username()} had no access to {name}.", "info")


@login_required
@permission_required(MANAGE_USERS, raise_exception=True)
@require_POST
def user_org_agent(request: AuthedHttpRequest, pk: int, org_id: str) -> HttpResponse:
    """Link the user to one of the org's Desk agents (or to none)."""
    user = get_object_or_404(get_user_model(), pk=pk)
    membership = get_object_or_404(OrgMembership, user=user, org_id=org_id)
    form = AgentLinkForm(
        request.POST,
        prefix=f"a{user.pk}-{org_id}",
        agents=agents_for_org(org_id),
        current=membership.desk_agent_id,
    )
    if not form.is_valid():
        return _row_response(request, user, "Pick one of the org's Desk agents.", "error")
    services.org_agent_link(
        membership=membership, desk_agent_id=form.cleaned_data["desk_agent_id"], actor=request.user
    )
    name = org_names().get(org_id, f"org {org_id}")
    return _row_response(request, user, f"Saved {user.get_username()}'s Desk agent in {name}.", "success")


@login_required
@permission_required(MANAGE_USERS, raise_exception=True)
@require_POST
def users_access_default(request: AuthedHttpRequest) -> HttpResponse:
    """Save what new users get access to."""
    form = NewUserAccessForm(request.POST)
    if form.is_valid():
        row = services.console_settings_update(
            new_user_org_access=form.cleaned_data["new_user_org_access"], actor=request.user
        )
        messages.success(
            request, f"New users get access to: {row.get_new_user_org_access_display().lower()}."
        )
    else:
        messages.error(request, "Pick one of the listed choices.")
    return redirect("core:users")


def _row_response(
    request: AuthedHttpRequest,
    user: User,
    message: str,
    level: str,
    *,
    form: UserUpdateForm | None = None,
) -> HttpResponse:
    """After a change to one user: their row and a toast (HTMX), or back to the page with a message."""
    if not request.htmx:
        {"success": messages.success, "info": messages.info}.get(level, messages.error)(request, message)
        return redirect("core:users")
    memberships = selectors.memberships_by_user([user]).get(user.pk, [])
    row = _user_row(user, memberships, orgs=known_orgs(), agents={}, form=form)
    response = render(request, "core/users.html#user-row", {"row": row})
    return toast(response, message, level)  # type: ignore[arg-type]


def _user_row(
    user: User,
    memberships: list[OrgMembership],
    *,
    orgs: list[Org],
    agents: dict[str, list[DeskAgentChoice]],
    form: UserUpdateForm | None = None,
) -> dict[str, Any]:
    """One row of the Users page: the role form, and the orgs the user sees with their Desk agent in each."""
    names = {org.org_id: org.name for org in orgs}
    held = {m.org_id for m in memberships}
    access = []
    for membership in sorted(memberships, key=lambda m: names.get(m.org_id, m.org_id).lower()):
        if membership.org_id not in agents:
            agents[membership.org_id] = agents_for_org(membership.org_id)
        org_agents = agents[membership.org_id]
        access.append(
            {
                "membership": membership,
                "org_name": names.get(membership.org_id, ""),
                "agent_name": next(
                    (a.label for a in org_agents if a.desk_id == membership.desk_agent_id), ""
                ),
                "agent_form": AgentLinkForm(
                    initial={"desk_agent_id": membership.desk_agent_id},
                    prefix=f"a{user.pk}-{membership.org_id}",
                    agents=org_agents,
                    current=membership.desk_agent_id,
                ),
            }
        )
    role = user_role(user)
    grantable = [org for org in orgs if org.org_id not in held]
    return {
        "user": user,
        "role": role,
        "form": form or UserUpdateForm(initial=_user_initial(user), prefix=f"u{user.pk}"),
        "access": access,
        "grant_form": OrgGrantForm(orgs=grantable, prefix=f"g{user.pk}") if grantable else None,
    }


def _user_initial(user: User) -> dict[str, Any]:
    role = user_role(user)
    return {"role": role.value if role else Role.AGENT.value, "is_active": user.is_active}
