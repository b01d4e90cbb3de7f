"""Ticket views: thin — parse the request, call a selector or a service, render a page or a partial."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.middleware import HtmxDetails

from apps.connections.selectors import connection_for_request, connections_for_user, mirror_freshness
from apps.core.htmx import alert, toast
from apps.desk.errors import (
    DeskError,
    DeskNetworkError,
    DeskNotFound,
    DeskServerError,
    DeskValidationError,
    RateLimited,
)
from apps.team import services as team_services
from apps.tickets import credits, details, queues, services
from apps.tickets.forms import (
    AssignForm,
    AttachmentUploadForm,
    CommentForm,
    PriorityForm,
    ReplyForm,
    StatusForm,
    TicketCreateForm,
    TicketEditForm,
    add_desk_errors,
)
from apps.tickets.models import BulkJob, SavedView, Ticket, TicketAttachment


class HtmxHttpRequest(HttpRequest):
    """A request that went through django-htmx's middleware (for type checkers)."""

    htmx: HtmxDetails


# --- errors to words ------------------------------------------------------------------------------------


def rate_limit_message(error: RateLimited) -> str:
    if credits.is_credits_exhausted(error):
        return f"{credits.credits_exhausted_message(error)} Your draft is kept."
    local = timezone.localtime(error.retry_at)
    return f"Desk is rate-limiting, retrying at {local:%H:%M}. Your draft is kept."


def retry_context(error: RateLimited) -> dict[str, Any]:
    """What the page shows after a 429: when to retry, and whether the kept draft is resent by itself.

    A brief concurrency 429 resends the draft when Desk allows; spent credits come back only at the
    reset, hours away, so the draft waits for the agent to send it again.
    """
    if credits.is_credits_exhausted(error):
        return {
            "retry_at": error.retry_at,
            "retry_seconds": None,
            "credits_spent": True,
            "credits_message": credits.credits_exhausted_message(error),
        }
    return {"retry_at": error.retry_at, "retry_seconds": int(error.retry_after) + 1, "credits_spent": False}


def desk_error_message(error: DeskError) -> str:
    """What a Desk failure means for the agent, in one sentence; tokens never appear in Desk messages."""
    if isinstance(error, RateLimited):
        return rate_limit_message(error)
    if isinstance(error, DeskNetworkError | DeskServerError):
        return "Desk is not answering right now. Your draft is kept; try again in a moment."
    if isinstance(error, DeskNotFound):
        return "Desk no longer has this ticket (it may have been deleted)."
    return f"Desk refused the change: {error.message}"


# --- request helpers -------------------------------------------------------------------------------------


def _no_connection(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, "tickets/no_connection.html", status=200)


def _ticket_or_404(request: HtmxHttpRequest, desk_id: str) -> Ticket:
    ticket = details.ticket_for_user(
        user=request.user, desk_id=desk_id, connection=connection_for_request(request)
    )
    if ticket is None:
        raise Http404("No such ticket")
    return ticket


# --- the queue -----------------------------------------------------------------------------------------------


