"""Mirror of a Desk org's tickets, their conversations (fetched lazily) and SLA policies."""

from django.db import models

from apps.mirror.models import MirrorModel


def _index(name: str, *fields: str) -> models.Index:
    return models.Index(fields=["connection", *fields], name=name)


def _sort_index(name: str, *fields: str) -> models.Index:
    """(connection, is_deleted, *fields, id): what a queue page walks, in order, for one sort or filter."""
    return models.Index(fields=["connection", "is_deleted", *fields, "id"], name=name)


class Ticket(MirrorModel):
    ticket_number = models.CharField(max_length=32, blank=True, default="")
    subject = models.CharField(max_length=255, blank=True, default="")
    description = models.TextField(blank=True, default="")
    status = models.CharField(max_length=100, blank=True, default="")
    status_type = models.CharField(max_length=32, blank=True, default="")
    priority = models.CharField(max_length=32, blank=True, default="")
    channel = models.CharField(max_length=32, blank=True, default="")
    classification = models.CharField(max_length=64, blank=True, default="")
    category = models.CharField(max_length=100, blank=True, default="")
    sub_category = models.CharField(max_length=100, blank=True, default="")
    email = models.CharField(max_length=254, blank=True, default="")
    phone = models.CharField(max_length=50, blank=True, default="")
    language = models.CharField(max_length=32, blank=True, default="")
    # Desk ids, not foreign keys: a ticket may arrive before its contact, agent or team does.
    contact_desk_id = models.CharField(max_length=32, blank=True, default="")
    account_desk_id = models.CharField(max_length=32, blank=True, default="")
    department_desk_id = models.CharField(max_length=32, blank=True, default="")
    assignee_desk_id = models.CharField(max_length=32, blank=True, default="")
    team_desk_id = models.CharField(max_length=32, blank=True, default="")
    product_desk_id = models.CharField(max_length=32, blank=True, default="")
    resolution = models.TextField(blank=True, default="")
    due_date = models.DateTimeField(null=True, blank=True)
    response_due_date = models.DateTimeField(null=True, blank=True)
    customer_response_time = models.DateTimeField(null=True, blank=True)
    closed_time = models.DateTimeField(null=True, blank=True)
    created_time = models.DateTimeField(null=True, blank=True)
    modified_time = models.DateTimeField(null=True, blank=True)
    is_over_due = models.BooleanField(default=False)
    is_response_overdue = models.BooleanField(default=False)
    is_escalated = models.BooleanField(default=False)
    is_spam = models.BooleanField(default=False)
    thread_count = models.IntegerField(default=0)
    comment_count = models.IntegerField(default=0)
    attachment_count = models.IntegerField(default=0)
    # Stored sort keys (apps/tickets/mirror.py sets them): the priority's rank (0 none, 1 Low … 4 Urgent)
    # and the ticket number as a number, so both sorts walk an index instead of ranking every row.
    priority_rank = models.PositiveSmallIntegerField(default=0)
    number_value = models.BigIntegerField(default=0)
    # Stored name keys for the name sorts: the name the queue shows for the assignee, team, department and
    # contact (apps/tickets/mirror.py sets them on apply and again when one of those is renamed), NULL when
    # the mirror has no such record (those rows sort last), so each name sort walks its index.
    assignee_name = models.CharField(max_length=200, null=True, blank=True)
    team_name = models.CharField(max_length=200, null=True, blank=True)
    department_name = models.CharField(max_length=200, null=True, blank=True)
    contact_name = models.CharField(max_length=200, null=True, blank=True)
    cf = models.JSONField(default=dict, blank=True)
    # Plain text the full-text index reads besides the subject: description, contact name and
    # email, and the conversation as far as it is mirrored. Kept by apps/tickets/mirror.py.
    search_text = models.TextField(blank=True, default="")
    # The mirrored conversation as plain text (thread summaries or content, comments), for search_text.
    conversation_text = models.TextField(blank=True, default="")
    # When the conversation (threads, comments, attachment metadata) was last fetched from Desk.
    conversation_synced_at = models.DateTimeField(null=True, blank=True)
    # The first agent reply: the earliest outgoing thread the mirror holds, or Desk's ``responseTime`` when a
    # ticket payload carries it (whichever is earlier). Kept by apps/tickets/mirror.py; Insights, the Overview
    # and the team pages read first response times from it instead of grouping threads.
    first_response_at = models.DateTimeField(null=True, blank=True)
    # Tags (names) and followers ([{"id", "name"}]): Desk's ticket lists carry neither, so they come with
    # the conversation refresh and from the console's own writes (apps/tickets/services/tags.py).
    tags = models.JSONField(default=list, blank=True)
    followers = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-modified_time", "-desk_id"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "desk_id"], name="tickets_ticket_desk_id_uniq")
        ]
        # Every queue query is scoped to (connection, is_deleted=False). One index per offered sort, ending
        # with the id tie-breaker so a page is an index walk (keyset paging, docs/tickets.md "Speed"), and
        # indexes for the filters, each ending with the default sort (modified) and the tie-breaker.
        indexes = [
            _sort_index("tickets_sort_modified_idx", "modified_time"),
            _sort_index("tickets_sort_created_idx", "created_time"),
            _sort_index("tickets_sort_due_idx", "due_date"),
            _sort_index("tickets_sort_priority_idx", "priority_rank"),
            _sort_index("tickets_sort_number_idx", "number_value"),
            _sort_index("tickets_sort_subject_idx", "subject"),
            _sort_index("tickets_sort_status_idx", "status"),
            _sort_index("tickets_sort_channel_idx", "channel"),
            _sort_index("tickets_sort_class_idx", "classification"),
            _sort_index("tickets_sort_assignee_idx", "assignee_name"),
            _sort_index("tickets_sort_team_idx", "team_name"),
            _sort_index("tickets_sort_department_idx", "department_name"),
            _sort_index("tickets_sort_contact_idx", "contact_name"),
            _sort_index("tickets_status_idx", "status", "modified_time"),
            _sort_index("tickets_status_type_idx", "status_type", "modified_time"),
            _sort_index("tickets_priority_idx", "priority", "modified_time"),
            _sort_index("tickets_department_idx", "department_desk_id", "modified_time"),
            _sort_index("tickets_assignee_idx", "assignee_desk_id", "modified_time"),
            _sort_index("tickets_assignee_due_idx", "assignee_desk_id", "due_date"),
            _sort_index("tickets_team_idx", "team_desk_id", "modified_time"),
            _index("tickets_contact_idx", "contact_desk_id"),
            _index("tickets_account_idx", "account_desk_id"),
            _index("tickets_response_due_idx", "response_due_date"),
            # Insights: tickets closed in a range (resolution times, closed per day).
            _sort_index("tickets_closed_idx", "closed_time"),
            _index("tickets_number_idx", "ticket_number"),
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_number} {self.subject}"


