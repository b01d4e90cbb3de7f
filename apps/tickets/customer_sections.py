"""What the tickets app adds to the customers' 360° pages and lists (registered in TicketsConfig.ready()).

The customers app may not import tickets, so its pages ask ``apps.core.shell.sections_for`` for sections and
``apps.customers.hooks`` for ticket facts; this module answers both, from the mirror only (0 Desk calls):

- on a contact's page: every ticket of the contact (open first) with status, priority and SLA state, the
  counts (open, overdue, total, last contact), recent conversation excerpts, "New ticket for this contact";
- on an account's page: its tickets with the queue's filters and columns (parsed by the queue's own form),
  the counts, and the open tickets of the last 12 weeks as a small SVG with the numbers as text;
- on the lists: the "has open tickets" filter and each row's open-ticket count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.paginator import Paginator
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.lookups import Exact
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from apps.connections.models import DeskConnection
from apps.core.charts import Chart, column_chart
from apps.core.shell import PageSection, register_section
from apps.customers import hooks
from apps.customers.models import Account, Contact
from apps.team.models import Agent
from apps.tickets.models import Ticket, TicketThread

CONTACT_TICKETS_SHOWN = 50
EXCERPTS_SHOWN = 5
CHART_WEEKS = 12
ACCOUNT_PAGE_SIZE = 25
# The queue parameters the account page's ticket list understands (the queue's own names).
ACCOUNT_FILTER_PARAMS = ("q", "status", "priority", "assignee", "overdue", "sort", "page")


def _open(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return tickets.exclude(status_type="Closed")


def _column(kind: hooks.Kind) -> str:
    return "contact_desk_id" if kind == "contact" else "account_desk_id"


def _live(connection: DeskConnection) -> QuerySet[Ticket]:
    return Ticket.objects.filter(connection=connection, is_deleted=False)


class _UnlikelyExact(Exact):
    """``column = value`` that the SQLite planner is told rarely holds (``unlikely(…)``): the same rows, but the
    plan reads the index that serves the column.

    The mirror's SQLite statistics are sampled (``PRAGMA analysis_limit`` in apps/tickets/maintenance.py): the
    sample sees only the first entries of each index, so a customer column whose first value is shared by many
    tickets (every ticket without an account has ``account_desk_id = ''``) is taken for one matching a
    thousand rows, no better than ``(connection, is_deleted)``, and the planner walked a sort index over the
    whole org (≈0.5 s with 100,000 tickets). PostgreSQL has no ``unlikely()`` and plans from full statistics:
    there the condition is compiled as it is."""

    def as_sqlite(self, compiler: Any, connection: Any) -> tuple[str, Any]:
        sql, params = self.as_sql(compiler, connection)
        return f"unlikely({sql})", params


def of_customer(tickets: QuerySet[Ticket], kind: hooks.Kind, desk_id: str) -> QuerySet[Ticket]:
    """These tickets narrowed to one contact's or account's, read by tickets_contact_idx/_account_idx."""
    return tickets.filter(_UnlikelyExact(F(_column(kind)), desk_id))


# -- ticket facts for the lists ----------------------------------------------------------------------------


def open_tickets_of_row(connection: DeskConnection, kind: hooks.Kind) -> QuerySet[Any]:
    """The open tickets of the contact/account row of the outer query (tickets_contact_idx/_account_idx)."""
    return _open(_live(connection)).filter(**{_column(kind): OuterRef("desk_id")})


def open_counts(connection: DeskConnection, kind: hooks.Kind, desk_ids: list[str]) -> dict[str, int]:
    if not desk_ids:
        return {}
    column = _column(kind)
    rows = (
        _open(_live(connection))
        .filter(**{f"{column}__in": desk_ids})
        .order_by()
        .values(column)
        .annotate(n=Count("id"))
    )
    return {row[column]: row["n"] for row in rows}


# -- counts shared by both pages ----------------------------------------------------------------------------


@dataclass
class TicketCounts:
    total: int
    open: int
    overdue: int
    last_contact: datetime | None


def ticket_counts(tickets: QuerySet[Ticket], *, now: datetime) -> TicketCounts:
    facts = tickets.order_by().aggregate(
        total=Count("id"),
        open=Count("id", filter=~Q(status_type="Closed")),
        overdue=Count("id", filter=~Q(status_type="Closed") & Q(due_date__lt=now)),
        last_customer=Max("customer_response_time"),
        last_created=Max("created_time"),
    )
    times = [t for t in (facts["last_customer"], facts["last_created"]) if t is not None]
    return TicketCounts(
        total=facts["total"] or 0,
        open=facts["open"] or 0,
        overdue=facts["overdue"] or 0,
        last_contact=max(times) if times else None,
    )


# -- the contact's page ------------------------------------------------------------------------------------


@dataclass
class Excerpt:
    ticket: Ticket
    when: datetime | None
    author: str
    text: str
    incoming: bool


def _excerpts(tickets: QuerySet[Ticket]) -> list[Excerpt]:
    """The newest messages of the contact's tickets as far as the mirror holds conversations; tickets whose
    conversation was never fetched show their description instead."""
    ids = list(tickets.order_by("-modified_time").values_list("id", flat=True)[:CONTACT_TICKETS_SHOWN])
    threads = (
        TicketThread.objects.filter(ticket_id__in=ids, is_deleted=False)
        .select_related("ticket")
        .order_by("-created_time")[:EXCERPTS_SHOWN]
    )
    found = [
        Excerpt(
            ticket=t.ticket,
            when=t.created_time,
            author=t.author_name or t.from_email_address or "",
            text=t.summary[:300],
            incoming=t.direction == "in",
        )
        for t in threads
        if t.summary
    ]
    if found:
        return found
    recent = tickets.exclude(description="").order_by("-created_time")[:EXCERPTS_SHOWN]
    return [
        Excerpt(ticket=t, when=t.created_time, author="", text=_plain(t.description)[:300], incoming=True)
        for t in recent
    ]


def _plain(html: str) -> str:
    from django.utils.html import strip_tags

    return " ".join(strip_tags(html or "").split())


def contact_tickets_section(request: HttpRequest, *, contact: Contact) -> PageSection | None:
    if not request.user.has_perm("core.view_tickets"):
        return None
    now = timezone.now()
    tickets = of_customer(_live(contact.connection), "contact", contact.desk_id)
    shown = list(
        tickets.annotate(
            closed_last=Case(
                When(status_type="Closed", then=Value(1)), default=Value(0), output_field=IntegerField()
            )
        ).order_by("closed_last", "-modified_time", "-desk_id")[:CONTACT_TICKETS_SHOWN]
    )
    url = reverse("tickets:detail", kwargs={"desk_id": "0"})[:-2]
    new_ticket = ""
    if request.user.has_perm("core.edit_tickets"):
        new_ticket = f"{reverse('tickets:new')}?contact={contact.desk_id}"
    return PageSection(
        "tickets/customer_contact.html",
        {
            "tickets": [(t, f"{url}{t.desk_id}/") for t in shown],
            "counts": ticket_counts(tickets, now=now),
            "excerpts": _excerpts(tickets),
            "new_ticket_url": new_ticket,
            "now": now,
        },
    )


# -- the account's page ------------------------------------------------------------------------------------


def open_over_time(tickets: QuerySet[Ticket], *, now: datetime, weeks: int = CHART_WEEKS) -> Chart:
    """How many of these tickets were open at the end of each of the last ``weeks`` weeks (a ticket is open
    from its creation until it was closed; a closed ticket without a closing time closed when last modified),
    as the core's accessible column chart (title, summary, and the numbers as a table)."""
    rows = list(tickets.order_by().values_list("created_time", "closed_time", "modified_time", "status_type"))
    ends = [now - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    values = []
    for end in ends:
        n = 0
        for created, closed, modified, status_type in rows:
            if created is None or created > end:
                continue
            closed_at = closed or (modified if status_type == "Closed" else None)
            if closed_at is None or closed_at > end:
                n += 1
        values.append(n)
    peak = max(values, default=0)
    return column_chart(
        title=f"Open tickets at the end of each of the last {weeks} weeks",
        data=[(f"{timezone.localtime(end):%b %-d}", value) for end, value in zip(ends, values, strict=True)],
        label_heading="Week ending",
        value_heading="Open tickets",
        summary=f"{values[-1] if values else 0} open now; at most {peak} in these {weeks} weeks.",
        chart_id="account-open-tickets",
    )


def _account_filter_query(request: HttpRequest, **overrides: str) -> str:
    """The account page's ticket filters as a query string (only the queue parameters it offers)."""
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    for name in ACCOUNT_FILTER_PARAMS:
        values = [v for v in request.GET.getlist(name) if v]
        if name in overrides:
            values = [overrides[name]] if overrides[name] else []
        if values:
            query.setlist(name, values)
    return query.urlencode()


@dataclass
class AccountTicketRow:
    ticket: Ticket
    url: str
    assignee: Agent | None
    contact: Contact | None


def _account_rows(
    connection: DeskConnection, tickets: list[Ticket], *, agents: list[Agent]
) -> list[AccountTicketRow]:
    """A page's tickets with their assignee and contact (one query for the contacts)."""
    by_id = {a.desk_id: a for a in agents}
    contact_ids = {t.contact_desk_id for t in tickets if t.contact_desk_id}
    contacts = {
        c.desk_id: c
        # Unordered: read by the (connection, desk_id) index, not by the contacts' default name order.
        for c in Contact.objects.filter(connection=connection, desk_id__in=contact_ids, is_deleted=False)
        .order_by()
        .only("desk_id", "first_name", "last_name", "email", "connection_id")
    }
    url = reverse("tickets:detail", kwargs={"desk_id": "0"})[:-2]
    return [
        AccountTicketRow(
            ticket=t,
            url=f"{url}{t.desk_id}/",
            assignee=by_id.get(t.assignee_desk_id),
            contact=contacts.get(t.contact_desk_id),
        )
        for t in tickets
    ]


def account_tickets_section(request: HttpRequest, *, account: Account) -> PageSection | None:
    if not request.user.has_perm("core.view_tickets"):
        return None
    # The queue's own form and selectors, imported when an account page is drawn (they are the queue's, and
    # change with it; the app's start-up does not depend on them).
    from apps.tickets.forms.queue import QueueFilterForm
    from apps.tickets.selectors.queue import agent_id_for_user, queue_choices, tickets_for_queue

    connection = account.connection
    now = timezone.now()
    user: Any = request.user
    scoped = of_customer(_live(connection), "account", account.desk_id)
    form = QueueFilterForm(request.GET)
    filters = form.filters()
    filters.page_size = ACCOUNT_PAGE_SIZE
    me = agent_id_for_user(connection=connection, user=user)
    matching = of_customer(
        tickets_for_queue(connection=connection, filters=filters, me_agent_id=me, now=now),
        "account",
        account.desk_id,
    )
    page = Paginator(matching, ACCOUNT_PAGE_SIZE).get_page(filters.page)
    choices = queue_choices(connection=connection)
    rows = _account_rows(connection, list(page.object_list), agents=choices.agents)
    sort = filters.sort
    headers = []
    for key, label in (
        ("number", "#"),
        ("subject", "Subject"),
        ("status", "Status"),
        ("priority", "Priority"),
        ("assignee", "Assignee"),
        ("contact", "Contact"),
        ("due", "Due"),
        ("modified", "Modified"),
    ):
        new = f"-{key}" if sort == key else key
        state = "ascending" if sort == key else ("descending" if sort == f"-{key}" else "")
        headers.append(
            {"label": label, "query": _account_filter_query(request, sort=new, page=""), "state": state}
        )
    chart = open_over_time(scoped, now=now)
    return PageSection(
        "tickets/customer_account.html",
        {
            "account": account,
            "rows": rows,
            "page": page,
            "headers": headers,
            "filters": filters,
            "statuses": choices.statuses,
            "priorities": choices.priorities,
            "agents": choices.agents,
            "counts": ticket_counts(scoped, now=now),
            "chart": chart,
            "previous_query": _account_filter_query(request, page=str(page.number - 1))
            if page.has_previous()
            else "",
            "next_query": _account_filter_query(request, page=str(page.number + 1))
            if page.has_next()
            else "",
            "new_ticket_url": "",
            "now": now,
        },
    )


def register() -> None:
    """Called from TicketsConfig.ready()."""
    register_section("customers:contact", contact_tickets_section)
    register_section("customers:account", account_tickets_section)
    hooks.register_ticket_facts(
        hooks.TicketFacts(open_tickets_of_row=open_tickets_of_row, open_counts=open_counts)
    )