@login_required
@permission_required("core.view_tickets", raise_exception=True)
@require_GET
def queue(request: HtmxHttpRequest) -> HttpResponse:
    connection = connection_for_request(request)
    if connection is None:
        return _no_connection(request)
    filters = queues.QueueFilters.from_query(request.GET)
    me = queues.agent_id_for_user(connection=connection, user=request.user)
    tickets = queues.tickets_for_queue(connection=connection, filters=filters, me_agent_id=me)
    paginator = Paginator(tickets, filters.page_size)
    page = paginator.get_page(filters.page)
    choices = queues.queue_choices(connection=connection)
    page_tickets = cast("QuerySet[Ticket]", page.object_list)
    rows = queues.rows_for(
        connection=connection, tickets=queues.tickets_of_page(page_tickets), choices=choices
    )
    freshness = mirror_freshness(connection)
    context = {
        "connection": connection,
        "filters": filters,
        "choices": choices,
        "page": page,
        "rows": rows,
        "columns": [queues.COLUMNS[c] for c in filters.columns],
        "show": dict.fromkeys(filters.columns, True),
        "headers": [
            {
                "column": queues.COLUMNS[c],
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
        "query_string": filters.to_query(),
        "can_bulk": request.user.has_perm("core.bulk_edit_tickets"),
        "can_create": request.user.has_perm("core.edit_tickets"),
        "can_share": request.user.has_perm("core.edit_tickets"),
        "saved_views": list(queues.saved_views_for(connection=connection, user=request.user)),
    }
    partial = request.htmx and not request.htmx.history_restore_request
    return render(request, "tickets/queue.html#results" if partial else "tickets/queue.html", context)


# --- the detail page -------------------------------------------------------------------------------------------


def _detail_context(request: HtmxHttpRequest, ticket: Ticket, **forms: Any) -> dict[str, Any]:
    connection = ticket.connection
    choices = queues.queue_choices(connection=connection)
    seen = services.ticket_seen_token(ticket)
    cards = details.cards_for(ticket)
    addresses = details.department_addresses(
        connection=connection, department_desk_id=ticket.department_desk_id
    )
    order = request.GET.get("order") or request.POST.get("order") or "newest"
    order = order if order in ("newest", "oldest") else "newest"
    contact_email = (cards.contact.email if cards.contact else "") or ticket.email
    initial_seen = {"seen": seen}
    context = {
        "ticket": ticket,
        "connection": connection,
        "cards": cards,
        "sla": details.sla_targets(ticket),
        "conversation": details.conversation_for(ticket=ticket, newest_first=order == "newest"),
        "order": order,
        "attachments": details.attachments_for(ticket=ticket),
        "attachment_max_mb": services.attachment_max_bytes() // (1024 * 1024),
        "attachment_max_bytes": services.attachment_max_bytes(),
        "status_form": StatusForm(
            initial={**initial_seen, "status": ticket.status}, statuses=choices.statuses
        ),
        "priority_form": PriorityForm(initial={**initial_seen, "priority": ticket.priority}),
        "assign_form": AssignForm(
            initial={**initial_seen, "assignee": ticket.assignee_desk_id, "team": ticket.team_desk_id},
            agents=choices.agents,
            teams=choices.teams,
        ),
        "comment_form": CommentForm(initial=initial_seen),
        "reply_form": ReplyForm(
            initial={
                **initial_seen,
                "to": contact_email,
                "from_address": addresses[0].address if addresses else "",
            },
            from_addresses=details.from_address_choices(addresses),
        ),
        "upload_form": AttachmentUploadForm(initial=initial_seen),
        "seen": seen,
        "perms_can": {
            "reply": request.user.has_perm("core.reply_tickets"),
            "comment": request.user.has_perm("core.comment_tickets"),
            "assign": request.user.has_perm("core.assign_tickets"),
            "close": request.user.has_perm("core.close_tickets"),
            "edit": request.user.has_perm("core.edit_tickets"),
            "delete": request.user.has_perm("core.delete_tickets"),
            "refresh_addresses": request.user.has_perm("core.manage_connections"),
        },
        "stale": None,
        "retry_at": None,
        "conversation_error": "",
    }
    context.update({name: form for name, form in forms.items() if form is not None})
    return context


@login_required
@permission_required("core.view_tickets", raise_exception=True)
@require_GET
def detail(request: HtmxHttpRequest, desk_id: str) -> HttpResponse:
    ticket = _ticket_or_404(request, desk_id)
    conversation_error = ""
    if details.conversation_is_stale(ticket):
        try:
            services.ticket_conversation_refresh(ticket=ticket, force=True)
            ticket = Ticket.objects.select_related("connection").get(pk=ticket.pk)
        except DeskNotFound:
            conversation_error = "Desk no longer has this ticket; this is the last mirrored copy."
        except DeskError as error:
            conversation_error = f"Showing the mirrored conversation: {desk_error_message(error)}"
    context = _detail_context(request, ticket)
    context["conversation_error"] = conversation_error
    if (
        request.htmx
        and not request.htmx.history_restore_request
        and request.GET.get("part") == "conversation"
    ):
        return render(request, "tickets/detail.html#conversation", context)
    return render(request, "tickets/detail.html", context)


# --- writes on a ticket ----------------------------------------------------------------------------------------


def _write(
    request: HtmxHttpRequest,
    desk_id: str,
    *,
    form_name: str,
    build_form: Callable[[Ticket], Any],
    perform: Callable[[Ticket, Any, dict[str, Any] | None, bool], Ticket],
    success: str,
    aliases: dict[str, str] | None = None,
) -> HttpResponse:
    """The shape every ticket write shares: validate, guard, one Desk call, re-render with a toast.

    On any failure the same form comes back bound, so nothing the agent typed is lost.
    """
    ticket = _ticket_or_404(request, desk_id)
    form = build_form(ticket)
    if not form.is_valid():
        return _rerender(request, ticket, form_name, form, message="Check the highlighted fields.")
    seen = form.seen_snapshot()
    confirmed = bool(form.cleaned_data.get("confirm_stale"))
    try:
        ticket = perform(ticket, form, seen, confirmed)
    except services.StaleTicket as stale:
        return _rerender(request, ticket, form_name, form, stale=stale)
    except DeskValidationError as error:
        if not add_desk_errors(form, error.fields, aliases=aliases):
            form.add_error(None, error.message)
        return _rerender(
            request, ticket, form_name, form, message=f"Desk refused the change: {error.message}"
        )
    except RateLimited as error:
        return _rerender(request, ticket, form_name, form, message=rate_limit_message(error), retry=error)
    except DeskError as error:
        return _rerender(request, ticket, form_name, form, message=desk_error_message(error))
    if not request.htmx:
        messages.success(request, success)
        return redirect("tickets:detail", desk_id=ticket.desk_id)
    response = render(request, "tickets/detail.html#main", _detail_context(request, ticket))
    return toast(response, success, "success")


def _rerender(
    request: HtmxHttpRequest,
    ticket: Ticket,
    form_name: str,
    form: Any,
    *,
    message: str = "",
    stale: services.StaleTicket | None = None,
    retry: RateLimited | None = None,
) -> HttpResponse:
    context = _detail_context(request, ticket, **{form_name: form})
    context["active_form"] = form_name
    if stale is not None:
        context["stale"] = stale
        context["stale_form"] = form_name
        # The agent confirms by sending the same form again, now marked as seen-and-confirmed.
        data = form.data.copy()
        data["confirm_stale"] = "on"
        data["seen"] = services.ticket_seen_token(ticket)
        context[form_name] = type(form)(data, **_form_kwargs(form))
        message = "The ticket changed in Desk since you opened it. Review the changes, then confirm."
    if retry is not None:
        context.update(retry_context(retry))
    if not request.htmx:
        return render(request, "tickets/detail.html", context, status=200)
    response = render(request, "tickets/detail.html#main", context)
    if stale is not None or retry is not None:
        return toast(response, message, "warning")
    return alert(response, message) if message else response


def _form_kwargs(form: Any) -> dict[str, Any]:
    """The choices a dynamic form was built with, to build it again."""
    kwargs = getattr(form, "build_kwargs", None)
    return dict(kwargs or {})


def _with_kwargs(form_class: type, data: Any, **kwargs: Any) -> Any:
    form = form_class(data, **kwargs)
    form.build_kwargs = kwargs
    return form


@login_required
@permission_required("core.close_tickets", raise_exception=True)
@require_POST
def status_change(request: HtmxHttpRequest, desk_id: str) -> HttpResponse:
    def build(ticket: Ticket) -> Any:
        return _with_kwargs(
            StatusForm, request.POST, statuses=queues.statuses_for(connection=ticket.connection)
        )

    def perform(ticket: Ticket, form: Any, seen: Any, confirmed: bool) -> Ticket:
        return services.ticket_status_change(
            actor=request.user,
            ticket=ticket,
            status=form.cleaned_data["status"],
            resolution=form.cleaned_data["resolution"],
            seen=seen,
            confirmed=confirmed,
        )

    status = request.POST.get("status", "")
    return _write(
        request,
        desk_id,
        form_name="status_form",
        build_form=build,
        perform=perform,
        success=f"Status changed to {status}." if status.lower() != "closed" else "Ticket closed.",
    )


@login_required
# Priority is triage, like status: whoever may change a ticket's status may set its priority.
@permission_required("core.close_tickets", raise_exception=True)
@require_POST
def priority_change(request: HtmxHttpRequest, desk_id: str) -> HttpResponse:
    def perform(ticket: Ticket, form: Any, seen: Any, confirmed: bool) -> Ticket:
        return services.ticket_priority_change(
            actor=request.user,
            ticket=ticket,
            priority=form.cleaned_data["priority"],
            seen=seen,
            confirmed=confirmed,
        )

    return _write(
        request,
        desk_id,
        form_name="priority_form",
        build_form=lambda ticket: _with_kwargs(PriorityForm, request.POST),
        perform=perform,
        success="Priority changed.",
    )


@login_required
@permission_required("core.assign_tickets", raise_exception=True)
@require_POST
def assign(request: HtmxHttpRequest, desk_id: str) -> HttpResponse:
    def build(ticket: Ticket) -> Any:
        choices = queues.queue_choices(connection=ticket.connection)
        return _with_kwargs(AssignForm, request.POST, agents=choices.agents, teams=choices.teams)

    def perform(ticket: Ticket, form: Any, seen: Any, confirmed: bool) -> Ticket:
        return services.ticket_assign(
            actor=request.user,
            ticket=ticket,
            assignee_id=form.cleaned_data["assignee"],
            team_id=form.cleaned_data["team"],
            seen=seen,
            confirmed=confirmed,
        )

    return _write(
        request,
        desk_id,
        form_name="assign_form",
        build_form=build,
        perform=perform,
        success="Assignment saved.",
        aliases={"assignee_id": "assignee", "team_id": "team"},
    )


@login_required
@permission_required("core.comment_tickets", raise_exception=True)
@require_POST
def comment_add(request: HtmxHttpRequest, desk_id: str) -> HttpResponse:
    def perform(ticket: Ticket, form: Any, seen: Any, confirmed: bool) -> Ticket:
        return services.ticket_comment_add(
            actor=request.user,
            ticket=ticket,
            content=form.cleaned_data["content"],
            is_public=form.cleaned_data["is_public"],
            seen=seen,
            confirmed=confirmed,
        )

    return _write(
        request,
        desk_id,
        form_name="comment_form",
        build_form=lambda ticket: _with_kwargs(CommentForm, request.POST),
        perform=perform,
        success="Comment added.",
    )


@login_required
@permission_required("core.reply_tickets", raise_exception=True)
@require_POST
def reply_send(request: HtmxHttpRequest, desk_id: str) -> HttpResponse:
    def build(ticket: Ticket) -> Any:
        addresses = details.department_addresses(
            connection=ticket.connection, department_desk_id=ticket.department_desk_id
        )
        return _with_kwargs(ReplyForm, request.POST, from_addresses=details.from_address_choices(addresses))

    def perform(ticket: Ticket, form: Any, seen: Any, confirmed: bool) -> Ticket:
        data = form.cleaned_data
        return services.ticket_reply_send(
            actor=request.user,
            ticket=ticket,
            from_address=data["from_address"],
            to=data["to"],
            cc=data["cc"],
            content=data["content"],
            content_type=data["content_type"],
            seen=seen,
            confirmed=confirmed,
        )

    return _write(
        request,
        desk_id,
        form_name="reply_form",
        build_form=build,
        perform=perform,
        success="Reply sent.",
    )


@login_required
@permission_required("core.manage_connections", raise_exception=True)
@require_POST
def from_addresses_refresh(request: HtmxHttpRequest, desk_id: str) -> HttpResponse:
    """An admin who just configured a From address in Desk need not wait for the next team refresh."""
    ticket = _ticket_or_404(request, desk_id)
    try:
        team_services.support_addresses_refresh_now(actor=request.user, connection=ticket.connection)
    except DeskError as error:
        messages.error(request, f"Could not read the From addresses: {desk_error_message(error)}")
    else:
        found = details.department_addresses(
            connection=ticket.connection, department_desk_id=ticket.department_desk_id
        )
        if found:
            messages.success(request, f"Found {len(found)} From address{'es' if len(found) != 1 else ''}.")
        else:
            messages.warning(request, "Desk still lists no active From address for this department.")
    return redirect(reverse("tickets:detail", kwargs={"desk_id": ticket.desk_id}) + "#reply")


@login_required
@permission_required("core.edit_tickets", raise_exception=True)
def ticket_edit(request: HtmxHttpRequest, desk_id: str) -> HttpResponse:
    ticket = _ticket_or_404(request, desk_id)
    departments = queues.queue_choices(connection=ticket.connection).departments
    if request.method != "POST":
        form = TicketEditForm(
            initial={
                "seen": services.ticket_seen_token(ticket),
                "subject": ticket.subject,
                "description": ticket.description,
                "department_id": ticket.department_desk_id,
                "priority": ticket.priority,
                "channel": ticket.channel,
                "classification": ticket.classification,
                "category": ticket.category,
                "phone": ticket.phone,
            },
            departments=departments,
        )
        return render(request, "tickets/edit.html", {"ticket": ticket, "form": form})
    form = TicketEditForm(request.POST, departments=departments)
    context: dict[str, Any] = {"ticket": ticket, "form": form}
    if form.is_valid():
        data = dict(form.cleaned_data)
        seen, confirmed = form.seen_snapshot(), bool(data.pop("confirm_stale", False))
        data.pop("seen", None)
        changes = {
            name: (value or None) if name in ("priority", "channel", "classification") else value
            for name, value in data.items()
        }
        try:
            ticket = services.ticket_update(
                actor=request.user, ticket=ticket, changes=changes, seen=seen, confirmed=confirmed
            )
        except services.StaleTicket as stale:
            post = request.POST.copy()
            post["confirm_stale"] = "on"
            post["seen"] = services.ticket_seen_token(ticket)
            context.update(form=TicketEditForm(post, departments=departments), stale=stale)
        except DeskValidationError as error:
            if not add_desk_errors(form, error.fields):
                form.add_error(None, error.message)
        except DeskError as error:
            form.add_error(None, desk_error_message(error))
            if isinstance(error, RateLimited):
                context.update(retry_context(error))
        else:
            messages.success(request, "Ticket saved.")
            return redirect("tickets:detail", desk_id=ticket.desk_id)
    return render(request, "tickets/edit.html", context)


@login_required
@permission_required("core.delete_tickets", raise_exception=True)
def trash(request: HtmxHttpRequest, desk_id: str) -> HttpResponse:
    ticket = _ticket_or_404(request, desk_id)
    if request.method != "POST":
        return render(request, "tickets/trash.html", {"ticket": ticket})
    try:
        services.ticket_move_to_trash(actor=request.user, ticket=ticket)
    except DeskError as error:
        return render(request, "tickets/trash.html", {"ticket": ticket, "error": desk_error_message(error)})
    messages.success(request, f"Ticket #{ticket.ticket_number} moved to Desk's trash.")
    return redirect("tickets:queue")


@login_required
@permission_required("core.edit_tickets", raise_exception=True)
def ticket_new(request: HtmxHttpRequest) -> HttpResponse:
    connection = connection_for_request(request)
    if connection is None:
        return _no_connection(request)
    choices = queues.queue_choices(connection=connection)
    if request.method != "POST":
        form = TicketCreateForm(
            departments=choices.departments, statuses=choices.statuses, agents=choices.agents
        )
        return render(request, "tickets/new.html", {"form": form, "connection": connection})
    form = TicketCreateForm(
        request.POST, departments=choices.departments, statuses=choices.statuses, agents=choices.agents
    )
    context: dict[str, Any] = {"form": form, "connection": connection}
    if form.is_valid():
        data = form.cleaned_data
        contact: dict[str, str] = {"email": data["contact_email"]}
        if data["contact_last_name"]:
            contact["lastName"] = data["contact_last_name"]
        fields: dict[str, Any] = {
            "subject": data["subject"],
            "department_id": data["department_id"],
            "contact": contact,
        }
        for name in ("description", "priority", "channel", "classification", "category", "phone", "status"):
            if data.get(name):
                fields[name] = data[name]
        if data.get("assignee_id"):
            fields["assignee_id"] = data["assignee_id"]
        try:
            ticket = services.ticket_create(actor=request.user, connection=connection, fields=fields)
        except DeskValidationError as error:
            if not add_desk_errors(form, error.fields):
                form.add_error(None, error.message)
        except DeskError as error:
            form.add_error(None, desk_error_message(error))
            if isinstance(error, RateLimited):
                context.update(retry_context(error))
        else:
            messages.success(request, f"Ticket #{ticket.ticket_number} created.")
            return redirect("tickets:detail", desk_id=ticket.desk_id)
    return render(request, "tickets/new.html", context, status=200)


# --- attachments ---------------------------------------------------------------------------------------------


def _attachment_or_404(request: HtmxHttpRequest, desk_id: str, attachment_id: str) -> TicketAttachment:
    ticket = _ticket_or_404(request, desk_id)
    attachment = TicketAttachment.objects.filter(
        ticket=ticket, desk_id=attachment_id, is_deleted=False
    ).first()
    if attachment is None:
        raise Http404("No such attachment")
    return attachment


def content_disposition(filename: str) -> str:
    """``attachment`` always (never inline), with the original name in both forms browsers read."""
    from urllib.parse import quote

    ascii_name = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in filename) or "download"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


@login_required
@permission_required("core.view_tickets", raise_exception=True)
@require_GET
def attachment_download(
    request: HtmxHttpRequest, desk_id: str, attachment_id: str
) -> HttpResponse | StreamingHttpResponse:
    attachment = _attachment_or_404(request, desk_id, attachment_id)
    try:
        stream = services.attachment_download_open(actor=request.user, attachment=attachment)
    except DeskError as error:
        messages.error(request, desk_error_message(error))
        return redirect("tickets:detail", desk_id=desk_id)
    response = StreamingHttpResponse(stream.chunks, content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition(stream.filename)
    response["X-Content-Type-Options"] = "nosniff"
    if stream.size is not None:
        response["Content-Length"] = str(stream.size)
    return response


@login_required
@permission_required("core.comment_tickets", raise_exception=True)
@require_POST
def attachment_upload(request: HtmxHttpRequest, desk_id: str) -> HttpResponse:
    ticket = _ticket_or_404(request, desk_id)
    files = request.FILES.getlist("file")
    form = AttachmentUploadForm(request.POST)
    form.is_valid()
    is_public = bool(form.cleaned_data.get("is_public"))
    if not files:
        return _upload_answer(request, ticket, error="Choose at least one file.")
    uploaded: list[str] = []
    errors: list[str] = []
    for upload in files:
        name = upload.name or "attachment"
        try:
            services.attachment_upload(
                actor=request.user,
                ticket=ticket,
                filename=name,
                content=upload,
                size=upload.size or 0,
                content_type=upload.content_type or "application/octet-stream",
                is_public=is_public,
            )
            uploaded.append(name)
        except services.AttachmentTooLarge as error:
            errors.append(str(error))
        except DeskError as error:
            errors.append(f"{name}: {desk_error_message(error)}")
    ticket = Ticket.objects.select_related("connection").get(pk=ticket.pk)
    return _upload_answer(request, ticket, uploaded=uploaded, error=" ".join(errors))


def _upload_answer(
    request: HtmxHttpRequest, ticket: Ticket, *, uploaded: list[str] | None = None, error: str = ""
) -> HttpResponse:
    status = 200 if not error or uploaded else 400
    if not request.htmx and not request.headers.get("X-Requested-With"):
        if error:
            messages.error(request, error)
        if uploaded:
            messages.success(request, f"Uploaded {', '.join(uploaded)}.")
        return redirect("tickets:detail", desk_id=ticket.desk_id)
    context = _detail_context(request, ticket)
    context["upload_error"] = error
    response = render(request, "tickets/detail.html#attachments", context, status=status)
    if uploaded:
        toast(response, f"Uploaded {', '.join(uploaded)}.", "success")
    if error:
        alert(response, error)
    return response


@login_required
@permission_required("core.comment_tickets", raise_exception=True)
@require_POST
def attachment_delete(request: HtmxHttpRequest, desk_id: str, attachment_id: str) -> HttpResponse:
    attachment = _attachment_or_404(request, desk_id, attachment_id)
    ticket = attachment.ticket
    error = ""
    try:
        services.attachment_delete(actor=request.user, attachment=attachment)
    except DeskError as exc:
        error = desk_error_message(exc)
    ticket = Ticket.objects.select_related("connection").get(pk=ticket.pk)
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, f"Deleted {attachment.name}.")
        return redirect(reverse("tickets:detail", kwargs={"desk_id": ticket.desk_id}))
    context = _detail_context(request, ticket)
    response = render(request, "tickets/detail.html#attachments", context)
    return alert(response, error) if error else toast(response, f"Deleted {attachment.name}.")


# --- bulk actions ----------------------------------------------------------------------------------------------


def _bulk_job_or_404(request: HtmxHttpRequest, pk: int) -> BulkJob:
    job = (
        BulkJob.objects.select_related("connection")
        .filter(pk=pk, connection__in=connections_for_user(user=request.user))
        .first()
    )
    if job is None:
        raise Http404("No such bulk job")
    return job


@login_required
@permission_required("core.bulk_edit_tickets", raise_exception=True)
@require_POST
def bulk_create(request: HtmxHttpRequest) -> HttpResponse:
    connection = connection_for_request(request)
    if connection is None:
        return _no_connection(request)
    post = request.POST
    if post.get("all_matching") == "1":
        filters = queues.QueueFilters.from_query(QueryDict(post.get("filter_query", "")))
        me = queues.agent_id_for_user(connection=connection, user=request.user)
        matching = queues.tickets_for_queue(connection=connection, filters=filters, me_agent_id=me)
        ticket_ids = list(matching.values_list("desk_id", flat=True)[: services.BULK_MAX_TICKETS + 1])
    else:
        ticket_ids = post.getlist("ticket")
    action = post.get("action", "")
    params = {
        "assignee_id": _desk_id_or_empty(post.get("assignee", "")),
        "team_id": _desk_id_or_empty(post.get("team", "")),
        "status": post.get("status", "").strip()[:100],
        "priority": post.get("priority", "") if post.get("priority", "") in queues.PRIORITIES else "",
        "resolution": post.get("resolution", "").strip()[:2000],
    }
    if action == "status" and not params["status"]:
        messages.error(request, "Choose the status to set.")
        return redirect(reverse("tickets:queue") + "?" + post.get("filter_query", ""))
    try:
        job = services.bulk_job_create(
            actor=request.user, connection=connection, action=action, params=params, ticket_ids=ticket_ids
        )
    except services.BulkRequestError as error:
        messages.error(request, str(error))
        return redirect(reverse("tickets:queue") + "?" + post.get("filter_query", ""))
    return redirect("tickets:bulk", pk=job.pk)


def _desk_id_or_empty(value: str) -> str:
    value = value.strip()
    return value if value.isdigit() and len(value) <= 32 else ""


def _bulk_cost(job: BulkJob) -> credits.BulkCost:
    """What starting (or retrying) the job would cost now, beside what the org has left today."""
    tickets = job.failed if job.started_at is not None else job.items.filter(outcome="pending").count()
    return credits.bulk_cost(org_id=job.connection.org_id, tickets=tickets, edition=job.connection.edition)


def _bulk_context(job: BulkJob, *, refused: str = "") -> dict[str, Any]:
    return {
        "job": job,
        "action_label": services.BULK_ACTIONS.get(job.action, job.action),
        "cost": _bulk_cost(job),
        "refused": refused,
        # Failures first: they are what the manager acts on.
        "items": list(job.items.order_by("outcome", "id")[: services.BULK_ITEMS_SHOWN])
        if job.started_at
        else [],
        "failures": job.failed,
        "successes": job.items.filter(outcome="success").count(),
        "polling": job.started_at is not None and job.status != BulkJob.Status.DONE,
        "params": job.params,
    }


@login_required
@permission_required("core.bulk_edit_tickets", raise_exception=True)
@require_GET
def bulk_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    job = _bulk_job_or_404(request, pk)
    context = _bulk_context(job)
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "tickets/bulk.html#progress", context)
    return render(request, "tickets/bulk.html", context)


