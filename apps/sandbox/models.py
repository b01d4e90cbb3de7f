"""The sandbox's data: emulated Desk orgs and their records, Zoho Accounts OAuth state, logs and counters."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

SANDBOX_DB = "sandbox"

# Desk ids look like "1892000000042001": a per-org prefix followed by a per-org sequence.
ID_SEQUENCE_SPAN = 10**9

# Real Desk (Zoho's API-credit pages): daily credits = base + per licensed agent, by edition.
EDITION_CREDITS_BASE = {
    "free": 5_000,
    "express": 25_000,
    "standard": 50_000,
    "professional": 75_000,
    "enterprise": 100_000,
}
EDITION_CREDITS_PER_AGENT = {
    "free": 0,
    "express": 100,
    "standard": 250,
    "professional": 500,
    "enterprise": 1_000,
}
# Real Desk: concurrent API calls per org, by edition.
EDITION_CONCURRENCY = {"free": 5, "express": 10, "standard": 10, "professional": 15, "enterprise": 25}
# The reference document's per-minute model (SANDBOX_RATE_MODEL=reference); it has no Express edition,
# so Express borrows Standard's row.
EDITION_PER_MINUTE = {"free": 10, "express": 20, "standard": 20, "professional": 50, "enterprise": 100}
EDITION_PER_DAY = {
    "free": 2_000,
    "express": 5_000,
    "standard": 5_000,
    "professional": 20_000,
    "enterprise": 50_000,
}
# Real Desk: Free, Express and Standard get no webhooks, Professional 5 enabled, Enterprise 10.
EDITION_WEBHOOKS = {"free": 0, "express": 0, "standard": 0, "professional": 5, "enterprise": 10}

STATUS_TYPES = ("Open", "On Hold", "Closed")
DEFAULT_STATUSES = {"Open": "Open", "On Hold": "On Hold", "Escalated": "Open", "Closed": "Closed"}
PRIORITIES = ("Low", "Medium", "High", "Urgent")
CHANNELS = ("Email", "Phone", "Web", "Chat", "Forums", "Twitter", "Facebook")
CLASSIFICATIONS = ("Question", "Problem", "Request", "Others")


def hash_token(token: str) -> str:
    """Tokens and codes are stored as SHA-256 digests, so a copy of the database holds no usable token."""
    return hashlib.sha256(token.encode()).hexdigest()


class Org(models.Model):
    """One emulated Desk organisation; its pk is the Desk orgId."""

    class Edition(models.TextChoices):
        FREE = "free", "Free"
        EXPRESS = "express", "Express"
        STANDARD = "standard", "Standard"
        PROFESSIONAL = "professional", "Professional"
        ENTERPRISE = "enterprise", "Enterprise"

    id = models.BigIntegerField(primary_key=True)
    company_name = models.CharField(max_length=200)
    portal_name = models.CharField(max_length=100, blank=True, default="")
    description = models.TextField(blank=True, default="")
    edition = models.CharField(max_length=16, choices=Edition.choices, default=Edition.FREE)
    time_zone = models.CharField(max_length=64, default="UTC")
    currency_code = models.CharField(max_length=8, default="USD")
    country = models.CharField(max_length=64, blank=True, default="")
    # Prefix of every record id in this org (ids = prefix * ID_SEQUENCE_SPAN + sequence).
    id_prefix = models.BigIntegerField(unique=True)
    # Custom ticket statuses on top of DEFAULT_STATUSES: [{"name": "Waiting on Customer", "statusType": "On Hold"}].
    custom_statuses = models.JSONField(default=list, blank=True)
    created_time = models.DateTimeField(default=timezone.now)

    # Limits: None means the edition's default. daily_limit overrides the day's API credits (real model)
    # or calls (reference model); per_minute_limit only matters in the reference model.
    per_minute_limit = models.PositiveIntegerField(null=True, blank=True)
    daily_limit = models.PositiveIntegerField(null=True, blank=True)
    max_concurrent = models.PositiveIntegerField(null=True, blank=True)

    # Fault injection: None means the global default from settings (SANDBOX_LATENCY_MS, ...).
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    error_rate = models.FloatField(null=True, blank=True, help_text="0..1: share of calls answered 500/503")
    burst_429_rate = models.FloatField(
        null=True, blank=True, help_text="0..1: chance a call starts a 429 burst"
    )
    burst_429_remaining = models.PositiveIntegerField(default=0, help_text="calls still to answer 429")
    timeout_rate = models.FloatField(null=True, blank=True, help_text="0..1: share of calls that hang")
    timeout_seconds = models.PositiveIntegerField(null=True, blank=True)
    # Lost answers: the write is done (and committed), then its answer comes too late or never.
    late_answer_rate = models.FloatField(
        null=True, blank=True, help_text="0..1: share of writes done but answered only after a delay"
    )
    late_answer_seconds = models.FloatField(null=True, blank=True, help_text="how late such an answer is")
    dropped_answer_rate = models.FloatField(
        null=True, blank=True, help_text="0..1: share of writes done whose answer is cut off mid-way"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.company_name} ({self.id})"

    @property
    def org_id(self) -> str:
        return str(self.id)

    @property
    def effective_per_minute_limit(self) -> int:
        return self.per_minute_limit or EDITION_PER_MINUTE[self.edition]

    @property
    def effective_daily_limit(self) -> int:
        """The reference model's calls a day."""
        return self.daily_limit or EDITION_PER_DAY[self.edition]

    @property
    def edition_type(self) -> str:
        """Desk's spelling of the edition (LICENSE_ACCESS_LIMITED's editionType)."""
        return str(self.edition).upper()

    def licensed_agent_count(self) -> int:
        """Agents that earn API credits: active, confirmed, not deleted and not light agents (Desk gives
        light agents the "Light Agent" profile; the sandbox has no other marker for them)."""
        return (
            self.agents.filter(status="ACTIVE", is_confirmed=True, is_deleted=False)  # type: ignore[attr-defined]
            .exclude(profile_name__icontains="light")
            .count()
        )

    def daily_credits(self) -> int:
        """The day's API credits: the override, else the edition's base plus its share per licensed agent."""
        if self.daily_limit:
            return self.daily_limit
        per_agent = EDITION_CREDITS_PER_AGENT[self.edition]
        agents = self.licensed_agent_count() if per_agent else 0
        return EDITION_CREDITS_BASE[self.edition] + per_agent * agents

    @property
    def effective_max_concurrent(self) -> int:
        return self.max_concurrent or EDITION_CONCURRENCY[self.edition]

    @property
    def webhook_limit(self) -> int:
        return EDITION_WEBHOOKS[self.edition]

    def statuses(self) -> dict[str, str]:
        """Every status name this org knows, mapped to its statusType."""
        known = dict(DEFAULT_STATUSES)
        for custom in self.custom_statuses or []:
            known[custom["name"]] = custom.get("statusType", "Open")
        return known


