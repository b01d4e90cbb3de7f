"""Deterministic, realistic demo data for the sandbox: orgs, people, SLA policies and tickets with conversations."""

from __future__ import annotations

import contextlib
import functools
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connections, models, transaction
from django.utils import timezone

from apps.sandbox import oauth
from apps.sandbox.models import (
    ID_SEQUENCE_SPAN,
    SANDBOX_DB,
    AccessToken,
    Account,
    Agent,
    Attachment,
    AuthorizationCode,
    Comment,
    CommentAttachment,
    Contact,
    Department,
    IdSequence,
    InFlightRequest,
    MailReplyAddress,
    Org,
    RateWindow,
    RefreshToken,
    SlaPolicy,
    Team,
    Thread,
    Ticket,
    TicketFollower,
    TicketTag,
    Upload,
    Webhook,
    WebhookDelivery,
)

BATCH = 2_000
DEMO_ADMIN_EMAIL = oauth.DEMO_USER_EMAIL


@dataclass(frozen=True)
class OrgSpec:
    org_id: int
    company_name: str
    edition: str
    portal: str
    domain: str
    id_prefix: int
    time_zone: str
    # (name, business-hours config, description)
    departments: tuple[tuple[str, dict | str, str], ...]
    agents: int
    custom_statuses: tuple[dict[str, str], ...] = ()
    share: float = 0.5


WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI")


def _hours(
    tz: str, start: str, end: str, days: Sequence[str] = WEEKDAYS, holidays: Sequence[str] = ()
) -> dict:
    return {
        "timeZone": tz,
        "days": {day: {"from": start, "to": end} for day in days},
        "holidays": list(holidays),
    }


DEFAULT_ORGS: tuple[OrgSpec, ...] = (
    OrgSpec(
        org_id=60001280952,
        company_name="Acme Support",
        edition="enterprise",
        portal="acmesupport",
        domain="acme-support.example",
        id_prefix=1892000,
        time_zone="America/New_York",
        departments=(
            (
                "Customer Care",
                _hours("America/New_York", "08:00", "20:00"),
                "Orders, accounts and general help",
            ),
            (
                "Technical Support",
                {"timeZone": "America/New_York", "type": "24x7"},
                "Product faults, around the clock",
            ),
            (
                "Billing",
                _hours("America/New_York", "09:00", "17:00", holidays=("2026-12-25",)),
                "Invoices, refunds",
            ),
        ),
        agents=14,
        custom_statuses=({"name": "Waiting on Customer", "statusType": "On Hold"},),
        share=0.7,
    ),
    OrgSpec(
        org_id=60001281337,
        company_name="Globex Help",
        edition="free",
        portal="globexhelp",
        domain="globex-help.example",
        id_prefix=1893000,
        time_zone="Europe/London",
        departments=(
            ("Help Desk", _hours("Europe/London", "09:00", "17:30"), "All customer questions"),
            ("Sales", _hours("Europe/London", "09:00", "17:00"), "Quotes and pre-sales"),
        ),
        agents=5,
        share=0.3,
    ),
)

