"""Webhooks: Desk pushes changes to a verified receiver that keeps the mirror fresh; admins manage the org's
webhooks and read the delivery log."""

from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "apps.webhooks"
    label = "webhooks"
    verbose_name = "Desk webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.connections.hooks import register_pre_disconnect
        from apps.mirror import freshness
        from apps.webhooks import health, receivers, services  # noqa: F401  (receivers connects the signal receivers)

        freshness.register_push_health(health.push_health)
        # Disconnecting an org deletes DeskAdmin's webhooks on Desk first (they would post to a 404 forever).
        register_pre_disconnect(services.subscriptions_remove)