class IdSequence(models.Model):
    """Per-org counters: "id" for record ids, "ticketNumber" for ticket numbers."""

    org = models.ForeignKey(Org, on_delete=models.CASCADE, related_name="sequences")
    name = models.CharField(max_length=32)
    value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "name"], name="sandbox_unique_org_sequence")]

    def __str__(self) -> str:
        return f"{self.org_id}:{self.name}={self.value}"


def _allocate(org: Org, name: str, count: int) -> int:
    """Reserve `count` consecutive values of a sequence and return the first one."""
    with transaction.atomic(using=SANDBOX_DB):
        IdSequence.objects.get_or_create(org=org, name=name)
        IdSequence.objects.filter(org=org, name=name).update(value=F("value") + count)
        last = IdSequence.objects.get(org=org, name=name).value
    return last - count + 1


def next_ids(org: Org, count: int = 1) -> list[int]:
    """Fresh Desk-style record ids for this org (one transaction however many are asked for)."""
    first = _allocate(org, "id", count)
    return [org.id_prefix * ID_SEQUENCE_SPAN + first + offset for offset in range(count)]


def next_id(org: Org) -> int:
    return next_ids(org, 1)[0]


def next_ticket_numbers(org: Org, count: int = 1) -> list[int]:
    first = _allocate(org, "ticketNumber", count)
    return [first + offset for offset in range(count)]