FIRST_NAMES = [
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Ava",
    "Elijah",
    "Sophia",
    "Mateo",
    "Isabella",
    "Lucas",
    "Mia",
    "Levi",
    "Amelia",
    "Ethan",
    "Harper",
    "Aiden",
    "Evelyn",
    "Kenji",
    "Priya",
    "Arjun",
    "Fatima",
    "Omar",
    "Chen",
    "Mei",
    "Lars",
    "Ingrid",
    "Diego",
    "Lucia",
    "Kwame",
    "Amara",
    "Yuki",
    "Hana",
    "Tomasz",
    "Zofia",
    "Ravi",
    "Ana",
    "Pedro",
    "Nora",
    "Felix",
    "Ada",
    "Grace",
    "Hugo",
    "Iris",
    "Jonas",
    "Leila",
    "Marta",
    "Nikhil",
    "Olga",
    "Pablo",
    "Quinn",
    "Rosa",
    "Sven",
    "Tara",
]
LAST_NAMES = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "Tanaka",
    "Kowalski",
    "Okafor",
    "Haddad",
    "Singh",
    "Patel",
    "Lindqvist",
    "Moreau",
    "Rossi",
]
COMPANY_WORDS = [
    "Northwind",
    "Contoso",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Wonka",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Hooli",
    "Vandelay",
    "Pied",
    "Piper",
    "Gringotts",
    "Oscorp",
    "Aperture",
    "Black",
    "Mesa",
    "Massive",
    "Dynamic",
    "Dunder",
    "Mifflin",
    "Prestige",
    "Worldwide",
    "Sterling",
    "Cooper",
    "Blue",
    "Sun",
    "Monarch",
    "Bluth",
    "Kramerica",
    "Gekko",
    "Nakatomi",
    "Duff",
    "Zorg",
    "Rekall",
    "Virtucon",
    "Acme",
    "Vehement",
    "Ollivander",
]
COMPANY_SUFFIXES = ("Inc", "LLC", "Ltd", "GmbH", "Group", "Corp", "Partners", "Labs", "Co")
INDUSTRIES = (
    "Retail",
    "Manufacturing",
    "Healthcare",
    "Finance",
    "Education",
    "Logistics",
    "Software",
    "Media",
)
CITIES = (
    ("New York", "USA"),
    ("Austin", "USA"),
    ("Toronto", "Canada"),
    ("London", "UK"),
    ("Berlin", "Germany"),
    ("Paris", "France"),
    ("Bangalore", "India"),
    ("Sydney", "Australia"),
    ("Tokyo", "Japan"),
    ("São Paulo", "Brazil"),
)
PROBLEMS = (
    ("Cannot log in to my account", "Technical", "Login Issues", "Problem"),
    ("Password reset email never arrives", "Technical", "Login Issues", "Problem"),
    ("Order {n} has not shipped yet", "Orders", "Shipping", "Question"),
    ("Wrong item delivered in order {n}", "Orders", "Returns", "Problem"),
    ("Please cancel my subscription", "Billing", "Cancellation", "Request"),
    ("Invoice {n} shows the wrong amount", "Billing", "Invoices", "Problem"),
    ("Refund for order {n}", "Billing", "Refunds", "Request"),
    ("How do I export my data?", "Product", "How-to", "Question"),
    ("App crashes when uploading a file", "Technical", "Bugs", "Problem"),
    ("Feature request: dark mode for reports", "Product", "Feedback", "Request"),
    ("Integration with Slack stopped syncing", "Technical", "Integrations", "Problem"),
    ("Need a quote for 50 more seats", "Sales", "Quotes", "Request"),
    ("Two-factor codes are rejected", "Technical", "Login Issues", "Problem"),
    ("Update billing address on file", "Billing", "Account Changes", "Request"),
    ("Dashboard loads very slowly", "Technical", "Performance", "Problem"),
    ("Where can I find the API documentation?", "Product", "How-to", "Question"),
    ("Charged twice this month", "Billing", "Invoices", "Problem"),
    ("Add a new user to our workspace", "Product", "Account Changes", "Request"),
    ("Webhook deliveries are failing", "Technical", "Integrations", "Problem"),
    ("Is there a discount for nonprofits?", "Sales", "Pricing", "Question"),
)
OPENINGS = ("Hi team,", "Hello,", "Hi there,", "Good morning,", "Dear support,")
CUSTOMER_LINES = (
    "This started yesterday after the latest update.",
    "I have tried clearing my browser cache and it did not help.",
    "It is blocking our whole team, so a quick answer would be appreciated.",
    "Could you please look into this as soon as possible?",
    "I attached a screenshot of what I see.",
    "We are on the annual plan, if that matters.",
    "Thanks in advance for your help.",
)
AGENT_LINES = (
    "Thank you for reaching out, and sorry for the trouble.",
    "I have checked your account and found the cause.",
    "I have escalated this to our engineering team and will keep you posted.",
    "Could you confirm the email address you used when signing up?",
    "The fix has been applied on our side; please try again now.",
    "I have issued the refund; it should appear within 5 business days.",
    "Let me know if there is anything else I can help with.",
)
COMMENTS = (
    "Customer is on the enterprise plan, handle with priority.",
    "Reproduced on staging, bug filed as ENG-{n}.",
    "Waiting for finance to approve the refund.",
    "Called the customer, left a voicemail.",
    "Duplicate of an earlier ticket from the same contact.",
    "Escalated to tier 2.",
)
STATUS_WEIGHTS = (("Open", 30), ("On Hold", 8), ("Escalated", 5), ("Closed", 50), ("Waiting on Customer", 7))
PRIORITY_WEIGHTS = (("Low", 25), ("Medium", 40), ("High", 25), ("Urgent", 10))
CHANNEL_WEIGHTS = (("Email", 50), ("Web", 20), ("Phone", 14), ("Chat", 10), ("Twitter", 3), ("Facebook", 3))
SLA_TARGETS = {
    "Urgent": {"responseHours": 1, "resolutionHours": 8},
    "High": {"responseHours": 4, "resolutionHours": 24},
    "Medium": {"responseHours": 8, "resolutionHours": 48},
    "Low": {"responseHours": 24, "resolutionHours": 120},
}
ATTACHMENT_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a5d8b6e50000000049454e44ae426082"
)


