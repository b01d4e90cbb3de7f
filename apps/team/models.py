"""Mirror of a Desk org's departments, agents and teams (read by every page; written through apps/team/mirror.py)."""

from django.db import models

from apps.mirror.models import MirrorModel


class Department(MirrorModel):
    name = models.CharField(max_length=200, blank=True, default="")
    description = models.TextField(blank=True, default="")
    is_enabled = models.BooleanField(default=True)
    is_default = models.BooleanField(default=False)
    created_time = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "desk_id"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "desk_id"], name="team_department_desk_id_uniq")
        ]

    def __str__(self) -> str:
        return self.name or self.desk_id


class Agent(MirrorModel):
    first_name = models.CharField(max_length=100, blank=True, default="")
    last_name = models.CharField(max_length=100, blank=True, default="")
    name = models.CharField(max_length=200, blank=True, default="")
    email = models.CharField(max_length=254, blank=True, default="")
    phone = models.CharField(max_length=50, blank=True, default="")
    mobile = models.CharField(max_length=50, blank=True, default="")
    role_id = models.CharField(max_length=32, blank=True, default="")
    role_name = models.CharField(max_length=100, blank=True, default="")
    profile_id = models.CharField(max_length=32, blank=True, default="")
    status = models.CharField(max_length=20, blank=True, default="")
    is_confirmed = models.BooleanField(null=True)
    associated_department_ids = models.JSONField(default=list, blank=True)
    created_time = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "desk_id"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "desk_id"], name="team_agent_desk_id_uniq")
        ]
        indexes = [models.Index(fields=["connection", "status"], name="team_agent_status_idx")]

    def __str__(self) -> str:
        return self.name or self.email or self.desk_id


class Team(MirrorModel):
    name = models.CharField(max_length=200, blank=True, default="")
    description = models.TextField(blank=True, default="")
    department_desk_id = models.CharField(max_length=32, blank=True, default="")
    member_ids = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["name", "desk_id"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "desk_id"], name="team_team_desk_id_uniq")
        ]

    def __str__(self) -> str:
        return self.name or self.desk_id


class SupportAddress(MirrorModel):
    """One of the org's support email addresses ("From addresses"): what a reply may be sent from.

    Desk lists them per department with ``GET /mailReplyAddress`` (MailReplyAddress.json,
    getReplyMailAddresses); ``sendReply`` refuses a ``fromEmailAddress`` that is not one of them.
    Mirrored so the reply form offers them without a call.
    """

    address = models.CharField(max_length=254)
    display_name = models.CharField(max_length=200, blank=True, default="")
    department_desk_id = models.CharField(max_length=32, blank=True, default="")
    is_department_default = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    is_verified = models.BooleanField(null=True)

    class Meta:
        ordering = ["department_desk_id", "-is_department_default", "address", "desk_id"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "desk_id"], name="team_supportaddress_desk_id_uniq")
        ]
        indexes = [
            models.Index(fields=["connection", "department_desk_id"], name="team_supportaddr_dept_idx")
        ]

    def __str__(self) -> str:
        return f"{self.display_name} <{self.address}>" if self.display_name else self.address
