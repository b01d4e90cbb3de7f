"""App config for the core: users, roles, org membership, audit log, layout."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "DeskAdmin core"

    def ready(self) -> None:
        from apps.core.roles import sync_role_groups

        # Permissions are created on post_migrate, so the role groups are synced right after.
        post_migrate.connect(sync_role_groups, dispatch_uid="core.sync_role_groups")
