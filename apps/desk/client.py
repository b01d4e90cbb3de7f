"""DeskClient: one Zoho Desk org's API, one typed method per operation, real Desk forms.

Build one through ``apps.connections.services.desk_client_for(connection)``; it needs no Django model.
Every method goes through ``DeskHttp`` (auth, ``orgId``, budget, retries, error mapping, call log) and
returns dataclasses from ``apps.desk.types``; lists are iterators that fetch 100 at a time, and the
``*_page`` methods give walkers (the sync) one page at a time.
Errors are ``apps.desk.errors.DeskError`` subclasses. Arguments left out of an update (``UNSET``) are
not sent; ``None`` clears a field.

Operations (method -> endpoint, as Zoho's OAS files for Desk v1 name them):

* Org: ``organizations`` GET /organizations (no orgId) · ``myinfo`` GET /myinfo ·
  ``support_email_addresses`` GET /mailReplyAddress (MailReplyAddress.json getReplyMailAddresses)
* Tickets: ``tickets_list`` GET /tickets · ``ticket_get`` GET /tickets/{id} · ``ticket_create`` POST
  /tickets · ``ticket_update`` / ``ticket_set_status`` / ``ticket_assign`` PATCH /tickets/{id} ·
  ``tickets_move_to_trash`` POST /tickets/moveToTrash · ``ticket_merge`` POST /tickets/{id}/merge ·
  ``tickets_search`` GET /tickets/search (one page with the total ``count``) · ``tickets_by_ids`` GET
  /tickets/search?id= · ``tickets_count`` (search's ``count``) · ``ticket_metrics`` GET
  /tickets/{id}/metrics · ``agents_tickets_count`` GET /agentsTicketsCount
* Tags: ``ticket_tags_list`` GET /tickets/{id}/tags · ``ticket_tags_add`` POST …/associateTag ·
  ``ticket_tags_remove`` POST …/dissociateTag · ``tags_search`` GET /tags/search
* Followers: ``ticket_followers_list`` GET /tickets/{id}/followers · ``ticket_followers_add`` POST
  …/addFollowers · ``ticket_followers_remove`` POST …/removeFollowers
* Comments: ``comments_list`` GET, ``comment_create`` POST /tickets/{id}/comments ·
  ``comment_update`` PATCH, ``comment_delete`` DELETE /tickets/{id}/comments/{cid}
* Threads: ``threads_list`` GET /tickets/{id}/threads · ``thread_get`` GET /tickets/{id}/threads/{tid}
  · ``reply_send`` POST /tickets/{id}/sendReply
* Attachments: ``attachment_upload`` POST (multipart, ?isPublic), ``attachments_list`` GET
  /tickets/{id}/attachments · ``attachment_download`` GET the metadata's ``href`` (a stream) ·
  ``attachment_delete`` DELETE …/{aid} · ``upload`` POST /uploads (a temporary file for replies)
* Contacts / accounts: ``contacts_list`` ``contact_get`` ``contact_create`` ``contact_update``
  ``contacts_move_to_trash`` ``contacts_search`` ``contacts_by_ids`` (GET /contacts/contactsByIds), and the
  same ``account…`` names (without by-ids)
* Agents: ``agents_list`` ``agent_get`` ``agents_by_ids`` (GET /agentsByIds) ``agent_add`` ``agent_update``
  ``agents_activate`` (POST /agents/activate) ``agent_deactivate`` (POST /agents/{id}/deactivate)
  ``agent_delete`` (DELETE /agents/{id}) ``agents_delete_unconfirmed`` (POST /agents/deleteUnconfirmed)
* Departments: ``departments_list`` ``department_get`` · Teams: ``teams_list`` ``team_get``
* SLA: ``sla_policies_list`` · ``ticket_sla_get`` (the due times Desk puts on the ticket)
* Webhooks: ``webhook_create`` ``webhooks_list`` ``webhook_get`` ``webhook_update`` ``webhook_delete``
* Pages for walks (one call each, a ``ListPage`` of Desk's JSON records with ``next_from``, ``count`` and the
  call's ``credits``): ``tickets_list_page`` ``contacts_list_page`` ``accounts_list_page`` ``agents_list_page``
  ``departments_list_page`` ``teams_list_page`` ``sla_policies_list_page`` · ``tickets_search_page``
  ``contacts_search_page`` ``accounts_search_page`` (by ``createdTimeRange`` / ``modifiedTimeRange``)

Credits: ``credits_spent`` is what every answer so far cost (``X-Rate-Limit-Request-Weight-v3``); a service
reads it before and after a write to record the write's cost. ``DESK_UNCONFIRMED_REAL_FORMS`` (default on)
still picks the SLA policies path (``/slas``; the seed's ``/sla`` when off): no OAS file we read has it.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import IO, Any, Literal, TypeVar
from urllib.parse import unquote

import httpx
from django.conf import settings

from apps.desk.budget import OrgBudget, Priority
from apps.desk.errors import DeskError
from apps.desk.transport import DeskHttp, TokenProvider
from apps.desk.types import (
    UNSET,
    Account,
    Agent,
    AgentInfo,
    AgentTicketCount,
    Attachment,
    Comment,
    Contact,
    Department,
    DeskObject,
    DeskRecord,
    Follower,
    FromAddress,
    ListPage,
    Organization,
    SearchPage,
    SlaDue,
    SlaPolicy,
    Tag,
    Team,
    Thread,
    Ticket,
    TicketMetrics,
    TicketSla,
    Upload,
    Webhook,
    camel_case,
    format_datetime,
    to_desk,
)

__all__ = [
    "UNSET",
    "AttachmentDownload",
    "DeskClient",
    "DeskRecord",
    "ListPage",
    "SearchPage",
    "TokenProvider",
]

TimeRange = tuple[datetime, datetime]

T = TypeVar("T", bound=DeskObject)

MAX_PAGE_SIZE = 100
# Search.json: searchTickets (and the other searches) take ``from`` 0..999. A search window must hold at most
# SEARCH_MAX_FROM + MAX_PAGE_SIZE records to be walked completely.
SEARCH_MAX_FROM = 999
# Desk's ``from`` is an index that starts at 0 on most lists ...
FIRST_INDEX = 0
# ... but Account.json's lists (getAccounts, getTicketsByAccount, getAccountsByContact) give it the default 1.
ACCOUNT_LIST_FIRST_INDEX = 1
_IdList = list[str] | tuple[str, ...]


class AttachmentDownload:
    """An attachment's bytes as a stream. Use as a context manager; it holds one Desk slot until closed."""

    def __init__(self, response: httpx.Response) -> None:
        self._response = response
        self.content_type: str = response.headers.get("Content-Type", "application/octet-stream")
        length = response.headers.get("Content-Length")
        self.size: int | None = int(length) if length and length.isdigit() else None
        self.filename: str | None = _filename(response.headers.get("Content-Disposition", ""))

    def iter_bytes(self, chunk_size: int = 64 * 1024) -> Iterator[bytes]:
        yield from self._response.iter_bytes(chunk_size)

    def read(self) -> bytes:
        return self._response.read()

    def close(self) -> None:
        self._response.close()

    def __enter__(self) -> AttachmentDownload:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _filename(disposition: str) -> str | None:
    match = re.search(r"filename\*=(?:UTF-8'')?([^;]+)", disposition, re.IGNORECASE)
    if match:
        return unquote(match.group(1).strip().strip('"'))
    match = re.search(r'filename="?([^";]+)"?', disposition, re.IGNORECASE)
    return match.group(1) if match else None


