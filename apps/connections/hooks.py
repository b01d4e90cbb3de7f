"""Steps other apps run just before a connection is disconnected, while its tokens still work (the webhooks
app deletes DeskAdmin's webhooks on Desk), registered from their AppConfig.ready() so this app imports none
of them. A step is best effort: it returns a sentence for the admin when it could not do its part, and the
disconnect goes ahead whatever it returns or raises."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.contrib.auth.models import User

from apps.connections.models import DeskConnection

logger = logging.getLogger(__name__)

# (connection=, actor=) -> "" when done, else what the admin must know (and do by hand).
PreDisconnectStep = Callable[..., str]
_PRE_DISCONNECT: list[PreDisconnectStep] = []


def register_pre_disconnect(step: PreDisconnectStep) -> None:
    if step not in _PRE_DISCONNECT:
        _PRE_DISCONNECT.append(step)


def run_pre_disconnect(*, connection: DeskConnection, actor: User | None) -> list[str]:
    """Run every registered step; the sentences of those that could not finish, in registration order."""
    notices = []
    for step in _PRE_DISCONNECT:
        try:
            notice = step(connection=connection, actor=actor)
        except Exception:
            logger.exception("pre-disconnect step %s failed", getattr(step, "__name__", step))
            notice = "A clean-up step before disconnecting failed unexpectedly (see the server log)."
        if notice:
            notices.append(notice)
    return notices
