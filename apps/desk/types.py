"""Typed Desk objects: camelCase Desk JSON becomes these snake_case dataclasses once, at the boundary."""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar, Union, get_args, get_origin

from apps.desk.errors import snake_case


class _Unset:
    """Marks an argument the caller did not give (PATCH leaves it alone), unlike None (clears it)."""

    _instance: ClassVar[_Unset | None] = None

    def __new__(cls) -> _Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Any = _Unset()

T = TypeVar("T", bound="DeskObject")


def parse_datetime(value: Any) -> datetime | None:
    """Desk times: ISO-8601 (``2026-11-25T10:00:00.000Z``) or epoch milliseconds (webhooks)."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    text = str(value).strip()
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def format_datetime(value: datetime) -> str:
    """The form Desk writes and reads: UTC, milliseconds, ``Z``."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def camel_case(name: str) -> str:
    """``department_id`` -> ``departmentId``."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def to_desk(values: dict[str, Any], *, aliases: dict[str, str] | None = None) -> dict[str, Any]:
    """Keyword arguments -> a Desk JSON body: camelCase names, UNSET dropped, times formatted."""
    body: dict[str, Any] = {}
    for name, value in values.items():
        if value is UNSET:
            continue
        key = (aliases or {}).get(name) or camel_case(name)
        body[key] = _to_desk_value(value)
    return body


def _to_desk_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, DeskObject):
        return {
            camel_case(k): _to_desk_value(v) for k, v in dataclasses.asdict(value).items() if k != "extra"
        }
    if isinstance(value, list | tuple):
        return [_to_desk_value(item) for item in value]
    return value


@dataclass(kw_only=True)
class DeskObject:
    """Base of every Desk object. ``extra`` keeps (snake_cased) fields this class does not name."""

    # Desk key -> field name, where snake-casing the key is not enough.
    desk_aliases: ClassVar[dict[str, str]] = {}

    extra: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_desk(cls: type[T], data: dict[str, Any]) -> T:
        hints = _field_types(cls)  # type: ignore[arg-type]
        kwargs: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for key, value in (data or {}).items():
            name = cls.desk_aliases.get(key) or snake_case(key)
            if name in hints and name != "extra" and name not in kwargs:
                converted, ok = _convert(hints[name], value)
                if ok:
                    kwargs[name] = converted
                    continue
            extra[name] = value
        return cls(**kwargs, extra=extra)


@functools.cache
def _field_types(cls: type) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls)}


def _convert(hint: Any, value: Any) -> tuple[Any, bool]:
    """Convert one JSON value to the field's type; (value, False) when it does not fit."""
    if value is None:
        return None, True
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        for arg in get_args(hint):
            if arg is type(None):
                continue
            converted, ok = _convert(arg, value)
            if ok:
                return converted, True
        return value, False
    if origin is list:
        (item_type,) = get_args(hint) or (Any,)
        if not isinstance(value, list):
            return value, False
        items = [_convert(item_type, item) for item in value]
        return [item for item, _ in items], all(ok for _, ok in items)
    if origin is dict:
        return (value, True) if isinstance(value, dict) else (value, False)
    if hint is datetime:
        parsed = parse_datetime(value)
        return parsed, parsed is not None
    if isinstance(hint, type) and issubclass(hint, DeskObject):
        return (hint.from_desk(value), True) if isinstance(value, dict) else (value, False)
    if hint is str:
        return (
            (str(value), True)
            if isinstance(value, str | int | float) and not isinstance(value, bool)
            else (
                value,
                False,
            )
        )
    if hint is bool:
        if isinstance(value, bool):
            return value, True
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true", True
        return value, False
    if hint is int:
        if isinstance(value, bool):
            return value, False
        try:
            return int(value), True
        except (TypeError, ValueError):
            return value, False
    if hint is float:
        try:
            return float(value), True
        except (TypeError, ValueError):
            return value, False
    return value, True


