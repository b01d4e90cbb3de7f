"""Sync: keeps each connection's local mirror fresh (initial and incremental sync, scheduling, progress)."""

from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "apps.sync"
    label = "sync"
    verbose_name = "Desk sync"

    def ready(self) -> None:
        from apps.core.shell import register_section
        from apps.sync import receivers, sections  # noqa: F401  (receivers connects the signal receivers)

        register_section("connections:detail", sections.connection_search_notice)