def _ids(values: _IdList, *, what: str) -> list[str]:
    ids = [str(value) for value in values if str(value).strip()]
    if not ids:
        raise ValueError(f"give at least one {what} id")
    return ids


class DeskClient:
    """The Desk API of one org (``org_id`` None only for ``organizations()`` before an org is chosen)."""

    def __init__(
        self,
        *,
        api_base_url: str,
        org_id: str | None,
        token_provider: TokenProvider,
        transport: httpx.BaseTransport | None = None,
        priority: Literal["interactive", "background"] = "interactive",
        timeout: float | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
        rng: random.Random | None = None,
        budget: OrgBudget | None = None,
        unconfirmed_real_forms: bool | None = None,
        edition: str | None = None,
    ) -> None:
        self.org_id = org_id
        self.edition = edition
        self.priority: Priority = priority
        self.http = DeskHttp(
            api_base_url=api_base_url,
            org_id=org_id,
            token_provider=token_provider,
            transport=transport,
            priority=priority,
            timeout=timeout,
            sleep=sleep,
            clock=clock,
            rng=rng,
            budget=budget,
            edition=edition,
        )
        self.real_forms = (
            settings.DESK_UNCONFIRMED_REAL_FORMS if unconfirmed_real_forms is None else unconfirmed_real_forms
        )

    @property
    def credits_spent(self) -> int:
        """API credits this client's calls have cost so far (what Desk's answers reported)."""
        return self.http.credits_spent

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> DeskClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # Plumbing -------------------------------------------------------------------------------------
    def _get(
        self, item_type: type[T], path: str, *, params: dict[str, Any] | None = None, **path_params: Any
    ) -> T:
        body = self.http.json("GET", path, retry="idempotent", path_params=path_params, params=params)
        return item_type.from_desk(_record(body))

    def _send(
        self,
        item_type: type[T],
        method: str,
        path: str,
        *,
        body: dict[str, Any],
        retry: Literal["idempotent", "create"],
        **path_params: Any,
    ) -> T:
        answer = self.http.json(method, path, retry=retry, path_params=path_params, json=body)
        return item_type.from_desk(_record(answer))

    def _by_ids(
        self,
        model: type[T],
        path: str,
        param: str,
        ids: list[str],
        *,
        chunk: int,
        params: dict[str, Any] | None = None,
    ) -> list[T]:
        """Fetch records by id in calls of at most ``chunk`` ids (the OAS caps each ...ByIds call)."""
        found: list[T] = []
        for start in range(0, len(ids), chunk):
            query = {**(params or {}), param: ids[start : start + chunk]}
            body = self.http.json("GET", path, retry="idempotent", params=query)
            found.extend(model.from_desk(item) for item in _items(body))
        return found

    def _pages(
        self,
        item_type: type[T],
        path: str,
        *,
        params: dict[str, Any] | None = None,
        path_params: dict[str, Any] | None = None,
        page_size: int = MAX_PAGE_SIZE,
        max_items: int | None = None,
        first_index: int = FIRST_INDEX,
        max_from: int | None = None,
    ) -> Iterator[T]:
        """Walk ``from``/``limit`` pages, one request at a time; stop on 204 or on a short page.

        ``first_index`` is where the operation's ``from`` starts (0, or 1 for Account.json's lists).
        ``max_from`` is the highest ``from`` the operation accepts (Search.json: 999): the last page is
        asked for at ``max_from`` (dropping the records already seen) and the walk ends there, so a search
        yields at most ``max_from + page_size`` records instead of failing with a 422.
        """
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
        offset = 0  # records walked past so far; ``from`` = first_index + offset
        yielded = 0
        while max_items is None or yielded < max_items:
            size = page_size if max_items is None else min(page_size, max_items - yielded)
            start, skip = first_index + offset, 0
            if max_from is not None and start > max_from:
                start, skip = max_from, start - max_from
                if skip >= size:
                    return
            items = self._page(
                path, params=params, path_params=path_params, from_index=start, limit=size
            ).items
            for item in items[skip:]:
                yield item_type.from_desk(item)
            yielded += max(0, len(items) - skip)
            if len(items) < size or skip:
                return
            offset += len(items)

    def _page(
        self,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        path_params: dict[str, Any] | None = None,
        from_index: int | None = None,
        limit: int | None = None,
    ) -> ListPage[DeskRecord]:
        """One GET of a list or search, its records as Desk sent them. With ``from_index``, one
        ``from``/``limit`` page (``from`` and ``limit`` go last, after ``params``); without, an unpaged list."""
        query = dict(params or {})
        if from_index is not None:
            query.update({"from": from_index, "limit": limit})
        body = self.http.json("GET", path, retry="idempotent", path_params=path_params, params=query)
        items = _items(body)
        next_from = None
        if from_index is not None and limit is not None and len(items) >= limit:
            next_from = from_index + len(items)
        return ListPage(
            items=items,
            from_index=from_index,
            next_from=next_from,
            count=_count(body),
            credits=self.http.last_call_credits,
        )

    def _list(
        self, item_type: type[T], path: str, *, params: dict[str, Any] | None = None, **path_params: Any
    ) -> list[T]:
        """An unpaged list (departments' teams, webhooks, orgs): 204 means empty."""
        body = self.http.json("GET", path, retry="idempotent", path_params=path_params, params=params)
        return [item_type.from_desk(item) for item in _items(body)]

    def _action(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        retry: Literal["idempotent", "create"] = "idempotent",
        **path_params: Any,
    ) -> None:
        self.http.json(method, path, retry=retry, path_params=path_params, json=body)

    # Organizations ----------------------------------------------------------------------------------
    def organizations(self) -> list[Organization]:
        """The orgs the token's user belongs to; the only call without an ``orgId`` header."""
        body = self.http.json("GET", "/organizations", retry="idempotent", org_header=False)
        orgs = [Organization.from_desk(item) for item in _items(body)]
        for org in orgs:
            if org.id and org.edition:
                # Every process caps this org's concurrency by what Desk says its edition is.
                OrgBudget(org.id).remember_edition(org.edition)
        return orgs

    def myinfo(self) -> AgentInfo:
        return self._get(AgentInfo, "/myinfo")

    def support_email_addresses(
        self, *, department_id: str | None = None, is_active: bool | None = None, max_items: int = 2000
    ) -> list[FromAddress]:
        """Every From address a reply may be sent from (GET /mailReplyAddress; ``from`` counts from 1 there),
        walked 100 a page: ``len(result) // 100 + 1`` calls.

        ``department_id`` None asks for every department (``allDepartment``).
        """
        return list(
            self._pages(
                FromAddress,
                "/mailReplyAddress",
                params={"departmentId": department_id or "allDepartment", "isActive": is_active},
                first_index=1,
                max_items=max_items,
            )
        )

    # Tickets ----------------------------------------------------------------------------------------
    def tickets_list(
        self,
        *,
        status: str | list[str] | None = None,
        assignee: str | list[str] | None = None,
        department_id: str | None = None,
        department_ids: list[str] | None = None,
        channel: str | list[str] | None = None,
        priority: str | list[str] | None = None,
        view_id: str | None = None,
        received_in_days: int | None = None,
        include: list[str] | None = None,
        fields: list[str] | None = None,
        sort_by: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
        max_items: int | None = None,
    ) -> Iterator[Ticket]:
        """Tickets in Desk's default order unless ``sort_by``: ``dueDate``, ``createdTime`` or ``recentThread``
        (Ticket.json getTickets; ``-`` prefix for descending). Desk refuses ``modifiedTime`` here: to find what
        changed, use ``tickets_search(modified_time_range=..., sort_by="modifiedTime")``.

        ``assignee`` is agent ids or ``"Unassigned"``; ``include`` e.g. ``["contacts", "assignee"]``. Each page
        costs 3 credits while ``from`` ≤ 2,000 and more beyond: walk deep lists by time windows instead.
        """
        params = {
            "status": status,
            "assignee": assignee,
            "departmentId": department_id,
            "departmentIds": department_ids,
            "channel": channel,
            "priority": priority,
            "viewId": view_id,
            "receivedInDays": received_in_days,
            "include": include,
            "fields": fields,
            "sortBy": sort_by,
        }
        return self._pages(Ticket, "/tickets", params=params, page_size=page_size, max_items=max_items)

    def ticket_get(self, ticket_id: str, *, include: list[str] | None = None) -> Ticket:
        return self._get(Ticket, "/tickets/{ticket_id}", params={"include": include}, ticket_id=ticket_id)

    def ticket_create(
        self,
        *,
        subject: str,
        department_id: str,
        contact_id: str | None = UNSET,
        contact: dict[str, Any] | None = UNSET,
        description: str | None = UNSET,
        status: str | None = UNSET,
        priority: str | None = UNSET,
        channel: str | None = UNSET,
        classification: str | None = UNSET,
        category: str | None = UNSET,
        sub_category: str | None = UNSET,
        email: str | None = UNSET,
        phone: str | None = UNSET,
        language: str | None = UNSET,
        due_date: datetime | None = UNSET,
        assignee_id: str | None = UNSET,
        team_id: str | None = UNSET,
        product_id: str | None = UNSET,
        account_id: str | None = UNSET,
        cf: dict[str, Any] | None = UNSET,
    ) -> Ticket:
        """Create a ticket. Give ``contact_id``, or ``contact`` ({"last_name", "email", …}) to create one."""
        values = {k: v for k, v in locals().items() if k != "self"}
        if isinstance(contact, dict):
            values["contact"] = {camel_case(key): value for key, value in contact.items()}
        body = to_desk(values)
        return self._send(Ticket, "POST", "/tickets", body=body, retry="create")

    def ticket_update(
        self,
        ticket_id: str,
        *,
        subject: str = UNSET,
        description: str | None = UNSET,
        status: str = UNSET,
        priority: str | None = UNSET,
        channel: str | None = UNSET,
        classification: str | None = UNSET,
        category: str | None = UNSET,
        sub_category: str | None = UNSET,
        email: str | None = UNSET,
        phone: str | None = UNSET,
        language: str | None = UNSET,
        due_date: datetime | None = UNSET,
        resolution: str | None = UNSET,
        department_id: str = UNSET,
        contact_id: str = UNSET,
        account_id: str | None = UNSET,
        assignee_id: str | None = UNSET,
        team_id: str | None = UNSET,
        product_id: str | None = UNSET,
        cf: dict[str, Any] | None = UNSET,
    ) -> Ticket:
        """Change the given fields only (PATCH)."""
        values = {k: v for k, v in locals().items() if k not in ("self", "ticket_id")}
        return self._send(
            Ticket,
            "PATCH",
            "/tickets/{ticket_id}",
            body=to_desk(values),
            retry="idempotent",
            ticket_id=ticket_id,
        )

    def ticket_set_status(self, ticket_id: str, *, status: str) -> Ticket:
        return self.ticket_update(ticket_id, status=status)

    def ticket_assign(
        self, ticket_id: str, *, assignee_id: str | None, team_id: str | None = UNSET
    ) -> Ticket:
        """Assign to an agent (and/or team); ``assignee_id=None`` unassigns."""
        return self.ticket_update(ticket_id, assignee_id=assignee_id, team_id=team_id)

    def ticket_merge(self, ticket_id: str, *, ids: _IdList, source: dict[str, str] | None = None) -> Ticket:
        """Merge the tickets ``ids`` into ``ticket_id`` (POST /tickets/{id}/merge, Ticket.json mergeTicket; at
        most 5 tickets in all). ``source`` picks, per field (Desk's name: ``subject``, ``contactId``…), the id
        of the ticket whose value the merged ticket keeps. Returns the merged ticket; the others are gone.
        Not retried on an ambiguous failure: a merge that went through cannot be sent twice."""
        body: dict[str, Any] = {"ids": _ids(ids, what="ticket")}
        if source:
            body["source"] = {name: str(value) for name, value in source.items()}
        return self._send(
            Ticket, "POST", "/tickets/{ticket_id}/merge", body=body, retry="create", ticket_id=ticket_id
        )

    def tickets_move_to_trash(self, *, ticket_ids: _IdList) -> None:
        """Delete tickets the real way: they go to Desk's trash (``POST /tickets/moveToTrash``)."""
        self._action("POST", "/tickets/moveToTrash", body={"ticketIds": _ids(ticket_ids, what="ticket")})

    def tickets_search(
        self,
        *,
        query: str | None = None,
        subject: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        ticket_number: str | None = None,
        ids: _IdList | None = None,
        status: str | list[str] | None = None,
        priority: str | list[str] | None = None,
        channel: str | None = None,
        department_id: str | None = None,
        assignee_id: str | list[str] | None = None,
        contact_id: str | list[str] | None = None,
        account_id: str | list[str] | None = None,
        contact_name: str | None = None,
        account_name: str | None = None,
        tag: str | None = None,
        created_time_range: TimeRange | None = None,
        modified_time_range: TimeRange | None = None,
        sort_by: str | None = None,
        from_index: int = FIRST_INDEX,
        limit: int = MAX_PAGE_SIZE,
    ) -> SearchPage[Ticket]:
        """One page of Desk's ticket search (GET /tickets/search) and the total ``count`` it reports.

        ``query`` searches all fields (``_all``); time ranges are ``(start, end)`` datetimes, sent as
        ``start,end`` in Desk's ``yyyy-MM-ddTHH:mm:ss.SSSZ``; ``sort_by`` is ``relevance``, ``modifiedTime``,
        ``createdTime`` or ``customerResponseTime`` (``-`` for descending). Search.json allows ``from`` up
        to 999 and ``limit`` up to 100; 204 (nothing matched) is an empty page with count 0.
        """
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise ValueError(f"limit must be between 1 and {MAX_PAGE_SIZE}")
        params = {
            "_all": query,
            "subject": subject,
            "email": email,
            "phone": phone,
            "ticketNumber": ticket_number,
            "id": list(ids) if ids else None,
            "status": status,
            "priority": priority,
            "channel": channel,
            "departmentId": department_id,
            "assigneeId": assignee_id,
            "contactId": contact_id,
            "accountId": account_id,
            "contactName": contact_name,
            "accountName": account_name,
            "tag": tag,
            "createdTimeRange": _time_range(created_time_range),
            "modifiedTimeRange": _time_range(modified_time_range),
            "sortBy": sort_by,
        }
        page = self._page("/tickets/search", params=params, from_index=from_index, limit=limit)
        items = [Ticket.from_desk(item) for item in page.items]
        return SearchPage(
            items=items,
            count=len(items) if page.count is None else page.count,
            from_index=page.from_index,
            next_from=page.next_from,
            credits=page.credits,
        )

    def tickets_by_ids(self, ticket_ids: _IdList) -> list[Ticket]:
        """Several tickets in one call: search's documented ``id`` filter (exact match, Search.json).

        Our best reading: Ticket.json has no ``ticketsByIds`` operation, so we use the one that is documented.
        """
        ids = _ids(ticket_ids, what="ticket")
        tickets: list[Ticket] = []
        for start in range(0, len(ids), MAX_PAGE_SIZE):
            chunk = ids[start : start + MAX_PAGE_SIZE]
            tickets.extend(self.tickets_search(ids=chunk, limit=len(chunk)).items)
        return tickets

    def tickets_count(
        self,
        *,
        status: str | list[str] | None = None,
        department_id: str | None = None,
        assignee_id: str | list[str] | None = None,
        channel: str | None = None,
        priority: str | list[str] | None = None,
        created_time_range: TimeRange | None = None,
        modified_time_range: TimeRange | None = None,
    ) -> int:
        """How many tickets match, from search's ``count`` (Desk has no ``/ticketsCount``): one call, 3 credits."""
        return self.tickets_search(
            status=status,
            department_id=department_id,
            assignee_id=assignee_id,
            channel=channel,
            priority=priority,
            created_time_range=created_time_range,
            modified_time_range=modified_time_range,
            limit=1,
        ).count

    def ticket_metrics(self, ticket_id: str) -> TicketMetrics:
        """Response and resolution times, handling agents and counts (GET /tickets/{id}/metrics)."""
        return self._get(TicketMetrics, "/tickets/{ticket_id}/metrics", ticket_id=ticket_id)

    def agents_tickets_count(
        self, *, agent_ids: _IdList, department_id: str | None = None
    ) -> list[AgentTicketCount]:
        """Open tickets per agent (GET /agentsTicketsCount; at most 50 ids a call, so we chunk)."""
        return self._by_ids(
            AgentTicketCount,
            "/agentsTicketsCount",
            "agentIds",
            _ids(agent_ids, what="agent"),
            chunk=50,
            params={"departmentId": department_id},
        )

    # Tags -------------------------------------------------------------------------------------------
    def ticket_tags_list(self, ticket_id: str) -> list[Tag]:
        body = self.http.json(
            "GET", "/tickets/{ticket_id}/tags", retry="idempotent", path_params={"ticket_id": ticket_id}
        )
        return [Tag.from_desk(item) for item in _items(body, keys=("tags", "data"))]

    def ticket_tags_add(self, ticket_id: str, *, tags: list[str]) -> list[Tag]:
        """Associate tags by name (created when new); returns the tags Desk associated."""
        body = self.http.json(
            "POST",
            "/tickets/{ticket_id}/associateTag",
            retry="idempotent",
            path_params={"ticket_id": ticket_id},
            json={"tags": _names(tags)},
        )
        return [Tag.from_desk(item) for item in _items(body)]

    def ticket_tags_remove(self, ticket_id: str, *, tags: list[str]) -> None:
        self._action(
            "POST", "/tickets/{ticket_id}/dissociateTag", body={"tags": _names(tags)}, ticket_id=ticket_id
        )

    def tags_search(
        self, *, department_id: str, search: str | None = None, limit: int = MAX_PAGE_SIZE
    ) -> list[Tag]:
        """A department's tags matching ``search`` (GET /tags/search; ``departmentId`` is required)."""
        body = self.http.json(
            "GET",
            "/tags/search",
            retry="idempotent",
            params={"searchVal": search, "departmentId": department_id, "from": FIRST_INDEX, "limit": limit},
        )
        return [Tag.from_desk(item) for item in _items(body)]

    # Followers --------------------------------------------------------------------------------------
    def ticket_followers_list(self, ticket_id: str) -> list[Follower]:
        body = self.http.json(
            "GET", "/tickets/{ticket_id}/followers", retry="idempotent", path_params={"ticket_id": ticket_id}
        )
        return [Follower.from_desk(item) for item in _items(body)]

    def ticket_followers_add(self, ticket_id: str, *, follower_ids: _IdList) -> None:
        self._action(
            "POST",
            "/tickets/{ticket_id}/addFollowers",
            body={"followerIds": _ids(follower_ids, what="follower")},
            ticket_id=ticket_id,
        )

    def ticket_followers_remove(self, ticket_id: str, *, follower_ids: _IdList) -> None:
        self._action(
            "POST",
            "/tickets/{ticket_id}/removeFollowers",
            body={"followerIds": _ids(follower_ids, what="follower")},
            ticket_id=ticket_id,
        )

    # Comments ---------------------------------------------------------------------------------------
    def comments_list(
        self,
        ticket_id: str,
        *,
        sort_by: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
        max_items: int | None = None,
    ) -> Iterator[Comment]:
        """``sort_by`` ``commentedTime`` (ascending, Desk's default) or ``-commentedTime`` (newest first)."""
        return self._pages(
            Comment,
            "/tickets/{ticket_id}/comments",
            params={"sortBy": sort_by},
            path_params={"ticket_id": ticket_id},
            page_size=page_size,
            max_items=max_items,
        )

    def comment_create(
        self, ticket_id: str, *, content: str, is_public: bool = False, content_type: str = "plainText"
    ) -> Comment:
        body = to_desk({"content": content, "is_public": is_public, "content_type": content_type})
        return self._send(
            Comment, "POST", "/tickets/{ticket_id}/comments", body=body, retry="create", ticket_id=ticket_id
        )

    def comment_update(
        self,
        ticket_id: str,
        comment_id: str,
        *,
        content: str = UNSET,
        is_public: bool = UNSET,
        content_type: str = UNSET,
    ) -> Comment:
        body = to_desk({"content": content, "is_public": is_public, "content_type": content_type})
        return self._send(
            Comment,
            "PATCH",
            "/tickets/{ticket_id}/comments/{comment_id}",
            body=body,
            retry="idempotent",
            ticket_id=ticket_id,
            comment_id=comment_id,
        )

    def comment_delete(self, ticket_id: str, comment_id: str) -> None:
        """DELETE the comment; Desk answers 200 with an empty body (not 204)."""
        self._action(
            "DELETE", "/tickets/{ticket_id}/comments/{comment_id}", ticket_id=ticket_id, comment_id=comment_id
        )

    # Threads and replies ----------------------------------------------------------------------------
    def threads_list(
        self,
        ticket_id: str,
        *,
        sort_by: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
        max_items: int | None = None,
    ) -> Iterator[Thread]:
        """The conversation as summaries (no ``content``); ``thread_get`` fetches one in full. ``sort_by``
        ``sendDateTime`` or ``-sendDateTime`` (newest first)."""
        return self._pages(
            Thread,
            "/tickets/{ticket_id}/threads",
            params={"sortBy": sort_by},
            path_params={"ticket_id": ticket_id},
            page_size=page_size,
            max_items=max_items,
        )

    def thread_get(self, ticket_id: str, thread_id: str, *, include_plain_text: bool = False) -> Thread:
        params = {"include": "plainText"} if include_plain_text else None
        return self._get(
            Thread,
            "/tickets/{ticket_id}/threads/{thread_id}",
            params=params,
            ticket_id=ticket_id,
            thread_id=thread_id,
        )

    def reply_send(
        self,
        ticket_id: str,
        *,
        from_email_address: str,
        content: str,
        channel: str = "EMAIL",
        to: str | None = UNSET,
        content_type: Literal["html", "plainText"] = "html",
        cc: str | None = UNSET,
        bcc: str | None = UNSET,
        attachment_ids: list[str] | None = UNSET,
        is_forward: bool = UNSET,
        in_reply_to_thread_id: str | None = UNSET,
        ticket_status: str | None = UNSET,
    ) -> Thread:
        """Send a reply (POST /tickets/{id}/sendReply): ``channel``, ``content`` and ``fromEmailAddress`` are
        required; ``fromEmailAddress`` must be one of ``support_email_addresses()``; ``to`` defaults to the
        ticket's contact on Desk's side. Returns the new thread."""
        if to is None:
            to = UNSET
        values = {k: v for k, v in locals().items() if k not in ("self", "ticket_id")}
        return self._send(
            Thread,
            "POST",
            "/tickets/{ticket_id}/sendReply",
            body=to_desk(values),
            retry="create",
            ticket_id=ticket_id,
        )

    # Attachments ------------------------------------------------------------------------------------
    def attachment_upload(
        self,
        ticket_id: str,
        *,
        filename: str,
        content: bytes | IO[bytes],
        content_type: str = "application/octet-stream",
        is_public: bool = False,
    ) -> Attachment:
        """Upload a file (multipart field ``file``). A file object is read from its current position."""
        body = self.http.json(
            "POST",
            "/tickets/{ticket_id}/attachments",
            retry="create",
            path_params={"ticket_id": ticket_id},
            params={"isPublic": is_public},
            files={"file": (filename, content, content_type)},
        )
        return Attachment.from_desk(_record(body))

    def attachments_list(
        self, ticket_id: str, *, page_size: int = MAX_PAGE_SIZE, max_items: int | None = None
    ) -> Iterator[Attachment]:
        return self._pages(
            Attachment,
            "/tickets/{ticket_id}/attachments",
            path_params={"ticket_id": ticket_id},
            page_size=page_size,
            max_items=max_items,
        )

    def attachment_download(
        self, ticket_id: str, attachment_id: str, *, href: str | None = None
    ) -> AttachmentDownload:
        """The file's bytes as a stream (``with client.attachment_download(...) as download:``).

        Desk says where the bytes are: the attachment metadata's ``href``. Give it when the mirror has it; it
        must be on this org's API host (our token never goes elsewhere). Without it we use the ``/content``
        path under the attachment, our best reading of what ``href`` points at.
        """
        template = "/tickets/{ticket_id}/attachments/{attachment_id}/content"
        response = self.http.request(
            "GET",
            template,
            retry="idempotent",
            path_params={"ticket_id": ticket_id, "attachment_id": attachment_id},
            absolute_url=href or None,
            stream=True,
        )
        return AttachmentDownload(response)

    def attachment_delete(self, ticket_id: str, attachment_id: str) -> None:
        """DELETE the attachment; Desk answers 200 with an empty body (not 204)."""
        self._action(
            "DELETE",
            "/tickets/{ticket_id}/attachments/{attachment_id}",
            ticket_id=ticket_id,
            attachment_id=attachment_id,
        )

    def upload(
        self, *, filename: str, content: bytes | IO[bytes], content_type: str = "application/octet-stream"
    ) -> Upload:
        """Upload a temporary file (POST /uploads, multipart ``file``); its ``id`` goes in a reply's
        ``attachment_ids``."""
        body = self.http.json(
            "POST", "/uploads", retry="create", files={"file": (filename, content, content_type)}
        )
        return Upload.from_desk(_record(body))

    # Contacts ---------------------------------------------------------------------------------------
    def contacts_list(
        self,
        *,
        sort_by: str | None = None,
        view_id: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
        max_items: int | None = None,
    ) -> Iterator[Contact]:
        """Contact.json getContacts: ``sort_by`` is firstName, lastName, phone, email, account, createdTime or
        modifiedTime (``-`` for descending); there is no account filter (use ``contacts_search``)."""
        params = {"sortBy": sort_by, "viewId": view_id}
        return self._pages(Contact, "/contacts", params=params, page_size=page_size, max_items=max_items)

    def contact_get(self, contact_id: str) -> Contact:
        return self._get(Contact, "/contacts/{contact_id}", contact_id=contact_id)

    def contact_create(
        self,
        *,
        last_name: str,
        first_name: str | None = UNSET,
        email: str | None = UNSET,
        secondary_email: str | None = UNSET,
        phone: str | None = UNSET,
        mobile: str | None = UNSET,
        account_id: str | None = UNSET,
        title: str | None = UNSET,
        type: str | None = UNSET,
        description: str | None = UNSET,
        street: str | None = UNSET,
        city: str | None = UNSET,
        state: str | None = UNSET,
        zip: str | None = UNSET,
        country: str | None = UNSET,
        cf: dict[str, Any] | None = UNSET,
    ) -> Contact:
        body = to_desk({k: v for k, v in locals().items() if k != "self"})
        return self._send(Contact, "POST", "/contacts", body=body, retry="create")

    def contact_update(
        self,
        contact_id: str,
        *,
        last_name: str = UNSET,
        first_name: str | None = UNSET,
        email: str | None = UNSET,
        secondary_email: str | None = UNSET,
        phone: str | None = UNSET,
        mobile: str | None = UNSET,
        account_id: str | None = UNSET,
        title: str | None = UNSET,
        type: str | None = UNSET,
        description: str | None = UNSET,
        street: str | None = UNSET,
        city: str | None = UNSET,
        state: str | None = UNSET,
        zip: str | None = UNSET,
        country: str | None = UNSET,
        cf: dict[str, Any] | None = UNSET,
    ) -> Contact:
        values = {k: v for k, v in locals().items() if k not in ("self", "contact_id")}
        return self._send(
            Contact,
            "PATCH",
            "/contacts/{contact_id}",
            body=to_desk(values),
            retry="idempotent",
            contact_id=contact_id,
        )

    def contacts_move_to_trash(self, *, contact_ids: _IdList) -> None:
        """Delete contacts the real way: ``POST /contacts/moveToTrash``."""
        self._action("POST", "/contacts/moveToTrash", body={"contactIds": _ids(contact_ids, what="contact")})

    def contacts_by_ids(self, contact_ids: _IdList) -> list[Contact]:
        """Several contacts in one call (GET /contacts/contactsByIds; Contact.json allows 20 ids a call)."""
        return self._by_ids(
            Contact, "/contacts/contactsByIds", "ids", _ids(contact_ids, what="contact"), chunk=20
        )

    def contacts_search(
        self,
        *,
        query: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        account_name: str | None = None,
        sort_by: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
        max_items: int | None = None,
    ) -> Iterator[Contact]:
        """Search.json searchContacts (needs Desk.search.READ and Desk.contacts.READ). ``sort_by`` is
        relevance, modifiedTime, createdTime, lastName or firstName. ``from`` stops at 999, so the walk
        yields at most 1,099 matches: narrow the query for more."""
        params = {
            "_all": query,
            "email": email,
            "phone": phone,
            "firstName": first_name,
            "lastName": last_name,
            "accountName": account_name,
            "sortBy": sort_by,
        }
        return self._pages(
            Contact,
            "/contacts/search",
            params=params,
            page_size=page_size,
            max_items=max_items,
            max_from=SEARCH_MAX_FROM,
        )

    # Accounts ---------------------------------------------------------------------------------------
    def accounts_list(
        self,
        *,
        sort_by: str | None = None,
        view_id: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
        max_items: int | None = None,
    ) -> Iterator[Account]:
        """Account.json getAccounts: ``from`` counts from 1 here; ``sort_by`` is website, email, phone,
        accountName, createdTime or modifiedTime (``-`` for descending)."""
        params = {"sortBy": sort_by, "viewId": view_id}
        return self._pages(
            Account,
            "/accounts",
            params=params,
            page_size=page_size,
            max_items=max_items,
            first_index=ACCOUNT_LIST_FIRST_INDEX,
        )

    def account_get(self, account_id: str) -> Account:
        return self._get(Account, "/accounts/{account_id}", account_id=account_id)

    def account_create(
        self,
        *,
        account_name: str,
        email: str | None = UNSET,
        phone: str | None = UNSET,
        fax: str | None = UNSET,
        website: str | None = UNSET,
        industry: str | None = UNSET,
        description: str | None = UNSET,
        annual_revenue: float | Decimal | str | None = UNSET,
        owner_id: str | None = UNSET,
        code: str | None = UNSET,
        street: str | None = UNSET,
        city: str | None = UNSET,
        state: str | None = UNSET,
        country: str | None = UNSET,
        cf: dict[str, Any] | None = UNSET,
    ) -> Account:
        """Account.json createAccount (``accountName`` required). ``annual_revenue`` goes as Desk's
        ``annualrevenue``: a decimal string (up to 13 digits before the point)."""
        body = _account_body({k: v for k, v in locals().items() if k != "self"})
        return self._send(Account, "POST", "/accounts", body=body, retry="create")

    def account_update(
        self,
        account_id: str,
        *,
        account_name: str = UNSET,
        email: str | None = UNSET,
        phone: str | None = UNSET,
        fax: str | None = UNSET,
        website: str | None = UNSET,
        industry: str | None = UNSET,
        description: str | None = UNSET,
        annual_revenue: float | Decimal | str | None = UNSET,
        owner_id: str | None = UNSET,
        code: str | None = UNSET,
        street: str | None = UNSET,
        city: str | None = UNSET,
        state: str | None = UNSET,
        country: str | None = UNSET,
        cf: dict[str, Any] | None = UNSET,
    ) -> Account:
        values = {k: v for k, v in locals().items() if k not in ("self", "account_id")}
        return self._send(
            Account,
            "PATCH",
            "/accounts/{account_id}",
            body=_account_body(values),
            retry="idempotent",
            account_id=account_id,
        )

    def accounts_move_to_trash(self, *, account_ids: _IdList) -> None:
        """Delete accounts the real way: ``POST /accounts/moveToTrash``."""
        self._action("POST", "/accounts/moveToTrash", body={"accountIds": _ids(account_ids, what="account")})

    def accounts_search(
        self,
        *,
        query: str | None = None,
        account_name: str | None = None,
        sort_by: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
        max_items: int | None = None,
    ) -> Iterator[Account]:
        """Search.json searchAccounts: only ``_all`` and ``accountName`` of ours (it has no email or phone
        filter; ``query`` searches every field). ``sort_by`` is relevance, modifiedTime, createdTime or
        accountName. ``from`` counts from 0 and stops at 999: at most 1,099 matches."""
        params = {"_all": query, "accountName": account_name, "sortBy": sort_by}
        return self._pages(
            Account,
            "/accounts/search",
            params=params,
            page_size=page_size,
            max_items=max_items,
            max_from=SEARCH_MAX_FROM,
        )

    # Agents -----------------------------------------------------------------------------------------
    def agents_list(
        self,
        *,
        status: Literal["ACTIVE", "DISABLED", "DELETED", "IMPORTED"] | None = None,
        department_ids: list[str] | None = None,
        search: str | None = None,
        is_confirmed: bool | None = None,
        field_name: Literal["firstName", "lastName", "name", "emailId"] | None = None,
        sort_order: Literal["asc", "desc"] | None = None,
        role_ids: list[str] | None = None,
        profile_ids: list[str] | None = None,
        role_permission_type: str | None = None,
        is_light_agent: bool | None = None,
        include: list[Literal["profile", "role"]] | None = None,
        page_size: int = MAX_PAGE_SIZE,
        max_items: int | None = None,
    ) -> Iterator[Agent]:
        """Agent.json getAgents. It has no ``sortBy``: ``field_name`` picks the field that ``search`` and
        ``sort_order`` apply to. Its ``limit`` goes to 200; we page by 100 like every other list."""
        params = {
            "status": status,
            "departmentIds": department_ids,
            "searchStr": search,
            "isConfirmed": is_confirmed,
            "fieldName": field_name,
            "sortOrder": sort_order,
            "roleIds": role_ids,
            "profileIds": profile_ids,
            "rolePermissionType": role_permission_type,
            "isLightAgent": is_light_agent,
            "include": include,
        }
        return self._pages(Agent, "/agents", params=params, page_size=page_size, max_items=max_items)

    def agents_by_ids(self, agent_ids: _IdList) -> list[Agent]:
        """Several agents in one call (GET /agentsByIds?agentIds=; Agent.json allows 50 ids a call)."""
        return self._by_ids(Agent, "/agentsByIds", "agentIds", _ids(agent_ids, what="agent"), chunk=50)

    def agent_get(self, agent_id: str) -> Agent:
        return self._get(Agent, "/agents/{agent_id}", agent_id=agent_id)

    def agent_add(
        self,
        *,
        email: str,
        last_name: str,
        associated_department_ids: _IdList,
        role_permission_type: str = "AgentPublic",
        first_name: str | None = UNSET,
        role_id: str | None = UNSET,
        profile_id: str | None = UNSET,
        phone: str | None = UNSET,
        mobile: str | None = UNSET,
        country_code: str | None = UNSET,
        time_zone: str | None = UNSET,
        language_code: str | None = UNSET,
    ) -> Agent:
        """Invite an agent (Desk sends the invitation; the agent stays unconfirmed until accepted).

        Agent.json addAgent requires ``emailId``, ``lastName``, ``associatedDepartmentIds`` and
        ``rolePermissionType`` (AgentPublic, AgentPersonal, AgentTeamPersonal, Admin, Light, Custom).
        ``language_code`` goes as Desk's ``langCode`` (e.g. ``fr_FR``).
        """
        values = {k: v for k, v in locals().items() if k != "self"}
        values["associated_department_ids"] = _ids(associated_department_ids, what="department")
        return self._send(
            Agent, "POST", "/agents", body=to_desk(values, aliases=_AGENT_ALIASES), retry="create"
        )

    def agent_update(
        self,
        agent_id: str,
        *,
        first_name: str | None = UNSET,
        last_name: str = UNSET,
        email: str = UNSET,
        role_id: str | None = UNSET,
        profile_id: str | None = UNSET,
        associated_department_ids: list[str] | None = UNSET,
        phone: str | None = UNSET,
        mobile: str | None = UNSET,
        country_code: str | None = UNSET,
        time_zone: str | None = UNSET,
        language_code: str | None = UNSET,
    ) -> Agent:
        """Agent.json updateAgent: only the given fields (``language_code`` goes as ``langCode``)."""
        values = {k: v for k, v in locals().items() if k not in ("self", "agent_id")}
        body = to_desk(values, aliases=_AGENT_ALIASES)
        return self._send(
            Agent, "PATCH", "/agents/{agent_id}", body=body, retry="idempotent", agent_id=agent_id
        )

    def agents_activate(self, agent_ids: _IdList) -> None:
        """Activate agents (POST /agents/activate with ``agentIds``; 204)."""
        self._action("POST", "/agents/activate", body={"agentIds": _ids(agent_ids, what="agent")})

    def agent_activate(self, agent_id: str) -> None:
        """One agent: ``agents_activate([agent_id])`` (Desk has no per-agent activate path)."""
        self.agents_activate([agent_id])

    def agent_deactivate(self, agent_id: str) -> None:
        """Deactivate an agent (POST /agents/{id}/deactivate; 204)."""
        self._action("POST", "/agents/{agent_id}/deactivate", agent_id=agent_id)

    def agent_delete(self, agent_id: str) -> None:
        """Delete a confirmed agent (DELETE /agents/{id}; 204)."""
        self._action("DELETE", "/agents/{agent_id}", agent_id=agent_id)

    def agents_delete_unconfirmed(self, agent_ids: _IdList) -> None:
        """Delete agents who never accepted their invitation (POST /agents/deleteUnconfirmed; 204).

        Our best reading of the body: ``{"agentIds": [...]}``, as for activate.
        """
        self._action("POST", "/agents/deleteUnconfirmed", body={"agentIds": _ids(agent_ids, what="agent")})

    # Departments and teams --------------------------------------------------------------------------
    def departments_list(
        self, *, is_enabled: bool | None = None, page_size: int = MAX_PAGE_SIZE, max_items: int | None = None
    ) -> Iterator[Department]:
        return self._pages(
            Department,
            "/departments",
            params={"isEnabled": is_enabled},
            page_size=page_size,
            max_items=max_items,
        )

    def department_get(self, department_id: str) -> Department:
        return self._get(Department, "/departments/{department_id}", department_id=department_id)

    def teams_list(self, *, department_id: str | None = None) -> list[Team]:
        """All teams (GET /teams, which takes no department filter), or one department's
        (GET /departments/{id}/teams). Both answer 200 ``{"teams": [...]}``, also when empty."""
        if department_id:
            return self._list(Team, "/departments/{department_id}/teams", department_id=department_id)
        return [Team.from_desk(item) for item in self.teams_list_page()]

    def team_get(self, team_id: str) -> Team:
        return self._get(Team, "/teams/{team_id}", team_id=team_id)

    # SLA --------------------------------------------------------------------------------------------
    def sla_policies_list(self, *, department_id: str | None = None) -> list[SlaPolicy]:
        return [
            SlaPolicy.from_desk(item) for item in self.sla_policies_list_page(department_id=department_id)
        ]

    def ticket_sla_get(self, ticket_id: str) -> TicketSla:
        """A ticket's first-response and resolution targets: the due times Desk puts on the ticket itself."""
        ticket = self.ticket_get(ticket_id)
        return TicketSla(
            ticket_id=ticket.id,
            response=SlaDue(due_time=ticket.response_due_date, is_overdue=ticket.is_response_overdue),
            resolution=SlaDue(due_time=ticket.due_date, is_overdue=ticket.is_over_due),
        )

    # Pages for walks --------------------------------------------------------------------------------
    # One call each, records as Desk's JSON (``DeskRecord``: every field kept, for the mirror to merge), with
    # where the next page starts, Desk's count and the call's credits. Walkers (the sync) page with these;
    # ``offset`` counts the records already walked: the client adds the operation's first ``from`` (1 for
    # Account.json's lists, 0 elsewhere). Searches take Search.json's ``from`` (0..999) itself.
    def tickets_list_page(
        self, *, sort_by: str | None = None, offset: int = 0, limit: int = MAX_PAGE_SIZE
    ) -> ListPage[DeskRecord]:
        """GET /tickets (Ticket.json getTickets): ``sort_by`` ``dueDate``, ``createdTime`` or ``recentThread``
        (``-`` for descending); 3 credits while ``from`` ≤ 2,000, more beyond."""
        return self._list_page("/tickets", {"sortBy": sort_by}, from_index=FIRST_INDEX + offset, limit=limit)

    def contacts_list_page(
        self, *, sort_by: str | None = None, offset: int = 0, limit: int = MAX_PAGE_SIZE
    ) -> ListPage[DeskRecord]:
        """GET /contacts (Contact.json getContacts); ``sort_by`` as ``contacts_list``."""
        return self._list_page("/contacts", {"sortBy": sort_by}, from_index=FIRST_INDEX + offset, limit=limit)

    def accounts_list_page(
        self, *, sort_by: str | None = None, offset: int = 0, limit: int = MAX_PAGE_SIZE
    ) -> ListPage[DeskRecord]:
        """GET /accounts (Account.json getAccounts, whose ``from`` counts from 1); ``sort_by`` as
        ``accounts_list``."""
        return self._list_page(
            "/accounts", {"sortBy": sort_by}, from_index=ACCOUNT_LIST_FIRST_INDEX + offset, limit=limit
        )

    def agents_list_page(self, *, offset: int = 0, limit: int = MAX_PAGE_SIZE) -> ListPage[DeskRecord]:
        """GET /agents (Agent.json getAgents), Desk's default order."""
        return self._list_page("/agents", {}, from_index=FIRST_INDEX + offset, limit=limit)

    def departments_list_page(self, *, offset: int = 0, limit: int = MAX_PAGE_SIZE) -> ListPage[DeskRecord]:
        """GET /departments (Department.json getDepartments)."""
        return self._list_page("/departments", {}, from_index=FIRST_INDEX + offset, limit=limit)

    def teams_list_page(self) -> ListPage[DeskRecord]:
        """GET /teams: every team in one unpaged answer (``next_from`` None)."""
        return self._page("/teams")

    def sla_policies_list_page(self, *, department_id: str | None = None) -> ListPage[DeskRecord]:
        """The SLA policies, unpaged: ``/slas`` (``/sla`` with ``DESK_UNCONFIRMED_REAL_FORMS`` off; no OAS
        file we read has either, so this is our best reading: policies are settings per department)."""
        return self._page("/slas" if self.real_forms else "/sla", params={"departmentId": department_id})

    def tickets_search_page(
        self,
        *,
        created_time_range: TimeRange | None = None,
        modified_time_range: TimeRange | None = None,
        sort_by: str | None = None,
        department_id: str | None = None,
        from_index: int = FIRST_INDEX,
        limit: int = MAX_PAGE_SIZE,
    ) -> ListPage[DeskRecord]:
        """GET /tickets/search (Search.json searchTickets) by time: ranges are ``(start, end)``, both ends
        included, to the millisecond; ``sort_by`` ``createdTime`` / ``modifiedTime`` (``-`` for
        descending); ``department_id`` an exact-match filter. ``count`` is the range's total (0 for a 204).
        ``from`` is 0..999 (``SEARCH_MAX_FROM``): every call costs 3 credits."""
        params = _time_search(created_time_range, modified_time_range, sort_by)
        params["departmentId"] = department_id
        return self._list_page("/tickets/search", params, from_index=from_index, limit=limit)

    def contacts_search_page(
        self,
        *,
        created_time_range: TimeRange | None = None,
        modified_time_range: TimeRange | None = None,
        sort_by: str | None = None,
        from_index: int = FIRST_INDEX,
        limit: int = MAX_PAGE_SIZE,
    ) -> ListPage[DeskRecord]:
        """GET /contacts/search (Search.json searchContacts) by time, as ``tickets_search_page``."""
        params = _time_search(created_time_range, modified_time_range, sort_by)
        return self._list_page("/contacts/search", params, from_index=from_index, limit=limit)

    def accounts_search_page(
        self,
        *,
        created_time_range: TimeRange | None = None,
        modified_time_range: TimeRange | None = None,
        sort_by: str | None = None,
        from_index: int = FIRST_INDEX,
        limit: int = MAX_PAGE_SIZE,
    ) -> ListPage[DeskRecord]:
        """GET /accounts/search (Search.json searchAccounts) by time, as ``tickets_search_page`` (its
        ``from`` counts from 0, unlike Account.json's lists)."""
        params = _time_search(created_time_range, modified_time_range, sort_by)
        return self._list_page("/accounts/search", params, from_index=from_index, limit=limit)

    def _list_page(
        self, path: str, params: dict[str, Any], *, from_index: int, limit: int
    ) -> ListPage[DeskRecord]:
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise ValueError(f"limit must be between 1 and {MAX_PAGE_SIZE}")
        return self._page(path, params=params, from_index=from_index, limit=limit)

    # Webhooks ---------------------------------------------------------------------------------------
    def webhook_create(
        self,
        *,
        name: str,
        url: str,
        subscriptions: dict[str, dict[str, Any] | None],
        ignore_source_id: str | None = UNSET,
        is_enabled: bool = True,
        description: str | None = UNSET,
    ) -> Webhook:
        """Subscribe ``url`` to events, e.g. ``{"Ticket_Add": None, "Ticket_Update": {...}}``."""
        values = {k: v for k, v in locals().items() if k != "self"}
        return self._send(Webhook, "POST", "/webhooks", body=to_desk(values), retry="create")

    def webhooks_list(self) -> list[Webhook]:
        return self._list(Webhook, "/webhooks")

    def webhook_get(self, webhook_id: str) -> Webhook:
        return self._get(Webhook, "/webhooks/{webhook_id}", webhook_id=webhook_id)

    def webhook_update(
        self,
        webhook_id: str,
        *,
        name: str = UNSET,
        url: str = UNSET,
        subscriptions: dict[str, dict[str, Any] | None] = UNSET,
        ignore_source_id: str | None = UNSET,
        is_enabled: bool = UNSET,
        description: str | None = UNSET,
    ) -> Webhook:
        values = {k: v for k, v in locals().items() if k not in ("self", "webhook_id")}
        return self._send(
            Webhook,
            "PATCH",
            "/webhooks/{webhook_id}",
            body=to_desk(values),
            retry="idempotent",
            webhook_id=webhook_id,
        )

    def webhook_delete(self, webhook_id: str) -> None:
        self._action("DELETE", "/webhooks/{webhook_id}", webhook_id=webhook_id)


