"""Signal receivers: when an org is connected, subscribe the webhooks its mirror needs (in a task)."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.tasks import default_task_backend

from apps.connections.models import DeskConnection
from apps.connections.services import connection_connected
from apps.webhooks.tasks import subscriptions_ensure_task

logger = logging.getLogger(__name__)


def subscribe_on_connect(sender: object, connection: DeskConnection, **kwargs: Any) -> None:
    if not settings.WEBHOOKS_AUTO_SUBSCRIBE:
        return
    if not getattr(default_task_backend, "supports_defer", False):
        # The immediate backend would make Desk calls (and Desk's URL check) inside the admin's request.
        logger.info("no task worker backend: subscribe from the Webhooks page")
        return
    transaction.on_commit(lambda: subscriptions_ensure_task.enqueue(connection.pk))


connection_connected.connect(subscribe_on_connect, dispatch_uid="apps.webhooks.subscribe_on_connect")