# ---------------------------------------------------------------------------------------------------
# Zoho Accounts (OAuth)
# ---------------------------------------------------------------------------------------------------


class ZohoUser(models.Model):
    """A person with a Zoho account who can consent on the accounts server, and the orgs they belong to."""

    email = models.EmailField(unique=True)
    first_name = models.CharField(max_length=100, blank=True, default="")
    last_name = models.CharField(max_length=100, blank=True, default="")
    orgs = models.ManyToManyField(Org, related_name="users", blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.email

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email


class OAuthClient(models.Model):
    """A client registered in the (emulated) Zoho API console."""

    class Kind(models.TextChoices):
        SERVER = "server", "Server-based application"
        SELF = "self", "Self Client"

    client_id = models.CharField(max_length=100, unique=True)
    client_secret = models.CharField(max_length=100)
    name = models.CharField(max_length=200, default="")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.SERVER)
    # Exact redirect URIs, as Zoho requires. The built-in demo client also accepts loopback origins.
    redirect_uris = models.JSONField(default=list, blank=True)
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name or self.client_id


class AuthorizationCode(models.Model):
    """A one-time grant code, valid 10 minutes."""

    LIFETIME = timedelta(minutes=10)

    code_hash = models.CharField(max_length=64, unique=True)
    client = models.ForeignKey(OAuthClient, on_delete=models.CASCADE, related_name="codes")
    user = models.ForeignKey(ZohoUser, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    org = models.ForeignKey(Org, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    scopes = models.JSONField(default=list)
    redirect_uri = models.CharField(max_length=500, blank=True, default="")
    access_type = models.CharField(max_length=16, default="online")
    code_challenge = models.CharField(max_length=200, blank=True, default="")
    code_challenge_method = models.CharField(max_length=10, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"code for {self.client_id}"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at


class RefreshToken(models.Model):
    """A long-lived refresh token; revoking it revokes its access tokens."""

    token_hash = models.CharField(max_length=64, unique=True)
    client = models.ForeignKey(OAuthClient, on_delete=models.CASCADE, related_name="refresh_tokens")
    user = models.ForeignKey(ZohoUser, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    org = models.ForeignKey(Org, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"refresh token {self.pk} of {self.client_id}"


class AccessToken(models.Model):
    """A 1-hour access token (`Authorization: Zoho-oauthtoken <token>`)."""

    LIFETIME = timedelta(hours=1)

    token_hash = models.CharField(max_length=64, unique=True)
    client = models.ForeignKey(OAuthClient, on_delete=models.CASCADE, related_name="access_tokens")
    refresh_token = models.ForeignKey(
        RefreshToken, null=True, blank=True, on_delete=models.CASCADE, related_name="access_tokens"
    )
    user = models.ForeignKey(ZohoUser, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # The org picked on the consent page; None means every org of the user.
    org = models.ForeignKey(Org, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["refresh_token", "created_at"], name="sbx_access_refresh_idx")]

    def __str__(self) -> str:
        return f"access token {self.pk} of {self.client_id}"

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None and timezone.now() < self.expires_at

    def org_ids(self) -> set[int]:
        """The orgs this token may act in."""
        if self.org_id is not None:
            return {self.org_id}
        if self.user_id is not None:
            return set(self.user.orgs.values_list("id", flat=True))  # type: ignore[union-attr]
        return set()


# ---------------------------------------------------------------------------------------------------
# Desk records. Every record has a Desk-style id (BigInteger pk from next_ids) and belongs to one org.
# ---------------------------------------------------------------------------------------------------


def default_business_hours() -> dict:
    days = {day: {"from": "09:00", "to": "17:00"} for day in ("MON", "TUE", "WED", "THU", "FRI")}
    return {"timeZone": "UTC", "days": days}


class Department(models.Model):
    id = models.BigIntegerField(primary_key=True)
    org = models.ForeignKey(Org, on_delete=models.CASCADE, related_name="departments")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    is_enabled = models.BooleanField(default=True)
    is_default = models.BooleanField(default=False)
    creator_id = models.BigIntegerField(null=True, blank=True)
    # {"timeZone": "America/New_York", "days": {"MON": {"from": "09:00", "to": "17:00"}, ...},
    #  "holidays": ["2026-12-25"]}; a day missing from "days" is closed.
    business_hours = models.JSONField(default=default_business_hours)
    # Support addresses a reply may be sent from (sendReply "fromEmailAddress" / "from").
    email_addresses = models.JSONField(default=list, blank=True)
    created_time = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["org", "name"], name="sbx_dept_org_name_idx")]

    def __str__(self) -> str:
        return self.name


class Agent(models.Model):
    class Status(models.TextChoices):
        # Agent.json getAgents `status`: ACTIVE, DISABLED, DELETED, IMPORTED.
        ACTIVE = "ACTIVE", "Active"
        DISABLED = "DISABLED", "Disabled"
        DELETED = "DELETED", "Deleted"
        IMPORTED = "IMPORTED", "Imported"

    id = models.BigIntegerField(primary_key=True)
    org = models.ForeignKey(Org, on_delete=models.CASCADE, related_name="agents")
    first_name = models.CharField(max_length=100, blank=True, default="")
    last_name = models.CharField(max_length=100)
    email = models.EmailField()
    phone = models.CharField(max_length=50, blank=True, default="")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    role_id = models.BigIntegerField(null=True, blank=True)
    role_name = models.CharField(max_length=100, default="Agent")
    profile_id = models.BigIntegerField(null=True, blank=True)
    profile_name = models.CharField(max_length=100, default="Support Agent")
    country_code = models.CharField(max_length=8, blank=True, default="")
    time_zone = models.CharField(max_length=64, default="UTC")
    language_code = models.CharField(max_length=16, default="en_US")
    is_confirmed = models.BooleanField(default=True)
    is_deleted = models.BooleanField(default=False)
    department_ids = models.JSONField(default=list, blank=True)
    # Agent.json addAgent/updateAgent fields (issue 10, part B2).
    mobile = models.CharField(max_length=100, blank=True, default="")
    extn = models.CharField(max_length=100, blank=True, default="")
    about_info = models.TextField(blank=True, default="")
    role_permission_type = models.CharField(max_length=32, default="AgentPublic")
    channel_expert = models.JSONField(default=list, blank=True)
    cf = models.JSONField(default=dict, blank=True)
    created_time = models.DateTimeField(default=timezone.now)
    modified_time = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["org", "email"], name="sbx_agent_org_email_idx"),
            models.Index(fields=["org", "status"], name="sbx_agent_org_status_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Team(models.Model):
    id = models.BigIntegerField(primary_key=True)
    org = models.ForeignKey(Org, on_delete=models.CASCADE, related_name="teams")
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="teams"
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    member_ids = models.JSONField(default=list, blank=True)
    created_time = models.DateTimeField(default=timezone.now)
    modified_time = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Account(models.Model):
    """A customer company (Zoho's "account")."""

    id = models.BigIntegerField(primary_key=True)
    org = models.ForeignKey(Org, on_delete=models.CASCADE, related_name="accounts")
    account_name = models.CharField(max_length=200)
    email = models.CharField(max_length=200, blank=True, default="")
    phone = models.CharField(max_length=50, blank=True, default="")
    website = models.CharField(max_length=300, blank=True, default="")
    description = models.TextField(blank=True, default="")
    industry = models.CharField(max_length=100, blank=True, default="")
    annual_revenue = models.BigIntegerField(null=True, blank=True)
    number_of_employees = models.IntegerField(null=True, blank=True)
    city = models.CharField(max_length=100, blank=True, default="")
    country = models.CharField(max_length=100, blank=True, default="")
    owner_id = models.BigIntegerField(null=True, blank=True)
    cf = models.JSONField(default=dict, blank=True)
    is_trashed = models.BooleanField(default=False)
    created_time = models.DateTimeField(default=timezone.now)
    modified_time = models.DateTimeField(default=timezone.now)
    # Account.json createAccount fields (issue 10, part B2).
    code = models.CharField(max_length=30, blank=True, default="")
    fax = models.CharField(max_length=30, blank=True, default="")
    street = models.CharField(max_length=250, blank=True, default="")
    state = models.CharField(max_length=30, blank=True, default="")

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["org", "modified_time"], name="sbx_account_org_mod_idx"),
            models.Index(fields=["org", "account_name"], name="sbx_account_org_name_idx"),
            models.Index(fields=["org", "created_time"], name="sbx_account_org_created_idx"),
        ]

    def __str__(self) -> str:
        return self.account_name


class Contact(models.Model):
    id = models.BigIntegerField(primary_key=True)
    org = models.ForeignKey(Org, on_delete=models.CASCADE, related_name="contacts")
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    first_name = models.CharField(max_length=100, blank=True, default="")
    last_name = models.CharField(max_length=100)
    email = models.CharField(max_length=200, blank=True, default="")
    secondary_email = models.CharField(max_length=200, blank=True, default="")
    phone = models.CharField(max_length=50, blank=True, default="")
    mobile = models.CharField(max_length=50, blank=True, default="")
    description = models.TextField(blank=True, default="")
    title = models.CharField(max_length=100, blank=True, default="")
    type = models.CharField(max_length=50, blank=True, default="")
    city = models.CharField(max_length=100, blank=True, default="")
    country = models.CharField(max_length=100, blank=True, default="")
    owner_id = models.BigIntegerField(null=True, blank=True)
    cf = models.JSONField(default=dict, blank=True)
    is_spam = models.BooleanField(default=False)
    is_trashed = models.BooleanField(default=False)
    created_time = models.DateTimeField(default=timezone.now)
    modified_time = models.DateTimeField(default=timezone.now)
    # Contact.json createContact fields (issue 10, part B2).
    zip = models.CharField(max_length=30, blank=True, default="")
    street = models.CharField(max_length=250, blank=True, default="")
    state = models.CharField(max_length=100, blank=True, default="")
    twitter = models.CharField(max_length=100, blank=True, default="")
    facebook = models.CharField(max_length=100, blank=True, default="")
    language = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["org", "modified_time"], name="sbx_contact_org_mod_idx"),
            models.Index(fields=["org", "email"], name="sbx_contact_org_email_idx"),
            models.Index(fields=["org", "last_name"], name="sbx_contact_org_lname_idx"),
            models.Index(fields=["org", "created_time"], name="sbx_contact_org_created_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class SlaPolicy(models.Model):
    """First-response and resolution targets per priority, counted in business or calendar hours."""

    id = models.BigIntegerField(primary_key=True)
    org = models.ForeignKey(Org, on_delete=models.CASCADE, related_name="sla_policies")
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.CASCADE, related_name="sla_policies"
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    is_default = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    # {"Urgent": {"responseHours": 1, "resolutionHours": 8}, "High": {...}, "Medium": {...}, "Low": {...}}
    targets = models.JSONField(default=dict)
    # True: hours count only inside the department's business hours; False: calendar hours.
    uses_business_hours = models.BooleanField(default=True)
    created_time = models.DateTimeField(default=timezone.now)
    modified_time = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Ticket(models.Model):
    id = models.BigIntegerField(primary_key=True)
    org = models.ForeignKey(Org, on_delete=models.CASCADE, related_name="tickets")
    ticket_number = models.BigIntegerField()
    subject = models.CharField(max_length=255)
    description = models.TextField(blank=True, default="")
    status = models.CharField(max_length=100, default="Open")
    status_type = models.CharField(max_length=16, default="Open")
    priority = models.CharField(max_length=32, blank=True, default="")
    channel = models.CharField(max_length=32, default="Email")
    classification = models.CharField(max_length=64, blank=True, default="")
    category = models.CharField(max_length=100, blank=True, default="")
    sub_category = models.CharField(max_length=100, blank=True, default="")
    language = models.CharField(max_length=32, blank=True, default="English")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="tickets")
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    assignee = models.ForeignKey(
        Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets")
    sla = models.ForeignKey(
        SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    email = models.CharField(max_length=200, blank=True, default="")
    phone = models.CharField(max_length=50, blank=True, default="")
    due_date = models.DateTimeField(null=True, blank=True)
    response_due_date = models.DateTimeField(null=True, blank=True)
    # First agent response (the reference's "responseTime").
    first_response_time = models.DateTimeField(null=True, blank=True)
    created_time = models.DateTimeField(default=timezone.now)
    modified_time = models.DateTimeField(default=timezone.now)
    closed_time = models.DateTimeField(null=True, blank=True)
    customer_response_time = models.DateTimeField(null=True, blank=True)
    created_by = models.BigIntegerField(null=True, blank=True)
    modified_by = models.BigIntegerField(null=True, blank=True)
    thread_count = models.PositiveIntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)
    attachment_count = models.PositiveIntegerField(default=0)
    is_escalated = models.BooleanField(default=False)
    is_spam = models.BooleanField(default=False)
    is_trashed = models.BooleanField(default=False)
    resolution = models.TextField(null=True, blank=True)
    cf = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["org", "ticket_number"], name="sandbox_unique_ticket_number"),
        ]
        indexes = [
            models.Index(fields=["org", "is_trashed", "modified_time"], name="sbx_ticket_org_mod_idx"),
            models.Index(fields=["org", "is_trashed", "created_time"], name="sbx_ticket_org_created_idx"),
            models.Index(fields=["org", "is_trashed", "status"], name="sbx_ticket_org_status_idx"),
            models.Index(fields=["org", "is_trashed", "due_date"], name="sbx_ticket_org_due_idx"),
            models.Index(fields=["org", "assignee"], name="sbx_ticket_org_assignee_idx"),
            models.Index(fields=["org", "department"], name="sbx_ticket_org_dept_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_number} {self.subject}"

    @property
    def is_overdue(self) -> bool:
        return bool(self.due_date and self.status_type != "Closed" and self.due_date < timezone.now())


class Thread(models.Model):
    """One message of a ticket's conversation (email in/out, chat, phone note...)."""

    class Direction(models.TextChoices):
        IN = "in", "Incoming"
        OUT = "out", "Outgoing"

    id = models.BigIntegerField(primary_key=True)
    org = models.ForeignKey(Org, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="threads")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    channel = models.CharField(max_length=32, default="EMAIL")
    status = models.CharField(max_length=16, default="SUCCESS")
    from_email = models.CharField(max_length=300, blank=True, default="")
    to = models.CharField(max_length=1000, blank=True, default="")
    cc = models.CharField(max_length=1000, blank=True, default="")
    bcc = models.CharField(max_length=1000, blank=True, default="")
    subject = models.CharField(max_length=300, blank=True, default="")
    summary = models.CharField(max_length=300, blank=True, default="")
    content = models.TextField(blank=True, default="")
    content_type = models.CharField(max_length=16, default="html")
    is_forward = models.BooleanField(default=False)
    visibility = models.CharField(max_length=16, default="public")
    author_id = models.BigIntegerField(null=True, blank=True)
    author_type = models.CharField(max_length=16, default="END_USER")  # AGENT / END_USER
    author_name = models.CharField(max_length=200, blank=True, default="")
    author_email = models.CharField(max_length=200, blank=True, default="")
    attachment_count = models.PositiveIntegerField(default=0)
    created_time = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["ticket", "created_time"], name="sbx_thread_ticket_time_idx")]

    def __str__(self) -> str:
        return f"thread {self.pk} ({self.direction})"


