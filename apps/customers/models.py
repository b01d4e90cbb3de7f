"""Mirror of a Desk org's contacts and accounts (read by every page; written through apps/customers/mirror.py)."""

from django.db import models

from apps.mirror.models import MirrorModel


class Account(MirrorModel):
    account_name = models.CharField(max_length=200, blank=True, default="")
    email = models.CharField(max_length=254, blank=True, default="")
    phone = models.CharField(max_length=50, blank=True, default="")
    website = models.CharField(max_length=300, blank=True, default="")
    industry = models.CharField(max_length=100, blank=True, default="")
    description = models.TextField(blank=True, default="")
    annual_revenue = models.FloatField(null=True, blank=True)
    number_of_employees = models.IntegerField(null=True, blank=True)
    owner_desk_id = models.CharField(max_length=32, blank=True, default="")
    # The stored sort key "sort by owner" walks (as on Contact): see Contact.owner_name. Nullable only so that
    # SQLite adds the column in place: a NOT NULL one makes Django rebuild the table, which drops the full-text
    # triggers (migration 0004). The apply always sets it.
    owner_name = models.CharField(max_length=300, null=True, blank=True)
    city = models.CharField(max_length=100, blank=True, default="")
    country = models.CharField(max_length=100, blank=True, default="")
    cf = models.JSONField(default=dict, blank=True)
    created_time = models.DateTimeField(null=True, blank=True)
    modified_time = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["account_name", "desk_id"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "desk_id"], name="customers_account_desk_id_uniq")
        ]
        indexes = [
            models.Index(fields=["connection", "account_name"], name="customers_account_name_idx"),
            models.Index(fields=["connection", "modified_time"], name="customers_account_mod_idx"),
            models.Index(fields=["connection", "created_time"], name="customers_account_created_idx"),
            models.Index(
                fields=["connection", "is_deleted", "owner_name", "desk_id"],
                name="customers_account_ownsort_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.account_name or self.desk_id


class Contact(MirrorModel):
    first_name = models.CharField(max_length=100, blank=True, default="")
    last_name = models.CharField(max_length=100, blank=True, default="")
    email = models.CharField(max_length=254, blank=True, default="")
    secondary_email = models.CharField(max_length=254, blank=True, default="")
    phone = models.CharField(max_length=50, blank=True, default="")
    mobile = models.CharField(max_length=50, blank=True, default="")
    account_desk_id = models.CharField(max_length=32, blank=True, default="")
    # The stored sort key "sort by account" walks: the name of the account the mirror has for
    # ``account_desk_id`` (NULL without one), set on apply and again on its contacts when an account is saved
    # (apps/customers/mirror.py), so the list never looks an account up per row.
    account_name = models.CharField(max_length=200, null=True, blank=True)
    title = models.CharField(max_length=100, blank=True, default="")
    type = models.CharField(max_length=50, blank=True, default="")
    description = models.TextField(blank=True, default="")
    owner_desk_id = models.CharField(max_length=32, blank=True, default="")
    # The stored sort key "sort by owner" walks: the owner agent's label in lower case as the core's agent
    # directory gives it ("jane doe <jane@example.org>"), else the owner's Desk id ("" without an owner). Set on
    # apply and again when agents are saved (apps/customers/mirror.py). Nullable only so that SQLite adds the
    # column in place (a NOT NULL one rebuilds the table, dropping the full-text triggers of migration 0004).
    owner_name = models.CharField(max_length=300, null=True, blank=True)
    is_spam = models.BooleanField(default=False)
    city = models.CharField(max_length=100, blank=True, default="")
    country = models.CharField(max_length=100, blank=True, default="")
    cf = models.JSONField(default=dict, blank=True)
    created_time = models.DateTimeField(null=True, blank=True)
    modified_time = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["last_name", "first_name", "desk_id"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "desk_id"], name="customers_contact_desk_id_uniq")
        ]
        indexes = [
            models.Index(fields=["connection", "email"], name="customers_contact_email_idx"),
            models.Index(fields=["connection", "last_name"], name="customers_contact_name_idx"),
            models.Index(fields=["connection", "account_desk_id"], name="customers_contact_account_idx"),
            models.Index(fields=["connection", "modified_time"], name="customers_contact_mod_idx"),
            # The lists' default order (by name) and their filters, each led by the connection.
            models.Index(
                fields=["connection", "last_name", "first_name", "desk_id"], name="customers_contact_sort_idx"
            ),
            models.Index(fields=["connection", "created_time"], name="customers_contact_created_idx"),
            models.Index(fields=["connection", "owner_desk_id"], name="customers_contact_owner_idx"),
            models.Index(
                fields=["connection", "is_deleted", "account_name", "desk_id"],
                name="customers_contact_acctsort_idx",
            ),
            models.Index(
                fields=["connection", "is_deleted", "owner_name", "desk_id"],
                name="customers_contact_ownsort_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p) or self.email or self.desk_id


class UnknownCreate(models.Model):
    """A contact or account create sent to Desk whose answer was lost (read timeout, connection cut, a
    gateway's 502/504): Desk may have saved it. ``services.unknown`` looks for it among Desk's newest records
    before the same draft may be sent again, and records how it was settled.

    ``payload`` is the draft as sent (to match Desk's records); ``known_ids`` the ids the mirror already had
    among the newest records of that kind, which cannot be it.
    """

    class Kind(models.TextChoices):
        CONTACT = "contact", "Contact"
        ACCOUNT = "account", "Account"

    class State(models.TextChoices):
        UNKNOWN = "unknown", "Checking"
        SAVED = "saved", "Saved"
        NOT_SAVED = "not_saved", "Not saved"

    connection = models.ForeignKey("connections.DeskConnection", on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    fingerprint = models.CharField(max_length=64)
    payload = models.JSONField(default=dict, blank=True)
    known_ids = models.JSONField(default=list, blank=True)
    sent_at = models.DateTimeField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.UNKNOWN)
    checks = models.PositiveIntegerField(default=0)
    checked_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    result_desk_id = models.CharField(max_length=32, blank=True, default="")
    message = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(fields=["connection", "fingerprint"], name="customers_unknown_fp_idx"),
            models.Index(fields=["state", "sent_at"], name="customers_unknown_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}.create ({self.state})"
