"""Sync: keeps each connection's local mirror fresh (initial and incremental sync, scheduling, progress)."""

from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "apps.sync"
    label = "sync"
    verbose_name = "Desk sync"

    def ready(self) -> None:
        from apps.sync import receivers  # noqa: F401  (connects the signal receivers)