class Comment(models.Model):
    id = models.BigIntegerField(primary_key=True)
    org = models.ForeignKey(Org, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="comments")
    is_public = models.BooleanField(default=False)
    content = models.TextField()
    content_type = models.CharField(max_length=16, default="plainText")
    commenter_id = models.BigIntegerField(null=True, blank=True)
    commenter_name = models.CharField(max_length=200, blank=True, default="")
    commenter_type = models.CharField(max_length=16, default="AGENT")
    created_time = models.DateTimeField(default=timezone.now)
    modified_time = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["ticket", "created_time"], name="sbx_comment_ticket_time_idx")]

    def __str__(self) -> str:
        return f"comment {self.pk}"


class Attachment(models.Model):
    """A file on a ticket (or one of its threads). Small files live in `data`; big ones in `file_path`
    under DATA_DIR/sandbox-attachments."""

    id = models.BigIntegerField(primary_key=True)
    org = models.ForeignKey(Org, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    thread = models.ForeignKey(
        Thread, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    name = models.CharField(max_length=255)
    size = models.BigIntegerField(default=0)
    content_type = models.CharField(max_length=100, default="application/octet-stream")
    data = models.BinaryField(null=True, blank=True)
    file_path = models.CharField(max_length=500, blank=True, default="")
    creator_id = models.BigIntegerField(null=True, blank=True)
    is_public = models.BooleanField(default=False)
    created_time = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Webhook(models.Model):
    """A webhook subscription, created in either the seed's `/events` form or the real `/webhooks` form."""

    class Form(models.TextChoices):
        EVENTS = "events", "Seed form (/events)"
        WEBHOOKS = "webhooks", "Real form (/webhooks)"

    id = models.BigIntegerField(primary_key=True)
    org = models.ForeignKey(Org, on_delete=models.CASCADE, related_name="webhooks")
    form = models.CharField(max_length=16, choices=Form.choices, default=Form.WEBHOOKS)
    name = models.CharField(max_length=200, blank=True, default="")
    description = models.TextField(blank=True, default="")
    url = models.CharField(max_length=1000)
    # Real form: {"Ticket_Add": null, "Ticket_Update": {"departmentIds": [...]}}.
    subscriptions = models.JSONField(default=dict, blank=True)
    # Seed form: "Ticket.Add" and ["add"].
    event_type = models.CharField(max_length=64, blank=True, default="")
    actions = models.JSONField(default=list, blank=True)
    ignore_source_id = models.CharField(max_length=64, blank=True, default="")
    # Real form: ["AUTOMATION"] also delivers changes made by automations.
    include_events_from = models.JSONField(default=list, blank=True)
    is_enabled = models.BooleanField(default=True)
    # Signs deliveries (x-zoho-signature, HMAC-SHA256 over the raw body). Never rendered.
    secret = models.CharField(max_length=100, blank=True, default="")
    created_by = models.BigIntegerField(null=True, blank=True)
    created_time = models.DateTimeField(default=timezone.now)
    modified_time = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name or self.url


class WebhookDelivery(models.Model):
    """One queued event for one subscription, delivered (and retried) by the background worker."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed (gave up)"
        GONE = "gone", "Subscription removed (410)"

    org = models.ForeignKey(Org, on_delete=models.CASCADE, related_name="+")
    webhook = models.ForeignKey(
        Webhook, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    event_type = models.CharField(max_length=64)
    payload = models.JSONField(default=dict)
    # The X-ZSOURCEID-style source of the change, matched against the webhook's ignore_source_id.
    source_id = models.CharField(max_length=64, blank=True, default="")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_status_code = models.IntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="sbx_delivery_due_idx")]

    def __str__(self) -> str:
        return f"{self.event_type} -> {self.webhook_id} ({self.status})"


# ---------------------------------------------------------------------------------------------------
# Contract bookkeeping
# ---------------------------------------------------------------------------------------------------


class RequestLog(models.Model):
    """One request to the sandbox, for tests and benchmarks to count calls."""

    class Kind(models.TextChoices):
        API = "api", "Desk API"
        ACCOUNTS = "accounts", "Accounts (OAuth)"

    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.API)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    query = models.CharField(max_length=1000, blank=True, default="")
    status = models.PositiveSmallIntegerField()
    org_id = models.CharField(max_length=32, blank=True, default="")
    client_id = models.CharField(max_length=100, blank=True, default="")
    # The grant type for accounts/token calls ("refresh_token", ...) or the Desk errorCode of an error.
    detail = models.CharField(max_length=100, blank=True, default="")
    duration_ms = models.FloatField(default=0)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["org_id", "created_at"], name="sbx_log_org_time_idx"),
            models.Index(fields=["kind", "created_at"], name="sbx_log_kind_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.status}"


class RateWindow(models.Model):
    """Usage counted in one org's window starting at `window_start` (epoch seconds): "credits" (the real
    model: credits spent in the org-local day), or the reference model's "minute" and "day" calls."""

    org = models.ForeignKey(Org, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8)
    window_start = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org", "kind", "window_start"], name="sandbox_unique_rate_window")
        ]

    def __str__(self) -> str:
        return f"{self.org_id} {self.kind}@{self.window_start}: {self.count}"


