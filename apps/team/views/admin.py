"""Agent admin (admins): invite, edit, deactivate (their open tickets reassigned in the same step), activate,
delete (after the offer to reassign), and a Desk agent made a console user. Each write is one Desk call
through apps.team.services; a reassignment is the tickets app's bulk job (apps.team.handoff)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.connections.models import DeskConnection
from apps.connections.selectors import connection_for_request
from apps.core.htmx import AuthedHttpRequest
from apps.core.roles import Role
from apps.core.shell import sections_for
from apps.desk.errors import DeskError, DeskValidationError
from apps.team import services
from apps.team.forms.agents import AgentEditForm, AgentHandoffForm, AgentInviteForm, ConsoleUserInviteForm
from apps.team.handoff import handoff_provider
from apps.team.models import Agent, Department
from apps.team.selectors import agent_detail, agent_display_name, agents_to_hand_off_to, departments_of
from apps.team.views.common import MANAGE_AGENTS, agent_or_404, desk_error_message, no_connection


def _departments(connection: DeskConnection) -> list[Department]:
    return sorted(departments_of(connection).values(), key=lambda d: d.name.lower())


@login_required
@permission_required(MANAGE_AGENTS, raise_exception=True)
def agent_invite(request: AuthedHttpRequest) -> HttpResponse:
    connection = connection_for_request(request)
    if connection is None:
        return no_connection(request)
    form = AgentInviteForm(request.POST or None, departments=_departments(connection))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            agent = services.agent_invite(
                actor=request.user,
                connection=connection,
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                role_permission_type=data["role_permission_type"],
                department_ids=data["departments"],
            )
        except DeskValidationError as error:
            form.add_desk_error(error)
        except DeskError as error:
            form.add_error(None, desk_error_message(error))
        else:
            messages.success(request, f"Invited {agent_display_name(agent)}: Desk has emailed {agent.email}.")
            return redirect("team:agent", desk_id=agent.desk_id)
    status = 422 if form.errors else 200
    return render(request, "team/agent_form.html", {"form": form, "connection": connection}, status=status)


@login_required
@permission_required(MANAGE_AGENTS, raise_exception=True)
def agent_edit(request: AuthedHttpRequest, desk_id: str) -> HttpResponse:
    connection, agent = agent_or_404(request, desk_id)
    initial = {
        "first_name": agent.first_name,
        "last_name": agent.last_name,
        "email": agent.email,
        "phone": agent.phone,
        "mobile": agent.mobile,
        "departments": [str(d) for d in agent.associated_department_ids or []],
    }
    form = AgentEditForm(request.POST or None, initial=initial, departments=_departments(connection))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.agent_edit(
                actor=request.user,
                agent=agent,
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                phone=data["phone"],
                mobile=data["mobile"],
                department_ids=data["departments"],
            )
        except services.AgentActionRefused as refused:
            messages.info(request, str(refused))
            return redirect("team:agent", desk_id=agent.desk_id)
        except DeskValidationError as error:
            form.add_desk_error(error)
        except DeskError as error:
            form.add_error(None, desk_error_message(error))
        else:
            messages.success(request, f"Saved {agent_display_name(agent)} in Desk.")
            return redirect("team:agent", desk_id=agent.desk_id)
    context = {"form": form, "connection": connection, "agent": agent}
    return render(request, "team/agent_form.html", context, status=422 if form.errors else 200)


def _confirm_page(
    request: AuthedHttpRequest,
    *,
    connection: DeskConnection,
    agent: Agent,
    action: str,
    error: str = "",
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    context = {
        "connection": connection,
        "agent": agent,
        "row": agent_detail(connection=connection, agent=agent),
        "action": action,
        "error": error,
        "sections": sections_for(f"team:agent_{action}", request, connection=connection, agent=agent),
        **(extra or {}),
    }
    return render(request, "team/agent_confirm.html", context, status=422 if error else 200)


def _handoff_context(request: AuthedHttpRequest, connection: DeskConnection, agent: Agent) -> dict[str, Any]:
    """The agent's open tickets and, when someone may reassign them, the one-step form."""
    provider = handoff_provider()
    if provider is None:
        return {}
    open_tickets = provider.open_tickets(connection, agent)
    form = None
    if open_tickets.count and request.user.has_perm("core.bulk_edit_tickets"):
        others = agents_to_hand_off_to(connection=connection, agent=agent)
        form = AgentHandoffForm(request.POST or None, others=others)
    return {"open_tickets": open_tickets, "handoff_form": form}