@login_required
@permission_required("core.bulk_edit_tickets", raise_exception=True)
@require_POST
def bulk_start(request: HtmxHttpRequest, pk: int) -> HttpResponse:
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
        services.bulk_job_refuse(actor=request.user, job=job, message=refused, credits_needed=cost.credits)
        messages.error(request, refused)
    else:
        services.bulk_job_start(actor=request.user, job=job, retry_failed=retry)
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


# --- saved views -----------------------------------------------------------------------------------------------


@login_required
@permission_required("core.view_tickets", raise_exception=True)
@require_POST
def saved_view_save(request: HtmxHttpRequest) -> HttpResponse:
    connection = connection_for_request(request)
    if connection is None:
        return _no_connection(request)
    name = " ".join(request.POST.get("name", "").split())[:100]
    # Re-parse, so only what the queue understands is kept (and never the page number).
    filters = queues.QueueFilters.from_query(QueryDict(request.POST.get("query", "")))
    query = filters.to_query(page="")
    if not name:
        messages.error(request, "Give the view a name.")
        return redirect(reverse("tickets:queue") + (f"?{query}" if query else ""))
    shared = request.POST.get("is_shared") == "on" and request.user.has_perm("core.edit_tickets")
    services.saved_view_create(
        actor=request.user, connection=connection, name=name, query=query, is_shared=shared
    )
    messages.success(request, f"Saved the view “{name}”{' for everyone' if shared else ''}.")
    return redirect(reverse("tickets:queue") + (f"?{query}" if query else ""))


@login_required
@permission_required("core.view_tickets", raise_exception=True)
@require_POST
def saved_view_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    view = SavedView.objects.filter(
        pk=pk, owner_id=request.user.pk, connection__in=connections_for_user(user=request.user)
    ).first()
    if view is None:
        raise Http404("No such saved view")
    services.saved_view_delete(actor=request.user, view=view)
    messages.success(request, f"Deleted the view “{view.name}”.")
    return redirect("tickets:queue")
