"""The queue (``/tickets/``): filters, search, sort and columns from the URL, one page of the mirror."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.connections.selectors import connection_for_request, mirror_freshness
from apps.core.htmx import AuthedHttpRequest
from apps.tickets.columns import COLUMNS
from apps.tickets.forms.bulk import BulkActionForm
from apps.tickets.forms.queue import QueueFilterForm
from apps.tickets.forms.saved_views import SavedViewForm
from apps.tickets.selectors.queue import agent_id_for_user, queue_choices, queue_page
from apps.tickets.selectors.saved_views import saved_views_for
from apps.tickets.views.common import no_connection


@login_required
@permission_required("core.view_tickets", raise_exception=True)
@require_GET
def queue(request: AuthedHttpRequest) -> HttpResponse:
    connection = connection_for_request(request)
    if connection is None:
        return no_connection(request)
    filters = QueueFilterForm(request.GET).filters()
    me = agent_id_for_user(connection=connection, user=request.user)
    choices = queue_choices(connection=connection)
    found = queue_page(connection=connection, filters=filters, me_agent_id=me, choices=choices)
    page = found.page
    freshness = mirror_freshness(connection)
    query_string = filters.to_query()
    can_bulk = request.user.has_perm("core.bulk_edit_tickets")
    context = {
        "connection": connection,
        "filters": filters,
        "filter_form": QueueFilterForm.for_display(filters, choices=choices, me_agent_id=me),
        "bulk_form": BulkActionForm(initial={"filter_query": query_string}, choices=choices)
        if can_bulk
        else None,
        "view_form": SavedViewForm(initial={"query": query_string}),
        "choices": choices,
        "page": page,
        "rows": found.rows,
        "columns": [COLUMNS[c] for c in filters.columns],
        "show": dict.fromkeys(filters.columns, True),
        "headers": [
            {
                "column": COLUMNS[c],
                "query": filters.sort_query(c),
                "state": "ascending"
                if filters.sort == c
                else ("descending" if filters.sort == f"-{c}" else ""),
            }
            for c in filters.columns
        ],
        "previous_query": filters.to_query(page=page.previous_page_number()) if page.has_previous() else "",
        "next_query": filters.to_query(page=page.next_page_number()) if page.has_next() else "",
        "me_agent_id": me,
        "sync_age": freshness.age_seconds,
        "sync_words": freshness.label,
        "sync_time": freshness.synced_at,
        "query_string": query_string,
        "can_bulk": can_bulk,
        "can_create": request.user.has_perm("core.edit_tickets"),
        "can_share": request.user.has_perm("core.edit_tickets"),
        "saved_views": list(saved_views_for(connection=connection, user=request.user)),
    }
    partial = request.htmx and not request.htmx.history_restore_request
    return render(request, "tickets/queue.html#results" if partial else "tickets/queue.html", context)