_AGENT_ALIASES = {"email": "emailId", "language_code": "langCode"}


def _account_body(values: dict[str, Any]) -> dict[str, Any]:
    """Account.json's accountjson: ``annualrevenue`` (all lower case) is a decimal string, not a number."""
    revenue = values.pop("annual_revenue", UNSET)
    body = to_desk(values)
    if revenue is not UNSET:
        body["annualrevenue"] = None if revenue is None else _decimal_text(revenue)
    return body


def _decimal_text(value: float | Decimal | str) -> str:
    """``1234.5`` -> ``"1234.5"`` in plain notation (never ``1e+20``), as Desk's pattern wants."""
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"annual revenue must be a number, not {value!r}") from None
    if not number.is_finite() or number < 0:
        raise ValueError(f"annual revenue must be zero or more, not {value!r}")
    return format(number, "f")


def _time_range(value: TimeRange | None) -> str | None:
    """``(start, end)`` -> Desk's ``2026-11-05T00:00:00.000Z,2026-11-06T00:00:00.000Z``."""
    if value is None:
        return None
    start, end = value
    return f"{format_datetime(start)},{format_datetime(end)}"


def _time_search(
    created_time_range: TimeRange | None, modified_time_range: TimeRange | None, sort_by: str | None
) -> dict[str, Any]:
    """A search by time's parameters, in the order the sync has always sent them."""
    return {
        "createdTimeRange": _time_range(created_time_range),
        "modifiedTimeRange": _time_range(modified_time_range),
        "sortBy": sort_by,
    }


