"""Bulk actions: review what a job costs beside what the org has left, start it, watch its progress."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from apps.connections.selectors import connection_for_request
from apps.core.htmx import AuthedHttpRequest
from apps.core.paging import PageLinks, PageRequest, page_links, page_request
from apps.tickets import credits
from apps.tickets.forms.bulk import BulkActionForm
from apps.tickets.forms.queue import queue_filters_from
from apps.tickets.models import BulkJob
from apps.tickets.selectors.bulk import (
    bulk_job_for_user,
    bulk_job_items_page,
    bulk_job_names,
    bulk_job_pending_count,
    bulk_job_success_count,
)
from apps.tickets.selectors.queue import agent_id_for_user, ticket_ids_for_queue
from apps.tickets.services import bulk as bulk_services
from apps.tickets.views.common import no_connection


def _bulk_job_or_404(request: AuthedHttpRequest, pk: int) -> BulkJob:
    job = bulk_job_for_user(user=request.user, pk=pk)
    if job is None:
        raise Http404("No such bulk job")
    return job


@login_required
@permission_required("core.bulk_edit_tickets", raise_exception=True)
@require_POST
def bulk_create(request: AuthedHttpRequest) -> HttpResponse:
    connection = connection_for_request(request)
    if connection is None:
        return no_connection(request)
    form = BulkActionForm(request.POST)
    valid = form.is_valid()
    back = reverse("tickets:queue") + "?" + form.cleaned_data.get("filter_query", "")
    if not valid:
        messages.error(request, str(next(iter(form.errors.values()))[0]))
        return redirect(back)
    if form.cleaned_data["all_matching"]:
        ticket_ids = ticket_ids_for_queue(
            connection=connection,
            filters=queue_filters_from(QueryDict(form.cleaned_data["filter_query"])),
            me_agent_id=agent_id_for_user(connection=connection, user=request.user),
            limit=bulk_services.BULK_MAX_TICKETS + 1,
        )
    else:
        ticket_ids = form.cleaned_data["ticket"]
    try:
        job = bulk_services.bulk_job_create(
            actor=request.user,
            connection=connection,
            action=form.cleaned_data["action"],
            params=form.params(),
            ticket_ids=ticket_ids,
        )
    except bulk_services.BulkRequestError as error:
        messages.error(request, str(error))
        return redirect(back)
    return redirect("tickets:bulk", pk=job.pk)


def _bulk_cost(job: BulkJob) -> credits.BulkCost:
    """What starting (or retrying) the job would cost now, beside what the org has left today."""
    tickets = job.failed if job.started_at is not None else bulk_job_pending_count(job)
    return credits.bulk_cost(org_id=job.connection.org_id, tickets=tickets, edition=job.connection.edition)


def _bulk_context(job: BulkJob, *, refused: str = "", where: PageRequest | None = None) -> dict[str, Any]:
    page = bulk_job_items_page(job, where=where) if job.started_at else None
    items = page.rows if page is not None else []
    links = page_links(page) if page is not None else PageLinks()
    # The progress poll keeps the page of outcomes on screen (its position, not page numbers).
    position = where.query() if where is not None else ""
    return {
        "links": links,
        "position": position,
        **bulk_job_names(job, items),
        "job": job,
        "action_label": bulk_services.BULK_ACTIONS.get(job.action, job.action),
        "cost": _bulk_cost(job),
        "refused": refused,
        "items": items,
        "failures": job.failed,
        "successes": bulk_job_success_count(job),
        # Also while a ticket's change is being checked (its answer was lost): the background look settles it.
        "polling": job.started_at is not None
        and (job.status != BulkJob.Status.DONE or job.processed < job.total),
        "params": job.params,
    }


@login_required
@permission_required("core.bulk_edit_tickets", raise_exception=True)
@require_GET
def bulk_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    job = _bulk_job_or_404(request, pk)
    context = _bulk_context(job, where=page_request(request.GET))
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "tickets/bulk.html#progress", context)
    return render(request, "tickets/bulk.html", context)


@login_required
@permission_required("core.bulk_edit_tickets", raise_exception=True)
@require_POST
def bulk_start(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    job = _bulk_job_or_404(request, pk)
    retry = request.POST.get("retry") == "1"
    refused = ""
    if job.status == BulkJob.Status.RUNNING:
        messages.info(request, "This bulk action is already running.")
    elif not retry and job.started_at is not None:
        messages.info(request, "This bulk action was already started.")
    elif not (cost := _bulk_cost(job)).affordable:
        # Checked again here, not only on the review page: the credits may have gone since it was shown.
        refused = bulk_refusal(cost)
        bulk_services.bulk_job_refuse(
            actor=request.user, job=job, message=refused, credits_needed=cost.credits
        )
        messages.error(request, refused)
    else:
        bulk_services.bulk_job_start(actor=request.user, job=job, retry_failed=retry)
    if request.htmx:
        job.refresh_from_db()
        return render(request, "tickets/bulk.html#progress", _bulk_context(job, refused=refused))
    return redirect("tickets:bulk", pk=job.pk)


def bulk_refusal(cost: credits.BulkCost) -> str:
    """Why a bulk action may not start: the credits it needs are not there today."""
    when = credits.reset_words(cost.today.reset_at)
    if cost.today.paused:
        return f"Not started: this org's Desk API credits for today are spent. Start it after the reset at {when}."
    return (
        f"Not started: it needs about {cost.credits:,} API credits and this org can spend "
        f"{cost.usable or 0:,} more today (of {cost.today.remaining or 0:,} left, {cost.today.reserve:,} are "
        f"kept for people working in Desk). Select fewer tickets, or start it after the reset at {when}."
    )
