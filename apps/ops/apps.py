"""Operations: first admin, Prometheus metrics, structured logs with request ids (docs/operations.md)."""

from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "apps.ops"
    label = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        from apps.ops import context

        context.connect_task_signals()