class TicketThread(MirrorModel):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="threads")
    channel = models.CharField(max_length=32, blank=True, default="")
    direction = models.CharField(max_length=16, blank=True, default="")
    status = models.CharField(max_length=32, blank=True, default="")
    visibility = models.CharField(max_length=16, blank=True, default="")
    from_email_address = models.CharField(max_length=254, blank=True, default="")
    to = models.TextField(blank=True, default="")
    cc = models.TextField(blank=True, default="")
    bcc = models.TextField(blank=True, default="")
    subject = models.CharField(max_length=255, blank=True, default="")
    summary = models.TextField(blank=True, default="")
    # The full content comes from a second call per thread; None until fetched.
    content = models.TextField(null=True, blank=True)
    content_type = models.CharField(max_length=32, blank=True, default="")
    has_attach = models.BooleanField(default=False)
    attachment_count = models.IntegerField(default=0)
    author_desk_id = models.CharField(max_length=32, blank=True, default="")
    author_name = models.CharField(max_length=200, blank=True, default="")
    author_email = models.CharField(max_length=254, blank=True, default="")
    author_type = models.CharField(max_length=32, blank=True, default="")
    created_time = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_time", "desk_id"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "desk_id"], name="tickets_thread_desk_id_uniq")
        ]
        indexes = [models.Index(fields=["ticket", "created_time"], name="tickets_thread_ticket_idx")]


class TicketComment(MirrorModel):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="comments")
    content = models.TextField(blank=True, default="")
    content_type = models.CharField(max_length=32, blank=True, default="")
    is_public = models.BooleanField(default=False)
    commenter_desk_id = models.CharField(max_length=32, blank=True, default="")
    commenter_name = models.CharField(max_length=200, blank=True, default="")
    commented_time = models.DateTimeField(null=True, blank=True)
    modified_time = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["commented_time", "desk_id"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "desk_id"], name="tickets_comment_desk_id_uniq")
        ]
        indexes = [models.Index(fields=["ticket", "commented_time"], name="tickets_comment_ticket_idx")]


