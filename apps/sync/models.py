"""Sync bookkeeping: one SyncState per connection (lease, schedule) and a checkpoint per entity."""

from django.db import models


class SyncState(models.Model):
    """A connection's sync: who holds it (a lease in the database, so it works across machines) and when
    the next run is due."""

    connection = models.OneToOneField(
        "connections.DeskConnection", on_delete=models.CASCADE, related_name="sync_state"
    )
    # The lease: a run owns the connection while locked_until is in the future.
    lock_owner = models.CharField(max_length=64, blank=True, default="")
    locked_until = models.DateTimeField(null=True, blank=True)
    # Set once every entity finished its initial walk; until then runs continue the initial sync.
    initial_completed_at = models.DateTimeField(null=True, blank=True)
    # A full re-walk was asked for (`desk_sync --full`, or a reconnect).
    full_requested = models.BooleanField(default=False)
    next_run_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_api_calls = models.IntegerField(default=0)
    last_changes = models.IntegerField(default=0)
    # A plain sentence, never a token.
    last_error = models.CharField(max_length=500, blank=True, default="")
    # Periodic work besides the every-few-minutes ticket check.
    customers_checked_at = models.DateTimeField(null=True, blank=True)
    team_checked_at = models.DateTimeField(null=True, blank=True)
    count_checked_at = models.DateTimeField(null=True, blank=True)
    reconciled_at = models.DateTimeField(null=True, blank=True)
    # When Desk last refused a search (403: the token lacks Desk.search.READ): the sync then walks the
    # documented list sorts instead, and the connection's page says what that costs.
    search_refused_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"sync of connection {self.connection_id}"


class SyncCheckpoint(models.Model):
    """Where one entity's walk stands: the page to fetch next, and the modifiedTime watermark."""

    class Mode(models.TextChoices):
        INITIAL = "initial", "Initial"
        INCREMENTAL = "incremental", "Incremental"
        RECONCILE = "reconcile", "Reconcile"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"

    connection = models.ForeignKey("connections.DeskConnection", on_delete=models.CASCADE, related_name="+")
    entity = models.CharField(max_length=32)
    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.INITIAL)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    # Where a search walk stands: its time window (lo/hi, the ids already applied at lo, and the
    # millisecond being read by offsets, if any). The `search` key says which kind of walk it is.
    cursor = models.JSONField(default=dict, blank=True)
    # Records a plain list walk has read so far: its next page's `from` is the operation's first index plus this.
    next_from = models.IntegerField(default=0)
    done = models.IntegerField(default=0)
    total = models.IntegerField(null=True, blank=True)
    # Newest Desk modifiedTime known to be mirrored: incremental walks stop below it.
    watermark = models.DateTimeField(null=True, blank=True)
    # Ids whose modifiedTime equals the watermark: they are not changes when seen again. Many objects
    # can share one millisecond (bulk edits, imports), and re-reading them would cost a page each time.
    watermark_ids = models.JSONField(default=list, blank=True)
    # The first item's modifiedTime when the current initial walk started: it becomes the watermark.
    walk_watermark = models.DateTimeField(null=True, blank=True)
    walk_watermark_ids = models.JSONField(default=list, blank=True)
    api_calls = models.IntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "entity"], name="sync_checkpoint_entity_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.entity} of connection {self.connection_id}: {self.mode} {self.status}"


class SchedulerTick(models.Model):
    """The single row behind the recurring sync tick (see apps.sync.scheduler): when the next tick is due.

    Ticks and watchdogs claim it with a conditional UPDATE, so however many web and worker processes
    run, one chain of ticks survives.
    """

    next_tick_at = models.DateTimeField(null=True, blank=True)
    last_tick_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"next sync tick at {self.next_tick_at}"
