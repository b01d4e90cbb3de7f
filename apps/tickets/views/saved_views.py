"""Saved views: save the queue's current URL under a name, or delete one of one's own."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.connections.selectors import connection_for_request
from apps.core.htmx import AuthedHttpRequest
from apps.tickets.forms.queue import queue_filters_from
from apps.tickets.forms.saved_views import SavedViewForm
from apps.tickets.selectors.saved_views import saved_view_owned_by
from apps.tickets.services import saved_views as saved_view_services
from apps.tickets.views.common import no_connection


@login_required
@permission_required("core.view_tickets", raise_exception=True)
@require_POST
def saved_view_save(request: AuthedHttpRequest) -> HttpResponse:
    connection = connection_for_request(request)
    if connection is None:
        return no_connection(request)
    form = SavedViewForm(request.POST)
    valid = form.is_valid()
    # Re-parse, so only what the queue understands is kept (and never the page number).
    filters = queue_filters_from(QueryDict(form.cleaned_data.get("query", "")))
    query = filters.to_query(page="")
    back = reverse("tickets:queue") + (f"?{query}" if query else "")
    if not valid:
        messages.error(request, str(form.errors["name"][0]))
        return redirect(back)
    name = form.cleaned_data["name"]
    shared = form.cleaned_data["is_shared"] and request.user.has_perm("core.edit_tickets")
    saved_view_services.saved_view_create(
        actor=request.user, connection=connection, name=name, query=query, is_shared=shared
    )
    messages.success(request, f"Saved the view “{name}”{' for everyone' if shared else ''}.")
    return redirect(back)


@login_required
@permission_required("core.view_tickets", raise_exception=True)
@require_POST
def saved_view_delete(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    view = saved_view_owned_by(user=request.user, pk=pk)
    if view is None:
        raise Http404("No such saved view")
    saved_view_services.saved_view_delete(actor=request.user, view=view)
    messages.success(request, f"Deleted the view “{view.name}”.")
    return redirect("tickets:queue")