@dataclass(kw_only=True)
class Author(DeskObject):
    id: str | None = None
    name: str | None = None
    type: str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    photo_url: str | None = None


@dataclass(kw_only=True)
class Organization(DeskObject):
    id: str = ""
    company_name: str | None = None
    portal_name: str | None = None
    edition: str | None = None
    is_default: bool | None = None
    is_admin_in_org: bool | None = None
    time_zone: str | None = None
    employee_count: str | None = None
    website: str | None = None
    phone_number: str | None = None
    logo_url: str | None = None
    created_time: datetime | None = None


@dataclass(kw_only=True)
class Agent(DeskObject):
    # Agent.json: ``emailId`` and ``langCode`` (a locale such as ``fr_FR``).
    desk_aliases: ClassVar[dict[str, str]] = {"emailId": "email", "langCode": "language_code"}

    id: str = ""
    first_name: str | None = None
    last_name: str | None = None
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    mobile: str | None = None
    role_id: str | None = None
    role_name: str | None = None
    profile_id: str | None = None
    country_code: str | None = None
    language_code: str | None = None
    time_zone: str | None = None
    status: str | None = None
    is_confirmed: bool | None = None
    zuid: str | None = None
    photo_url: str | None = None
    associated_department_ids: list[str] | None = None
    created_time: datetime | None = None

    @property
    def display_name(self) -> str:
        return (
            self.name or " ".join(p for p in (self.first_name, self.last_name) if p) or self.email or self.id
        )


@dataclass(kw_only=True)
class AgentInfo(Agent):
    """``GET /myinfo``: the agent the token belongs to."""


@dataclass(kw_only=True)
class Department(DeskObject):
    id: str = ""
    name: str | None = None
    description: str | None = None
    creator_id: str | None = None
    is_enabled: bool | None = None
    is_default: bool | None = None
    name_in_customer_portal: str | None = None
    sanitized_name: str | None = None
    chat_status: str | None = None
    # The department's support addresses: what a reply's ``from_email_address`` may be.
    email_addresses: list[str] | None = None
    created_time: datetime | None = None


@dataclass(kw_only=True)
class Team(DeskObject):
    id: str = ""
    name: str | None = None
    description: str | None = None
    department_id: str | None = None
    logo_url: str | None = None
    member_ids: list[str] | None = None


@dataclass(kw_only=True)
class Contact(DeskObject):
    id: str = ""
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    secondary_email: str | None = None
    phone: str | None = None
    mobile: str | None = None
    account_id: str | None = None
    title: str | None = None
    type: str | None = None
    description: str | None = None
    owner_id: str | None = None
    is_spam: bool | None = None
    street: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    web_url: str | None = None
    cf: dict[str, Any] | None = None
    created_time: datetime | None = None
    modified_time: datetime | None = None

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p) or self.email or self.id


@dataclass(kw_only=True)
class Account(DeskObject):
    # Account.json: ``annualrevenue`` (all lower case, a decimal string).
    desk_aliases: ClassVar[dict[str, str]] = {"annualrevenue": "annual_revenue"}

    id: str = ""
    account_name: str | None = None
    email: str | None = None
    phone: str | None = None
    fax: str | None = None
    website: str | None = None
    industry: str | None = None
    description: str | None = None
    annual_revenue: float | None = None
    # Not in Account.json: Desk never sends it (always None unless a custom field is mapped by hand);
    # kept so the mirror's column and its readers stay as they are.
    number_of_employees: int | None = None
    owner_id: str | None = None
    code: str | None = None
    street: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None
    web_url: str | None = None
    cf: dict[str, Any] | None = None
    created_time: datetime | None = None
    modified_time: datetime | None = None