@login_required
@permission_required(MANAGE_AGENTS, raise_exception=True)
def agent_deactivate(request: AuthedHttpRequest, desk_id: str) -> HttpResponse:
    """GET: what deactivating means, with the agent's open tickets and, in the same form, who takes them over.

    POST with ``reassign``: the open tickets' reassignment is started first (a bulk job: its credit check,
    progress and outcome are the bulk page's, where this redirects), then the agent is deactivated. Without
    ``reassign``: only the deactivation (their tickets stay theirs)."""
    connection, agent = agent_or_404(request, desk_id)
    extra = _handoff_context(request, connection, agent)
    if request.method != "POST":
        return _confirm_page(request, connection=connection, agent=agent, action="deactivate", extra=extra)
    if agent.status == "DISABLED":
        messages.info(request, f"{agent} is already deactivated.")
        return redirect("team:agent", desk_id=agent.desk_id)
    form = extra.get("handoff_form")
    handoff = None
    open_tickets = extra.get("open_tickets")
    if request.POST.get("reassign") == "1" and form is None and open_tickets and open_tickets.count:
        # Asked to reassign without the right to run bulk actions (the form was not offered): change nothing.
        return _confirm_page(
            request,
            connection=connection,
            agent=agent,
            action="deactivate",
            extra=extra,
            error="Reassigning tickets needs the right to run bulk actions; nothing was changed.",
        )
    if request.POST.get("reassign") == "1" and form is not None:
        if not form.is_valid():
            return _confirm_page(
                request,
                connection=connection,
                agent=agent,
                action="deactivate",
                extra=extra,
                error="Choose who takes over their open tickets from the list.",
            )
        to_agent_id = form.cleaned_data["reassign_to"]
        provider = handoff_provider()
        assert provider is not None  # a form is only offered with one
        handoff = provider.reassign(
            actor=request.user, connection=connection, agent=agent, to_agent_id=to_agent_id
        )
        if not handoff.started:  # nothing changed: neither reassigned nor deactivated
            return _confirm_page(
                request,
                connection=connection,
                agent=agent,
                action="deactivate",
                extra=extra,
                error=handoff.refusal,
            )
    name = agent_display_name(agent)
    try:
        services.agent_deactivate(actor=request.user, agent=agent)
    except DeskError as error:
        if handoff is None or not handoff.count:
            return _confirm_page(
                request,
                connection=connection,
                agent=agent,
                action="deactivate",
                error=desk_error_message(error),
                extra=extra,
            )
        messages.error(
            request,
            f"{name} was not deactivated: {desk_error_message(error)} Their open tickets are being reassigned "
            "all the same; deactivate them again from their page.",
        )
        return redirect(handoff.url)
    if handoff is None or not handoff.count:
        messages.success(request, f"Deactivated {name} in Desk.")
        return redirect("team:agent", desk_id=agent.desk_id)
    to_name = dict(form.fields["reassign_to"].choices).get(to_agent_id, "") if form and to_agent_id else ""
    tickets = f"Their {handoff.count} open ticket{'s' if handoff.count != 1 else ''}"
    being = "are being" if handoff.count != 1 else "is being"
    whereto = f"reassigned to {to_name}" if to_name else "unassigned"
    messages.success(
        request, f"Deactivated {name} in Desk. {tickets} {being} {whereto}: the outcome is below."
    )
    return redirect(handoff.url)


@login_required
@permission_required(MANAGE_AGENTS, raise_exception=True)
@require_POST
def agent_activate(request: AuthedHttpRequest, desk_id: str) -> HttpResponse:
    connection, agent = agent_or_404(request, desk_id)
    try:
        services.agent_activate(actor=request.user, agent=agent)
    except services.AgentActionRefused as refused:
        messages.info(request, str(refused))
    except DeskError as error:
        messages.error(request, desk_error_message(error))
    else:
        messages.success(request, f"Activated {agent_display_name(agent)} in Desk.")
    return redirect("team:agent", desk_id=agent.desk_id)


@login_required
@permission_required(MANAGE_AGENTS, raise_exception=True)
def agent_delete(request: AuthedHttpRequest, desk_id: str) -> HttpResponse:
    """GET: what deleting means (and when Desk will not); POST: one Desk call, its refusal shown as said."""
    connection, agent = agent_or_404(request, desk_id)
    if agent.is_deleted:
        messages.info(request, f"{agent_display_name(agent)} is already deleted in Desk.")
        return redirect("team:agents")
    if request.method != "POST":
        return _confirm_page(request, connection=connection, agent=agent, action="delete")
    try:
        services.agent_delete(actor=request.user, agent=agent)
    except DeskError as error:
        return _confirm_page(
            request, connection=connection, agent=agent, action="delete", error=delete_refusal(error)
        )
    messages.success(request, f"Deleted {agent_display_name(agent)} in Desk.")
    return redirect("team:agents")


def delete_refusal(error: DeskError) -> str:
    """Desk's refusal to delete, with what to do instead."""
    if isinstance(error, DeskValidationError) or error.status in (400, 403, 422):
        return (
            f"Desk will not delete this agent: {error.message} "
            "Deactivate them instead: they can no longer sign in to Desk, and their tickets and history stay."
        )
    return desk_error_message(error)


@login_required
@permission_required("core.manage_users", raise_exception=True)
def agent_console_user(request: AuthedHttpRequest, desk_id: str) -> HttpResponse:
    """Invite a Desk agent as a console user in one step (username, password, role; no Desk call).
    ``?org=<orgId>`` names the agent's org (the Users page lists every org's agents); else the current one."""
    connection, agent = agent_or_404(request, desk_id, org_id=request.GET.get("org", ""))
    suggested = (agent.email.split("@")[0] if agent.email else "")[:150]
    form = ConsoleUserInviteForm(request.POST or None, initial={"username": suggested})
    if request.method == "POST" and form.is_valid():
        user = services.agent_console_user_invite(
            actor=request.user,
            agent=agent,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
            role=Role(form.cleaned_data["role"]),
        )
        messages.success(
            request,
            f"{user.get_username()} can now sign in as {Role(form.cleaned_data['role']).label.lower()}, "
            f"as Desk agent {agent_display_name(agent)} in {connection.org_name}.",
        )
        return redirect("core:users")
    context = {"form": form, "connection": connection, "agent": agent}
    return render(request, "team/console_user_form.html", context, status=422 if form.errors else 200)
