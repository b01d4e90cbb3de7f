"""Connections: Desk orgs connected through OAuth, with encrypted tokens."""

from django.apps import AppConfig


class ConnectionsConfig(AppConfig):
    name = "apps.connections"
    label = "connections"
    verbose_name = "Desk connections"

    def ready(self) -> None:
        from apps.connections import logfilters
        from apps.connections.selectors import connection_labels, orgs_for_directory
        from apps.connections.shell import shell_slots
        from apps.core.orgs import register_org_directory, register_target_labeler
        from apps.core.shell import register_slot_provider

        register_slot_provider(shell_slots)
        # The core names orgs (Users page, new users' access) without importing this app.
        register_org_directory(orgs_for_directory)
        register_target_labeler("connection", connection_labels)
        # Zoho's revoke call puts the refresh token in the URL, which httpx logs at INFO.
        logfilters.install()