@dataclass(kw_only=True)
class Ticket(DeskObject):
    id: str = ""
    ticket_number: str | None = None
    subject: str | None = None
    description: str | None = None
    status: str | None = None
    status_type: str | None = None
    priority: str | None = None
    classification: str | None = None
    channel: str | None = None
    category: str | None = None
    sub_category: str | None = None
    email: str | None = None
    phone: str | None = None
    language: str | None = None
    contact_id: str | None = None
    account_id: str | None = None
    department_id: str | None = None
    assignee_id: str | None = None
    team_id: str | None = None
    product_id: str | None = None
    resolution: str | None = None
    due_date: datetime | None = None
    response_due_date: datetime | None = None
    customer_response_time: datetime | None = None
    closed_time: datetime | None = None
    created_time: datetime | None = None
    modified_time: datetime | None = None
    is_over_due: bool | None = None
    is_response_overdue: bool | None = None
    is_escalated: bool | None = None
    is_trashed: bool | None = None
    is_spam: bool | None = None
    thread_count: int | None = None
    comment_count: int | None = None
    attachment_count: int | None = None
    web_url: str | None = None
    cf: dict[str, Any] | None = None
    # Filled when the call asked for ``include=contacts,assignee,departments,team``.
    contact: Contact | None = None
    assignee: Agent | None = None
    department: Department | None = None
    team: Team | None = None


@dataclass(kw_only=True)
class Comment(DeskObject):
    id: str = ""
    content: str | None = None
    content_type: str | None = None
    is_public: bool | None = None
    commenter_id: str | None = None
    commenter: Author | None = None
    commented_time: datetime | None = None
    modified_time: datetime | None = None


@dataclass(kw_only=True)
class Thread(DeskObject):
    """A conversation entry. Lists give summaries (``content`` is None); ``thread_get`` gives content."""

    desk_aliases: ClassVar[dict[str, str]] = {"from": "from_email_address"}

    id: str = ""
    channel: str | None = None
    direction: str | None = None
    status: str | None = None
    visibility: str | None = None
    from_email_address: str | None = None
    to: str | None = None
    cc: str | None = None
    bcc: str | None = None
    reply_to: str | None = None
    subject: str | None = None
    summary: str | None = None
    content: str | None = None
    content_type: str | None = None
    plain_text: str | None = None
    is_forward: bool | None = None
    has_attach: bool | None = None
    attachment_count: int | None = None
    author: Author | None = None
    created_time: datetime | None = None


@dataclass(kw_only=True)
class Attachment(DeskObject):
    id: str = ""
    name: str | None = None
    size: int | None = None
    content_type: str | None = None
    is_public: bool | None = None
    creator_id: str | None = None
    creator: Author | None = None
    href: str | None = None
    created_time: datetime | None = None


@dataclass(kw_only=True)
class SlaHours(DeskObject):
    business_hours: float | None = None
    calendar_hours: float | None = None


@dataclass(kw_only=True)
class SlaPolicy(DeskObject):
    id: str = ""
    name: str | None = None
    description: str | None = None
    department_id: str | None = None
    is_default: bool | None = None
    is_active: bool | None = None
    response_time: SlaHours | None = None
    resolution_time: SlaHours | None = None


@dataclass(kw_only=True)
class SlaDue(DeskObject):
    due_time: datetime | None = None
    is_overdue: bool | None = None
    remaining_time: int | None = None  # milliseconds, as Desk counts


@dataclass(kw_only=True)
class TicketSla(DeskObject):
    """A ticket's SLA targets: first response and resolution due times."""

    desk_aliases: ClassVar[dict[str, str]] = {"responseTime": "response", "resolutionTime": "resolution"}

    ticket_id: str | None = None
    sla_id: str | None = None
    sla_name: str | None = None
    response: SlaDue | None = None
    resolution: SlaDue | None = None


@dataclass(kw_only=True)
class Webhook(DeskObject):
    id: str = ""
    name: str | None = None
    url: str | None = None
    description: str | None = None
    # Event name (``Ticket_Add``…) -> its filter object, or None for "all".
    subscriptions: dict[str, Any] | None = None
    ignore_source_id: str | None = None
    is_enabled: bool | None = None
    created_by: str | None = None
    created_time: datetime | None = None
    modified_time: datetime | None = None


