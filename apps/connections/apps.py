"""Connections: Desk orgs connected through OAuth, with encrypted tokens."""

from django.apps import AppConfig


class ConnectionsConfig(AppConfig):
    name = "apps.connections"
    label = "connections"
    verbose_name = "Desk connections"

    def ready(self) -> None:
        from apps.connections import logfilters
        from apps.connections.shell import shell_slots
        from apps.core.shell import register_slot_provider

        register_slot_provider(shell_slots)
        # Zoho's revoke call puts the refresh token in the URL, which httpx logs at INFO.
        logfilters.install()