def _count(body: Any) -> int | None:
    """A search answer's total ``count`` (Desk sends a number or a string); 0 for a 204, None when the
    answer has none (plain lists) or an unreadable one."""
    if body is None:
        return 0
    if isinstance(body, dict) and body.get("count") is not None:
        try:
            return int(body["count"])
        except (TypeError, ValueError):
            return None
    return None


def _names(tags: list[str]) -> list[str]:
    names = [str(tag).strip() for tag in tags if str(tag).strip()]
    if not names:
        raise ValueError("give at least one tag")
    return names


def _items(
    body: Any, *, keys: tuple[str, ...] = ("data", "teams", "agents", "webhooks")
) -> list[dict[str, Any]]:
    """The records of a list answer: None (204) is empty; ``data`` is Desk's key (some use the name)."""
    if body is None:
        return []
    if isinstance(body, list):
        return body
    if isinstance(body, dict):
        for key in keys:
            if isinstance(body.get(key), list):
                return body[key]
        return []
    raise DeskError("Zoho Desk answered a list in an unexpected form.")


def _record(body: Any) -> dict[str, Any]:
    """One record: Desk answers the object itself; the seed wraps it in ``data``."""
    if isinstance(body, dict):
        data = body.get("data")
        if isinstance(data, dict) and "id" not in body:
            return data
        return body
    if body is None:
        return {}
    raise DeskError("Zoho Desk answered a record in an unexpected form.")
