"""The queue (``/tickets/``): filters, search, sort and columns from the URL, one page of the mirror."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET

from apps.connections.selectors import connection_for_request, mirror_freshness
from apps.core.htmx import AuthedHttpRequest
from apps.mirror import freshness
from apps.tickets.columns import COLUMNS
from apps.tickets.display import queue_rows_html
from apps.tickets.filters import focus_after_removal
from apps.tickets.forms.bulk import BulkActionForm
from apps.tickets.forms.queue import QueueFilterForm
from apps.tickets.forms.saved_views import SavedViewForm
from apps.tickets.selectors.queue import agent_id_for_user, queue_choices, queue_page
from apps.tickets.selectors.saved_views import saved_views_for
from apps.tickets.views.common import no_connection

# The id of a chip's remove link is this prefix and the chip's key (templates/tickets/queue.html).
CHIP_ID_PREFIX = "chip-remove-"


@login_required
@permission_required("core.view_tickets", raise_exception=True)
@require_GET
def queue(request: AuthedHttpRequest) -> HttpResponse:
    connection = connection_for_request(request)
    if connection is None:
        return no_connection(request)
    filters = QueueFilterForm(request.GET).filters()
    version = freshness.version(connection.pk)  # one cache read: the lookup lists and counts key on it
    choices = queue_choices(connection=connection, version=version)
    me = agent_id_for_user(connection=connection, user=request.user, agents=choices)
    found = queue_page(
        connection=connection, filters=filters, me_agent_id=me, choices=choices, version=version
    )
    page = found.page
    mirror = mirror_freshness(connection)
    query_string = filters.to_query()
    can_bulk = request.user.has_perm("core.bulk_edit_tickets")
    chips = filters.chips(today=timezone.localdate())
    # A chip removed over HTMX takes the focus with it: the next chip (or the count, when none is left) gets it.
    trigger = (request.htmx.trigger or "") if request.htmx else ""
    focus = (
        focus_after_removal(chips, trigger.removeprefix(CHIP_ID_PREFIX))
        if trigger.startswith(CHIP_ID_PREFIX)
        else ""
    )
    context = {
        "connection": connection,
        "filters": filters,
        # The filter bar and the bulk form's fields are cached fragments (``fragment_key``, the query, the
        # count): the forms are built only when a fragment is written, not on every view.
        "fragment_key": f"{connection.pk}:{version}:{me}",
        # What the filter bar shows: every filter, the columns and the page size (the page tokens are not in
        # it, so every page of one queue shares the fragment; the drill-down filters it carries are hidden
        # inputs beside the results, so that a chip removed over HTMX leaves the bar nothing stale to send).
        "bar_query": filters.to_query(page="", count=""),
        "filter_form": SimpleLazyObject(
            lambda: QueueFilterForm.for_display(filters, choices=choices, me_agent_id=me)
        ),
        "bulk_form": SimpleLazyObject(
            lambda: BulkActionForm(initial={"filter_query": query_string}, choices=choices)
        )
        if can_bulk
        else None,
        "view_form": SavedViewForm(initial={"query": query_string}),
        "choices": choices,
        "page": found,
        "count": found.count,
        "exact_count": found.exact,
        "count_query": filters.to_query(count="exact") if found.count.is_capped and not found.exact else "",
        "rows": found.rows,
        "chips": chips,
        "chip_params": filters.chip_params(),
        "clear_query": filters.clear_query(),
        "focus": focus,
        "rows_html": queue_rows_html(
            found.rows, columns=filters.columns, can_bulk=can_bulk, icons=static("img/icons.svg")
        ),
        "columns": [COLUMNS[c] for c in filters.columns],
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
        "first_query": filters.page_query() if page.has_previous else "",
        "previous_query": filters.page_query(before=page.previous_cursor) if page.has_previous else "",
        "next_query": filters.page_query(after=page.next_cursor) if page.has_next else "",
        "last_query": filters.page_query(last=True) if page.has_next else "",
        "me_agent_id": me,
        "sync_age": mirror.age_seconds,
        "sync_words": mirror.label,
        "sync_time": mirror.synced_at,
        "query_string": query_string,
        "can_bulk": can_bulk,
        "can_create": request.user.has_perm("core.edit_tickets"),
        "can_share": request.user.has_perm("core.edit_tickets"),
        "saved_views": list(saved_views_for(connection=connection, user=request.user)),
    }
    partial = request.htmx and not request.htmx.history_restore_request
    return render(request, "tickets/queue.html#results" if partial else "tickets/queue.html", context)