class TicketAttachment(MirrorModel):
    """Attachment metadata only; the bytes are streamed from Desk when someone downloads them."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    thread_desk_id = models.CharField(max_length=32, blank=True, default="")
    name = models.CharField(max_length=255, blank=True, default="")
    size = models.BigIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True, default="")
    is_public = models.BooleanField(default=False)
    creator_desk_id = models.CharField(max_length=32, blank=True, default="")
    href = models.CharField(max_length=500, blank=True, default="")
    created_time = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_time", "desk_id"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "desk_id"], name="tickets_attachment_desk_id_uniq")
        ]
        indexes = [models.Index(fields=["ticket", "created_time"], name="tickets_attachment_ticket_idx")]


class TicketTag(models.Model):
    """One tag on one ticket: the queue's tag filter is an indexed lookup here, not a scan of JSON lists.
    ``Ticket.tags`` is the copy pages show; ``mirror.mirror_set_ticket_tags`` keeps the two together."""

    connection = models.ForeignKey("connections.DeskConnection", on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="tag_links")
    name = models.CharField(max_length=100)
    key = models.CharField(max_length=100)  # the name lower-cased: Desk's tag names are case-insensitive

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ticket", "key"], name="tickets_tag_ticket_key_uniq")]
        indexes = [models.Index(fields=["connection", "key", "ticket"], name="tickets_tag_key_idx")]

    def __str__(self) -> str:
        return self.name


class SlaPolicy(MirrorModel):
    name = models.CharField(max_length=200, blank=True, default="")
    description = models.TextField(blank=True, default="")
    department_desk_id = models.CharField(max_length=32, blank=True, default="")
    is_default = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    # {"Urgent": {"responseHours": 1, "resolutionHours": 4}, ...} when Desk gives per-priority targets.
    targets = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["name", "desk_id"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "desk_id"], name="tickets_sla_desk_id_uniq")
        ]


# ---------------------------------------------------------------------------------------------------------
# Console-side models (not mirror rows): saved queue views and bulk jobs. Added by the tickets UI work,
# in their own migration (0003), so the mirror's migrations stay as the sync work wrote them.
# ---------------------------------------------------------------------------------------------------------
class SavedView(models.Model):
    """A named queue URL (filters, sort, columns): the owner's own, or shared with everyone in the org."""

    connection = models.ForeignKey("connections.DeskConnection", on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey("auth.User", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    # The queue's query string, without the page number.
    query = models.CharField(max_length=2000, blank=True, default="")
    is_shared = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "owner", "name"], name="tickets_savedview_name_uniq"
            )
        ]

    def __str__(self) -> str:
        return self.name


class BulkJob(models.Model):
    """One bulk action over many tickets, run in the background; its items say how each ticket went."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to start"
        RUNNING = "running", "Running"
        DONE = "done", "Finished"

    connection = models.ForeignKey("connections.DeskConnection", on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey("auth.User", null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=32)
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    total = models.IntegerField(default=0)
    succeeded = models.IntegerField(default=0)
    failed = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"bulk {self.action} of {self.total} tickets ({self.status})"

    @property
    def processed(self) -> int:
        return self.succeeded + self.failed

    @property
    def percent(self) -> int:
        return round(100 * self.processed / self.total) if self.total else 100


class BulkJobItem(models.Model):
    class Outcome(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCESS = "success", "Done"
        FAILURE = "failure", "Failed"
        # The answer was lost: Desk may have made the change; an UnknownWrite looks and settles it.
        UNKNOWN = "unknown", "Checking"

    job = models.ForeignKey(BulkJob, on_delete=models.CASCADE, related_name="items")
    ticket_desk_id = models.CharField(max_length=32)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.PENDING)
    message = models.CharField(max_length=500, blank=True, default="")
    attempts = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["job", "outcome"], name="tickets_bulkitem_outcome_idx")]

    def __str__(self) -> str:
        return f"{self.ticket_desk_id}: {self.outcome}"


class CannedReply(models.Model):
    """A reply snippet kept in DeskAdmin for one org: the owner's own, or shared with everyone in the org.

    ``body`` is HTML (sanitised when saved and again when inserted) with placeholders such as
    ``{{contact.first_name}}`` filled in by apps.tickets.services.canned.canned_render.
    """

    connection = models.ForeignKey("connections.DeskConnection", on_delete=models.CASCADE, related_name="+")
    # Who wrote it; a personal reply is only its owner's. A shared one stays when its author leaves.
    owner = models.ForeignKey("auth.User", null=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(max_length=120)
    body = models.TextField()
    is_shared = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title


class UnknownWrite(models.Model):
    """A write sent to Desk whose answer was lost (read timeout, connection cut, a gateway's 502/504):
    Desk may have saved it. The console looks for what it would have made (``services.unknown``) before it
    lets the same thing be sent again, and records how it was settled: saved or not saved.

    ``payload`` is the draft as sent (to match Desk's objects and to give the draft back); ``known_ids``
    the ids of the objects of that kind the mirror already had before the send, which cannot be it.
    """

    class Kind(models.TextChoices):
        CREATE = "create", "New ticket"
        COMMENT = "comment", "Comment"
        REPLY = "reply", "Reply"
        UPDATE = "update", "Ticket change"

    class State(models.TextChoices):
        UNKNOWN = "unknown", "Checking"
        SAVED = "saved", "Saved"
        NOT_SAVED = "not_saved", "Not saved"

    connection = models.ForeignKey("connections.DeskConnection", on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    action = models.CharField(max_length=64)
    ticket_desk_id = models.CharField(max_length=32, blank=True, default="")
    fingerprint = models.CharField(max_length=64, db_index=True)
    payload = models.JSONField(default=dict, blank=True)
    known_ids = models.JSONField(default=list, blank=True)
    sent_at = models.DateTimeField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.UNKNOWN)
    checks = models.PositiveIntegerField(default=0)
    checked_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    result_desk_id = models.CharField(max_length=32, blank=True, default="")
    message = models.CharField(max_length=500, blank=True, default="")
    bulk_item = models.ForeignKey(
        BulkJobItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="unknown_writes"
    )

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["connection", "state"], name="tickets_unknownwrite_state_idx")]

    def __str__(self) -> str:
        return f"{self.action} {self.ticket_desk_id or ''} ({self.state})"
