"""Canned replies: the org's list (shared and one's own), create, edit, delete, and the list for one ticket
with its placeholders filled in (JSON for the reply box's picker). No Desk call."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from apps.connections.selectors import connection_for_request
from apps.core.htmx import AuthedHttpRequest
from apps.tickets.forms.canned import CannedReplyForm
from apps.tickets.models import CannedReply
from apps.tickets.selectors.canned import (
    canned_may_edit,
    canned_replies_for,
    canned_reply_visible,
    placeholder_values,
)
from apps.tickets.services import canned as canned_services
from apps.tickets.views.common import no_connection, ticket_or_404

SHARE_PERMISSION = "core.edit_tickets"


def _reply_or_404(request: AuthedHttpRequest, pk: int) -> CannedReply:
    reply = canned_reply_visible(user=request.user, pk=pk)
    if reply is None:
        raise Http404("No such canned reply")
    return reply


@login_required
@permission_required("core.reply_tickets", raise_exception=True)
@require_GET
def canned_list(request: AuthedHttpRequest) -> HttpResponse:
    connection = connection_for_request(request)
    if connection is None:
        return no_connection(request)
    rows = [
        (reply, canned_may_edit(user=request.user, reply=reply))
        for reply in canned_replies_for(connection=connection, user=request.user).select_related("owner")
    ]
    return render(
        request,
        "tickets/canned_list.html",
        {
            "connection": connection,
            "shared": [row for row in rows if row[0].is_shared],
            "personal": [row for row in rows if not row[0].is_shared],
            "placeholders": canned_services.PLACEHOLDERS,
            "back_ticket": request.GET.get("ticket", "")[:32],
        },
    )


@login_required
@permission_required("core.reply_tickets", raise_exception=True)
@require_http_methods(["GET", "POST"])
def canned_new(request: AuthedHttpRequest) -> HttpResponse:
    connection = connection_for_request(request)
    if connection is None:
        return no_connection(request)
    may_share = request.user.has_perm(SHARE_PERMISSION)
    form = CannedReplyForm(request.POST or None, may_share=may_share)
    if request.method == "POST" and form.is_valid():
        reply = canned_services.canned_create(
            actor=request.user,
            connection=connection,
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
            is_shared=bool(form.cleaned_data.get("is_shared")),
        )
        messages.success(request, f"Saved the canned reply “{reply.title}”.")
        return redirect("tickets:canned_list")
    return render(
        request,
        "tickets/canned_form.html",
        {"form": form, "connection": connection, "reply": None, "placeholders": canned_services.PLACEHOLDERS},
    )


@login_required
@permission_required("core.reply_tickets", raise_exception=True)
@require_http_methods(["GET", "POST"])
def canned_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    reply = _reply_or_404(request, pk)
    if not canned_may_edit(user=request.user, reply=reply):
        raise PermissionDenied("Only managers and admins edit shared canned replies.")
    may_share = request.user.has_perm(SHARE_PERMISSION)
    initial = {"title": reply.title, "body": reply.body, "is_shared": reply.is_shared}
    form = CannedReplyForm(request.POST or None, initial=initial, may_share=may_share)
    if request.method == "POST" and form.is_valid():
        canned_services.canned_update(
            actor=request.user,
            reply=reply,
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
            is_shared=bool(form.cleaned_data.get("is_shared")) if may_share else reply.is_shared,
        )
        messages.success(request, f"Saved the canned reply “{reply.title}”.")
        return redirect("tickets:canned_list")
    return render(
        request,
        "tickets/canned_form.html",
        {
            "form": form,
            "connection": reply.connection,
            "reply": reply,
            "placeholders": canned_services.PLACEHOLDERS,
        },
    )


@login_required
@permission_required("core.reply_tickets", raise_exception=True)
@require_POST
def canned_delete(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    reply = _reply_or_404(request, pk)
    if not canned_may_edit(user=request.user, reply=reply):
        raise PermissionDenied("Only managers and admins delete shared canned replies.")
    title = reply.title
    canned_services.canned_delete(actor=request.user, reply=reply)
    messages.success(request, f"Deleted the canned reply “{title}”.")
    if request.htmx:
        return HttpResponseClientRedirect(reverse("tickets:canned_list"))
    return redirect("tickets:canned_list")


@login_required
@permission_required("core.reply_tickets", raise_exception=True)
@require_GET
def canned_for_ticket(request: AuthedHttpRequest, desk_id: str) -> JsonResponse:
    """The replies the agent may insert on this ticket, placeholders filled in (the picker's data)."""
    ticket = ticket_or_404(request, desk_id)
    values = placeholder_values(ticket=ticket, user=request.user)
    items = []
    for reply in canned_replies_for(connection=ticket.connection, user=request.user):
        rendered = canned_services.canned_render(reply.body, values)
        items.append(
            {
                "id": reply.pk,
                "title": reply.title,
                "shared": reply.is_shared,
                "html": rendered.html,
                "unknown": rendered.unknown,
                "empty": rendered.empty,
            }
        )
    return JsonResponse({"replies": items})