@dataclass
class SeedResult:
    orgs: list[Org] = field(default_factory=list)
    skipped: list[Org] = field(default_factory=list)
    tickets: int = 0
    client_id: str = ""


def _weighted(rng: random.Random, weights: Sequence[tuple[str, int]]) -> str:
    names = [name for name, _ in weights]
    return rng.choices(names, weights=[weight for _, weight in weights])[0]


def _batched(items: list, size: int = BATCH) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


_PLAIN_TYPES = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "EmailField",
    "FloatField",
    "ForeignKey",
    "IntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "TextField",
}


def _bulk(model: type[models.Model], rows: list) -> None:
    """Insert model instances with executemany. bulk_create spends most of a 100,000-ticket seed compiling
    SQL per row; here plain values go straight to the driver and only dates and JSON are adapted."""
    if not rows:
        return
    connection = connections[SANDBOX_DB]
    fields = list(model._meta.concrete_fields)
    converters: list[Callable[[Any], Any] | None] = []
    for field_ in fields:
        kind = field_.get_internal_type()
        if kind in _PLAIN_TYPES:
            converters.append(None)
        elif kind == "DateTimeField":
            converters.append(connection.ops.adapt_datetimefield_value)
        else:
            converters.append(functools.partial(_prep, field_, connection))
    table = connection.ops.quote_name(str(model._meta.db_table))
    columns = ", ".join(connection.ops.quote_name(str(field_.column)) for field_ in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 (names from model meta)
    attnames = [field_.attname for field_ in fields]
    with connection.cursor() as cursor:
        for chunk in _batched(rows):
            values = [
                tuple(
                    value if convert is None or value is None else convert(value)
                    for value, convert in zip(
                        (getattr(row, name) for name in attnames), converters, strict=True
                    )
                )
                for row in chunk
            ]
            cursor.executemany(sql, values)


def _prep(field_: Any, connection: Any, value: Any) -> Any:
    return field_.get_db_prep_save(value, connection)


class _Ids:
    """Hands out a block of ids reserved up front, so 100,000 tickets need one sequence update."""

    def __init__(self, org: Org) -> None:
        self.org = org
        self.next = 1

    def take(self) -> int:
        value = self.org.id_prefix * ID_SEQUENCE_SPAN + self.next
        self.next += 1
        return value

    def save(self) -> None:
        IdSequence.objects.update_or_create(org=self.org, name="id", defaults={"value": self.next - 1})


def org_reset(org: Org) -> None:
    """Delete an org and everything in it, children first, without loading rows into Python."""
    _ticket_extras_reset(org)
    dependants: tuple[type[models.Model], ...] = (
        Attachment,
        Comment,
        Thread,
        WebhookDelivery,
        Ticket,
        Webhook,
        SlaPolicy,
        Team,
        Contact,
        Account,
    )
    for model in dependants:
        queryset = model._default_manager.filter(org=org)
        # _raw_delete skips Django's per-row collector: these models have no signals and the order above
        # removes dependants first, which keeps a 100,000-ticket reset fast.
        queryset._raw_delete(SANDBOX_DB)
    for model in (Agent, Department, IdSequence, RateWindow, InFlightRequest):
        model._default_manager.filter(org=org)._raw_delete(SANDBOX_DB)
    for model in (AccessToken, RefreshToken, AuthorizationCode):
        model._default_manager.filter(org=org).delete()
    org.delete()


def seed_sandbox(
    *,
    tickets: int = 500,
    seed: int = 42,
    orgs: Sequence[OrgSpec] = DEFAULT_ORGS,
    reset: bool = False,
    now: datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> SeedResult:
    """Create the demo orgs and their data. `tickets` is the total, shared between orgs by `share`.

    An org that already exists is left alone unless `reset` is true (then it is deleted and rebuilt),
    so running the seed twice is harmless. The same `seed` gives the same records; times are relative
    to `now` (default: the current hour), so the demo always looks recent.
    """
    say = progress or (lambda message: None)
    with _fast_sqlite():
        return _seed(tickets=tickets, seed=seed, orgs=orgs, reset=reset, now=now, say=say)


@contextlib.contextmanager
def _fast_sqlite() -> Iterator[None]:
    """On SQLite: a big page cache (index pages of a large seed do not fit the default 2 MB) and no fsync
    while seeding (demo data: after a crash, run the seed again with --reset). Restored afterwards."""
    connection = connections[SANDBOX_DB]
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        # Inside a transaction (tests) SQLite refuses to change the safety level; nothing to gain there.
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size = -262144")
        cursor.execute("PRAGMA synchronous = OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -2000")
            cursor.execute("PRAGMA synchronous = NORMAL")


def _seed(
    *,
    tickets: int,
    seed: int,
    orgs: Sequence[OrgSpec],
    reset: bool,
    now: datetime | None,
    say: Callable[[str], None],
) -> SeedResult:
    anchor = (now or timezone.now()).replace(minute=0, second=0, microsecond=0)
    result = SeedResult()
    client = oauth.demo_client_ensure()
    result.client_id = client.client_id
    demo_user = oauth.demo_user_ensure()
    total_share = sum(spec.share for spec in orgs) or 1.0
    remaining = tickets
    for index, spec in enumerate(orgs):
        count = remaining if index == len(orgs) - 1 else round(tickets * spec.share / total_share)
        remaining -= count
        existing = Org.objects.filter(pk=spec.org_id).first()
        if existing is not None and not reset:
            result.skipped.append(existing)
            demo_user.orgs.add(existing)
            say(f"{spec.company_name}: already seeded (use --reset to rebuild)")
            continue
        if existing is not None:
            say(f"{spec.company_name}: deleting the old data")
            org_reset(existing)
        rng = random.Random(f"{seed}:{spec.org_id}")
        org = _seed_org(spec, rng=rng, ticket_count=count, anchor=anchor, say=say)
        demo_user.orgs.add(org)
        result.orgs.append(org)
        result.tickets += count
    return result


def _seed_org(
    spec: OrgSpec, *, rng: random.Random, ticket_count: int, anchor: datetime, say: Callable[[str], None]
) -> Org:
    with transaction.atomic(using=SANDBOX_DB):
        org = Org.objects.create(
            id=spec.org_id,
            company_name=spec.company_name,
            portal_name=spec.portal,
            edition=spec.edition,
            time_zone=spec.time_zone,
            id_prefix=spec.id_prefix,
            custom_statuses=list(spec.custom_statuses),
            created_time=anchor - timedelta(days=400),
            description=f"{spec.company_name} customer service (sandbox demo org)",
        )
        ids = _Ids(org)
        people = _seed_people(org, spec, rng=rng, ids=ids, anchor=anchor, ticket_count=ticket_count)
        ids.save()
    say(f"{spec.company_name}: {len(people.agents)} agents, {len(people.contacts)} contacts; tickets...")
    _seed_tickets(org, spec, people, rng=rng, ids=ids, count=ticket_count, anchor=anchor, say=say)
    _seed_ticket_extras(org, people, ids=ids, anchor=anchor)
    ids.save()
    return org


# Ticket extras (issue 10, part B1): From addresses, tags and followers.
TAG_NAMES = ("refund", "vip", "bug", "feature-request", "billing", "onboarding", "escalated-by-phone")


def _ticket_extras_reset(org: Org) -> None:
    """Links without an org column first, then the org's tags, From addresses and uploads."""
    CommentAttachment.objects.filter(comment__org=org)._raw_delete(SANDBOX_DB)
    TicketTag.tickets.through.objects.filter(ticket__org=org)._raw_delete(SANDBOX_DB)
    TicketFollower.objects.filter(ticket__org=org)._raw_delete(SANDBOX_DB)
    for model in (TicketTag, MailReplyAddress, Upload):
        model._default_manager.filter(org=org)._raw_delete(SANDBOX_DB)


def _seed_ticket_extras(org: Org, people: _People, *, ids: _Ids, anchor: datetime) -> None:
    """Each department's From addresses (its email_addresses), and tags and followers on some tickets.
    A random generator of its own keeps the rest of the seed unchanged."""
    rng = random.Random(f"{org.pk}-ticket-extras")
    created = anchor - timedelta(days=390)
    addresses = [
        MailReplyAddress(
            id=ids.take(),
            org=org,
            department=department,
            address=address,
            display_name=department.name,
            is_department_default=index == 0,
            created_time=created,
            modified_time=created,
        )
        for department in people.departments
        for index, address in enumerate(department.email_addresses or [])
    ]
    MailReplyAddress.objects.bulk_create(addresses)
    tags = {
        department.pk: [
            TicketTag(id=ids.take(), org=org, department=department, name=name, created_time=created)
            for name in rng.sample(TAG_NAMES, 4)
        ]
        for department in people.departments
    }
    TicketTag.objects.bulk_create([tag for group in tags.values() for tag in group])
    agents: list[int | None] = [
        agent.pk for agent in people.agents if agent.status == Agent.Status.ACTIVE
    ] or [None]
    links, follows = [], []
    rows = Ticket.objects.filter(org=org).values_list("pk", "department_id", "assignee_id").order_by("pk")
    for ticket_id, department_id, assignee_id in rows.iterator(chunk_size=5_000):
        roll = rng.random()
        if roll < 0.2 and tags.get(department_id):
            for tag in rng.sample(tags[department_id], rng.choice((1, 1, 2))):
                links.append(TicketTag.tickets.through(tickettag_id=tag.pk, ticket_id=ticket_id))
        if roll > 0.9:
            follower = assignee_id or rng.choice(agents)
            if follower is not None:
                follows.append(TicketFollower(ticket_id=ticket_id, agent_id=follower, created_time=created))
    with transaction.atomic(using=SANDBOX_DB):
        for batch in _batched(links):
            TicketTag.tickets.through.objects.bulk_create(batch)
        for batch in _batched(follows):
            TicketFollower.objects.bulk_create(batch)


@dataclass
class _People:
    departments: list[Department]
    agents: list[Agent]
    agents_by_department: dict[int, list[Agent]]
    teams_by_department: dict[int, list[Team]]
    accounts: list[Account]
    contacts: list[Contact]
    policies: dict[int, SlaPolicy]


def _person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)


def _seed_people(
    org: Org, spec: OrgSpec, *, rng: random.Random, ids: _Ids, anchor: datetime, ticket_count: int
) -> _People:
    created = anchor - timedelta(days=390)
    departments = []
    for position, (name, hours, description) in enumerate(spec.departments):
        slug = name.lower().replace(" ", "")
        hours_config = hours if isinstance(hours, dict) else {"type": "24x7", "timeZone": spec.time_zone}
        departments.append(
            Department(
                id=ids.take(),
                org=org,
                name=name,
                description=description,
                is_default=position == 0,
                business_hours=hours_config,
                email_addresses=[f"{slug}@{spec.portal}.zohodesk.example", f"support@{spec.domain}"]
                if position == 0
                else [f"{slug}@{spec.portal}.zohodesk.example"],
                created_time=created,
            )
        )
    Department.objects.bulk_create(departments)

    agents: list[Agent] = []
    seen_emails: set[str] = set()
    for position in range(spec.agents):
        if position == 0:
            first, last, email = "Ada", "Admin", DEMO_ADMIN_EMAIL
            role, profile = "Administrator", "Administrator"
            dept_ids = [d.id for d in departments]
        else:
            first, last = _person(rng)
            email = f"{first}.{last}@{spec.domain}".lower()
            while email in seen_emails:
                email = f"{first}.{last}{rng.randint(2, 99)}@{spec.domain}".lower()
            role = "Team Lead" if position % 5 == 1 else "Agent"
            profile = "Support Manager" if role == "Team Lead" else "Support Agent"
            dept_ids = sorted({departments[position % len(departments)].id, rng.choice(departments).id})
        seen_emails.add(email)
        agents.append(
            Agent(
                id=ids.take(),
                org=org,
                first_name=first,
                last_name=last,
                email=email,
                status=Agent.Status.DISABLED if position and position % 9 == 0 else Agent.Status.ACTIVE,
                role_name=role,
                profile_name=profile,
                country_code="US" if spec.time_zone.startswith("America") else "GB",
                time_zone=spec.time_zone,
                department_ids=dept_ids,
                created_time=created + timedelta(days=position),
                modified_time=created + timedelta(days=position),
            )
        )
    Agent.objects.bulk_create(agents)
    for department in departments:
        department.creator_id = agents[0].id
    Department.objects.bulk_update(departments, ["creator_id"])
    agents_by_department = {
        d.id: [a for a in agents if d.id in a.department_ids and a.status == Agent.Status.ACTIVE]
        for d in departments
    }

    teams: list[Team] = []
    teams_by_department: dict[int, list[Team]] = {}
    for department in departments:
        members = agents_by_department[department.id]
        for suffix in ("Tier 1", "Tier 2") if len(members) >= 4 else ("Core",):
            half = (
                members[: max(1, len(members) // 2)] if suffix != "Tier 2" else members[len(members) // 2 :]
            )
            team = Team(
                id=ids.take(),
                org=org,
                department=department,
                name=f"{department.name} {suffix}",
                description=f"{suffix} for {department.name}",
                member_ids=[a.id for a in half],
                created_time=created,
                modified_time=created,
            )
            teams.append(team)
            teams_by_department.setdefault(department.id, []).append(team)
    Team.objects.bulk_create(teams)

    account_count = max(12, min(3_000, ticket_count // 40))
    contact_count = max(30, min(25_000, ticket_count // 5))
    accounts = []
    used_names: set[str] = set()
    for position in range(account_count):
        name = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_SUFFIXES)}"
        if name in used_names:
            name = f"{name} {position}"
        used_names.add(name)
        city, country = rng.choice(CITIES)
        slug = "".join(ch for ch in name.lower() if ch.isalnum())[:24]
        when = created + timedelta(days=rng.randint(0, 360), minutes=rng.randint(0, 1440))
        accounts.append(
            Account(
                id=ids.take(),
                org=org,
                account_name=name,
                email=f"info@{slug}.example",
                phone=f"+1-555-{rng.randint(1000, 9999)}",
                website=f"https://www.{slug}.example",
                industry=rng.choice(INDUSTRIES),
                annual_revenue=rng.randint(1, 500) * 100_000,
                number_of_employees=rng.choice((5, 12, 40, 120, 500, 2_000, 10_000)),
                city=city,
                country=country,
                owner_id=rng.choice(agents).id,
                cf={"cf_plan": rng.choice(("Starter", "Growth", "Enterprise"))},
                created_time=when,
                modified_time=when,
            )
        )
    _bulk(Account, accounts)

    contacts = []
    for position in range(contact_count):
        first, last = _person(rng)
        account = rng.choice(accounts) if rng.random() < 0.85 else None
        domain = (
            account.website.removeprefix("https://www.")
            if account
            else rng.choice(("gmail.example", "mail.example"))
        )
        when = created + timedelta(days=rng.randint(0, 380), minutes=rng.randint(0, 1440))
        contacts.append(
            Contact(
                id=ids.take(),
                org=org,
                account=account,
                first_name=first,
                last_name=last,
                email=f"{first}.{last}.{position}@{domain}".lower(),
                phone=f"+1-555-{rng.randint(1000, 9999)}",
                mobile=f"+1-555-{rng.randint(1000, 9999)}" if rng.random() < 0.5 else "",
                title=rng.choice(("", "IT Manager", "Office Manager", "CTO", "Buyer", "Developer", "Owner")),
                type=rng.choice(("Customer", "Customer", "Customer", "Prospect", "Partner")),
                city=account.city if account else "",
                country=account.country if account else "",
                owner_id=rng.choice(agents).id,
                created_time=when,
                modified_time=when,
            )
        )
    _bulk(Contact, contacts)

    policies: dict[int, SlaPolicy] = {}
    policy_rows = []
    for position, department in enumerate(departments):
        factor = 0.5 if "Technical" in department.name else 1.0
        targets = {
            priority: {key: max(1, round(value * factor)) for key, value in hours.items()}
            for priority, hours in SLA_TARGETS.items()
        }
        policy = SlaPolicy(
            id=ids.take(),
            org=org,
            department=department,
            name=f"{department.name} SLA",
            description="Response and resolution targets by priority, in business hours",
            is_default=position == 0,
            targets=targets,
            uses_business_hours=True,
            created_time=created,
            modified_time=created,
        )
        policies[department.id] = policy
        policy_rows.append(policy)
    SlaPolicy.objects.bulk_create(policy_rows)
    return _People(
        departments, agents, agents_by_department, teams_by_department, accounts, contacts, policies
    )


def _due_dates(policy: SlaPolicy, department: Department, priority: str, created: datetime) -> tuple:
    try:
        from apps.sandbox import sla

        return sla.ticket_due_dates(policy=policy, department=department, priority=priority, created=created)
    except (ImportError, AttributeError, TypeError):
        # The SLA module is developer B's; fall back to calendar hours if its interface moves.
        response, resolution = (SLA_TARGETS.get(priority) or SLA_TARGETS["Medium"]).values()
        return created + timedelta(hours=response), created + timedelta(hours=resolution)


def _seed_tickets(
    org: Org,
    spec: OrgSpec,
    people: _People,
    *,
    rng: random.Random,
    ids: _Ids,
    count: int,
    anchor: datetime,
    say: Callable[[str], None],
) -> None:
    statuses = dict(STATUS_WEIGHTS)
    known = org.statuses()
    status_weights = [(name, weight) for name, weight in statuses.items() if name in known]
    number = 0
    chunk = 5_000
    for start in range(0, count, chunk):
        tickets: list[Ticket] = []
        threads: list[Thread] = []
        comments: list[Comment] = []
        attachments: list[Attachment] = []
        for _ in range(min(chunk, count - start)):
            number += 1
            _one_ticket(
                org,
                spec,
                people,
                rng=rng,
                ids=ids,
                number=number,
                anchor=anchor,
                status_weights=status_weights,
                known_statuses=known,
                out=(tickets, threads, comments, attachments),
            )
        with transaction.atomic(using=SANDBOX_DB):
            _bulk(Ticket, tickets)
            _bulk(Thread, threads)
            _bulk(Comment, comments)
            _bulk(Attachment, attachments)
        say(f"{spec.company_name}: {start + len(tickets)}/{count} tickets")
    IdSequence.objects.update_or_create(org=org, name="ticketNumber", defaults={"value": number})


def _one_ticket(
    org: Org,
    spec: OrgSpec,
    people: _People,
    *,
    rng: random.Random,
    ids: _Ids,
    number: int,
    anchor: datetime,
    status_weights: list[tuple[str, int]],
    known_statuses: dict[str, str],
    out: tuple[list, list, list, list],
) -> None:
    tickets, threads, comments, attachments = out
    department = rng.choice(people.departments)
    contact = rng.choice(people.contacts)
    subject_template, category, sub_category, classification = rng.choice(PROBLEMS)
    subject = subject_template.format(n=rng.randint(10_000, 99_999))
    # Skewed towards recent days, like a real queue.
    age = timedelta(minutes=int((rng.random() ** 2.2) * 180 * 24 * 60))
    created = anchor - age
    status = _weighted(rng, status_weights)
    status_type = known_statuses[status]
    priority = _weighted(rng, PRIORITY_WEIGHTS)
    channel = _weighted(rng, CHANNEL_WEIGHTS)
    members = people.agents_by_department.get(department.id) or people.agents
    assignee = rng.choice(members) if (status_type != "Open" or rng.random() < 0.75) else None
    teams = people.teams_by_department.get(department.id) or []
    team = rng.choice(teams) if teams and rng.random() < 0.4 else None
    policy = people.policies.get(department.id)
    response_due, due = _due_dates(policy, department, priority, created) if policy else (None, None)

    ticket_id = ids.take()
    customer_name = contact.name
    support_address = (
        department.email_addresses[0] if department.email_addresses else f"support@{spec.domain}"
    )
    body = " ".join(rng.sample(CUSTOMER_LINES, 2))
    description = f"{rng.choice(OPENINGS)} {body}"

    # The conversation: the customer's message, then replies while the ticket moved on.
    moments = [created]
    replies = 0 if (status == "Open" and rng.random() < 0.5) else rng.randint(1, 3)
    cursor = created
    for _ in range(replies * 2):
        cursor = cursor + timedelta(minutes=rng.randint(20, 60 * 30))
        if cursor >= anchor:
            break
        moments.append(cursor)
    thread_rows = []
    for position, when in enumerate(moments):
        incoming = position % 2 == 0
        agent = assignee or rng.choice(members)
        if incoming:
            text = description if position == 0 else f"Thanks. {rng.choice(CUSTOMER_LINES)}"
            author = (contact.id, "END_USER", customer_name, contact.email)
            sender, recipient = contact.email, support_address
        else:
            text = f"Hi {contact.first_name or customer_name}, {' '.join(rng.sample(AGENT_LINES, 2))}"
            author = (agent.id, "AGENT", agent.name, agent.email)
            sender, recipient = support_address, contact.email
        html = f"<div><p>{text}</p><p>{'Regards, ' + agent.first_name if not incoming else customer_name}</p></div>"
        thread_rows.append(
            Thread(
                id=ids.take(),
                org_id=org.id,
                ticket_id=ticket_id,
                direction=Thread.Direction.IN if incoming else Thread.Direction.OUT,
                channel=channel.upper() if position == 0 else "EMAIL",
                from_email=sender,
                to=recipient,
                subject=subject if position == 0 else f"Re: {subject}",
                summary=text[:150],
                content=html,
                author_id=author[0],
                author_type=author[1],
                author_name=author[2],
                author_email=author[3],
                created_time=when,
            )
        )
    threads.extend(thread_rows)
    first_out = next((t.created_time for t in thread_rows if t.direction == Thread.Direction.OUT), None)
    last_in = max(t.created_time for t in thread_rows if t.direction == Thread.Direction.IN)
    last_activity = thread_rows[-1].created_time

    comment_count = 0
    if rng.random() < 0.3:
        comment_count = 1
        commenter = assignee or rng.choice(members)
        when = min(anchor, created + timedelta(minutes=rng.randint(5, 600)))
        comments.append(
            Comment(
                id=ids.take(),
                org_id=org.id,
                ticket_id=ticket_id,
                is_public=False,
                content=rng.choice(COMMENTS).format(n=rng.randint(100, 9999)),
                commenter_id=commenter.id,
                commenter_name=commenter.name,
                commenter_type="AGENT",
                created_time=when,
            )
        )
        last_activity = max(last_activity, when)

    attachment_count = 0
    if rng.random() < 0.06:
        attachment_count = 1
        is_text = rng.random() < 0.5
        data = (
            (f"Log excerpt for ticket {number}\nERROR 500 at /api/upload\n".encode())
            if is_text
            else ATTACHMENT_PNG
        )
        attachments.append(
            Attachment(
                id=ids.take(),
                org_id=org.id,
                ticket_id=ticket_id,
                thread_id=thread_rows[0].id,
                name="error-log.txt" if is_text else "screenshot.png",
                size=len(data),
                content_type="text/plain" if is_text else "image/png",
                data=data,
                creator_id=contact.id,
                is_public=True,
                created_time=created,
            )
        )
        thread_rows[0].attachment_count = 1

    closed = status_type == "Closed"
    closed_time = (last_activity + timedelta(minutes=rng.randint(1, 120))) if closed else None
    if closed_time and closed_time > anchor:
        closed_time = anchor
    modified = closed_time or last_activity
    tickets.append(
        Ticket(
            id=ticket_id,
            org_id=org.id,
            ticket_number=number,
            subject=subject,
            description=f"<div>{description}</div>",
            status=status,
            status_type=status_type,
            priority=priority,
            channel=channel,
            classification=classification,
            category=category,
            sub_category=sub_category,
            department_id=department.id,
            contact_id=contact.id,
            account_id=contact.account_id,
            assignee_id=assignee.id if assignee else None,
            team_id=team.id if team else None,
            sla_id=policy.id if policy else None,
            email=contact.email,
            phone=contact.phone,
            due_date=due,
            response_due_date=None if first_out else response_due,
            first_response_time=first_out,
            created_time=created,
            modified_time=modified,
            closed_time=closed_time,
            customer_response_time=last_in,
            created_by=contact.id,
            modified_by=(assignee.id if assignee else contact.id),
            thread_count=len(thread_rows),
            comment_count=comment_count,
            attachment_count=attachment_count,
            is_escalated=status == "Escalated",
            resolution="Resolved by the support team." if closed else None,
            cf={
                "cf_plan": rng.choice(("Starter", "Growth", "Enterprise")),
                "cf_region": rng.choice(("NA", "EU", "APAC")),
            },
        )
    )