class InFlightRequest(models.Model):
    """A request being served now; rows older than a few minutes are ignored (a crashed worker)."""

    org = models.ForeignKey(Org, on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["org", "started_at"], name="sbx_inflight_org_idx")]

    def __str__(self) -> str:
        return f"{self.org_id} since {self.started_at}"


def attachments_dir() -> str:
    return str(settings.DATA_DIR / "sandbox-attachments")


# ---------------------------------------------------------------------------------------------------
# Ticket extras (issue 10, part B1): From addresses, tags, followers, uploads, comment attachments
# ---------------------------------------------------------------------------------------------------


class MailReplyAddress(models.Model):
    """A From address configured for a department (MailReplyAddress.json); sendReply's fromEmailAddress
    must be one of the org's active addresses."""

    id = models.BigIntegerField(primary_key=True)
    org = models.ForeignKey(Org, on_delete=models.CASCADE, related_name="mail_reply_addresses")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="mail_reply_addresses")
    address = models.CharField(max_length=100)
    display_name = models.CharField(max_length=100, blank=True, default="")
    service_provider_type = models.CharField(max_length=16, default="ZohoSMTP")
    is_department_default = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    is_verified = models.BooleanField(default=True)
    created_time = models.DateTimeField(default=timezone.now)
    modified_time = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["department", "address"], name="sandbox_unique_reply_address")
        ]

    def __str__(self) -> str:
        return self.address