# One record as Desk sent it (camelCase JSON, every field kept). Walks that feed the mirror ask for these:
# the mirror merges a list answer over what it has, so a field a list omits is never blanked.
DeskRecord = dict[str, Any]


@dataclass(kw_only=True)
class ListPage[ItemT]:
    """One page of a list or a search, as one call answered it.

    ``from_index`` is the ``from`` sent (None for an unpaged list); ``next_from`` the next page's, None when
    this page was the last (HTTP 204, a short page, or an unpaged list). ``count`` is the total Desk
    reports (Search.json's ``count``; 0 for a 204), None when the answer has none (plain lists).
    ``credits`` is what the call cost: its ``X-Rate-Limit-Request-Weight-v3``, else the weight the budget
    computed (``budget.list_weight`` of the ``from``), retries included.
    """

    items: list[ItemT]
    from_index: int | None = None
    next_from: int | None = None
    count: int | None = None
    credits: int = 0

    def __iter__(self) -> typing.Iterator[ItemT]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


@dataclass(kw_only=True)
class SearchPage[ItemT](ListPage[ItemT]):
    """One page of a typed search: its records and the total ``count`` of matches (Search.json); a
    search answer without a count counts its own records."""

    count: int = 0


@dataclass(kw_only=True)
class Tag(DeskObject):
    """A ticket tag (TicketTag.json ``tagJson``; lists of a department's tags add ``ticketCount``)."""

    id: str = ""
    name: str | None = None
    tag_type: str | None = None  # MANUAL or SYSTEM
    ticket_count: int | None = None


@dataclass(kw_only=True)
class Follower(DeskObject):
    """A user following a ticket (TicketFollowers.json ``followerDetails``)."""

    desk_aliases: ClassVar[dict[str, str]] = {"photoURL": "photo_url"}

    id: str = ""
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    photo_url: str | None = None
    following: str | None = None  # tickets, contacts or accounts: what the user actually follows


@dataclass(kw_only=True)
class FromAddress(DeskObject):
    """A From address replies may use (MailReplyAddress.json ``fromAddressDetails``)."""

    id: str = ""
    address: str | None = None
    display_name: str | None = None
    department_id: str | None = None
    is_active: bool | None = None
    is_department_default: bool | None = None
    service_provider_type: str | None = None


@dataclass(kw_only=True)
class Upload(DeskObject):
    """A temporary file from POST /uploads (Upload.json ``uploadFileResponse``): attach it by ``id``."""

    desk_aliases: ClassVar[dict[str, str]] = {"fileName": "name", "previewurl": "preview_url"}

    id: str = ""
    name: str | None = None
    size: int | None = None
    href: str | None = None
    preview_url: str | None = None
    creator_id: str | None = None
    created_time: datetime | None = None


@dataclass(kw_only=True)
class TicketMetrics(DeskObject):
    """GET /tickets/{id}/metrics: response and resolution times and counts (fields beyond these in ``extra``).

    Desk reports durations as text (e.g. ``"02:15 hrs"``), kept as given.
    """

    first_response_time: str | None = None
    total_response_time: str | None = None
    resolution_time: str | None = None
    response_count: int | None = None
    outgoing_count: int | None = None
    thread_count: int | None = None
    reopen_count: int | None = None
    reassign_count: int | None = None
    agents_handled: list[dict[str, Any]] | None = None


@dataclass(kw_only=True)
class AgentTicketCount(DeskObject):
    """One agent's tickets from GET /agentsTicketsCount (getAgentsTicketsCount): open, on hold, overdue,
    due within the hour, and whether the agent is online."""

    desk_aliases: ClassVar[dict[str, str]] = {
        "onholdCount": "on_hold_count",
        "overDueCount": "overdue_count",
        "dueIn1HrCount": "due_within_hour_count",
    }

    agent_id: str = ""
    open_count: int | None = None
    on_hold_count: int | None = None
    overdue_count: int | None = None
    due_within_hour_count: int | None = None
    is_online: bool | None = None
