"""Core models: role permissions, org membership, the console's settings and the audit log."""

from django.conf import settings
from django.db import models


class RolePermissions(models.Model):
    """Holds no rows: it only declares the permissions the role groups are built from."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_tickets", "View ticket queues and tickets"),
            ("reply_tickets", "Reply to customers"),
            ("comment_tickets", "Comment on tickets"),
            ("assign_tickets", "Assign tickets"),
            ("close_tickets", "Change ticket status and close tickets"),
            ("edit_tickets", "Create and edit tickets"),
            ("delete_tickets", "Move tickets to trash"),
            ("bulk_edit_tickets", "Run bulk actions on tickets"),
            ("view_customers", "View contacts and accounts"),
            ("edit_customers", "Create and edit contacts and accounts"),
            ("delete_customers", "Move contacts and accounts to trash"),
            ("view_team", "View agents, departments and teams"),
            ("view_insights", "View insights and metrics"),
            ("view_audit_log", "View the audit log"),
            ("manage_connections", "Connect and disconnect Desk orgs"),
            ("manage_webhooks", "Manage webhook subscriptions"),
            ("manage_agents", "Add, activate and deactivate Desk agents"),
            ("manage_users", "Manage console users and their roles"),
        ]

    def __str__(self) -> str:
        return "role permissions"


class OrgMembership(models.Model):
    """A console user's access to one Desk org (by Desk orgId). Admins reach every org."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="org_memberships"
    )
    org_id = models.CharField(max_length=32, db_index=True)
    # The Desk agent this user acts as in that org ("me" in queues), matched by email when known.
    desk_agent_id = models.CharField(max_length=32, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "org_id"], name="unique_user_org")]

    def __str__(self) -> str:
        return f"{self.user} in org {self.org_id}"


class ConsoleSettings(models.Model):
    """The console-wide settings admins change on the Users page (one row, pk 1; see ``console_settings``)."""

    class NewUserAccess(models.TextChoices):
        NONE = "none", "No org: an admin gives access"
        ALL = "all", "Every connected org"

    new_user_org_access = models.CharField(
        max_length=8, choices=NewUserAccess.choices, default=NewUserAccess.NONE
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "console settings"

    def __str__(self) -> str:
        return "console settings"


class AuditEntry(models.Model):
    """One thing a person (or the system) did: who, when, in which org, to what, how it went."""

    class Outcome(models.TextChoices):
        SUCCESS = "success", "Succeeded"
        FAILURE = "failure", "Failed"
        DENIED = "denied", "Denied"
        # A write whose answer was lost: Desk may have saved it. A later entry of the same action says
        # "unknown → saved" (success) or "unknown → not saved" (failure) once the console has looked.
        UNKNOWN = "unknown", "Outcome unknown"

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept as text too, so the trail survives the user's deletion.
    actor_name = models.CharField(max_length=150, blank=True, default="")
    org_id = models.CharField(max_length=32, blank=True, default="", db_index=True)
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=32, blank=True, default="")
    target_id = models.CharField(max_length=64, blank=True, default="")
    outcome = models.CharField(max_length=8, choices=Outcome.choices, default=Outcome.SUCCESS)
    message = models.CharField(max_length=500, blank=True, default="")
    api_calls = models.PositiveIntegerField(default=0)
    # Desk's API credits the write spent (its calls' weights: 1 for a single-record call, more for lists).
    credits = models.PositiveIntegerField(default=0)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["org_id", "-created_at"])]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name or 'system'} {self.action} {self.outcome}"