class TicketTag(models.Model):
    """A ticket tag; Desk keeps tags per department (ticketTags and tags/search need departmentId)."""

    class Type(models.TextChoices):
        MANUAL = "MANUAL", "Manual"
        SYSTEM = "SYSTEM", "System"

    id = models.BigIntegerField(primary_key=True)
    org = models.ForeignKey(Org, on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="ticket_tags")
    name = models.CharField(max_length=50)
    tag_type = models.CharField(max_length=8, choices=Type.choices, default=Type.MANUAL)
    tickets = models.ManyToManyField(Ticket, related_name="tags", blank=True)
    created_time = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["department", "name"], name="sbx_tag_dept_name_idx")]

    def __str__(self) -> str:
        return self.name


class TicketFollower(models.Model):
    """An agent following a ticket (TicketFollowers.json)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="followers")
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="+")
    created_time = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["ticket", "agent"], name="sandbox_unique_follower")]

    def __str__(self) -> str:
        return f"{self.agent_id} follows {self.ticket_id}"


class Upload(models.Model):
    """A temporary file from POST /uploads (Upload.json); its id goes into attachmentIds of sendReply
    and comments, which turn it into an Attachment of the ticket."""

    id = models.BigIntegerField(primary_key=True)
    org = models.ForeignKey(Org, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=255)
    size = models.BigIntegerField(default=0)
    content_type = models.CharField(max_length=100, default="application/octet-stream")
    data = models.BinaryField(null=True, blank=True)
    file_path = models.CharField(max_length=500, blank=True, default="")
    creator_id = models.BigIntegerField(null=True, blank=True)
    created_time = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class CommentAttachment(models.Model):
    """Links a comment to the attachments it carries (from its attachmentIds)."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="attachment_links")
    attachment = models.ForeignKey(Attachment, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.comment_id}:{self.attachment_id}"
