"""The abstract base of every mirror row: one Desk object of one connection, keyed by (connection, desk_id).

Abstract, so this module needs no app of its own; the entity apps subclass it.
"""

from typing import ClassVar, Self

from django.db import models


class MirrorModel(models.Model):
    """Fields every mirrored Desk object has. Subclasses add a unique (connection, desk_id) constraint."""

    connection = models.ForeignKey("connections.DeskConnection", on_delete=models.CASCADE, related_name="+")
    desk_id = models.CharField(max_length=32)
    # Desk's JSON of the object as last applied, so later features can use fields not modelled here.
    raw = models.JSONField(default=dict, blank=True)
    # Desk's modifiedTime of the applied version: an older version never overwrites a newer one.
    desk_modified_time = models.DateTimeField(null=True, blank=True)
    # Gone from Desk (trashed or deleted); kept so a late, older event cannot resurrect it.
    is_deleted = models.BooleanField(default=False)
    synced_at = models.DateTimeField(auto_now=True)

    # Only an annotation (no manager is declared here): every concrete subclass gets Django's default
    # ``objects``; this lets code that holds ``type[MirrorModel]`` (the registry) query it, typed.
    objects: ClassVar[models.Manager[Self]]

    class Meta:
        abstract = True
