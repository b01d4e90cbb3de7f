"""How fresh each connection's mirror is kept: a cheap version stamp that every mirror change bumps, and the
push-health registry the sync scheduler reads (webhooks register a provider; sync imports none of them).

* ``version(connection_id)`` is a number in the cache, bumped by ``apply_objects`` and ``mark_deleted`` whenever
  rows changed. Open pages poll it (one cache read) and re-read the mirror only when it moved.
* ``register_push_health(provider)``: a provider answers, for a connection, whether pushed changes (webhooks)
  are healthy (the scheduled incremental sync may then run less often) or whether a gap was seen since the last
  sync (one sync is due at once). The scheduler asks ``sync_delay_seconds`` and ``sync_gap``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache

from apps.connections.models import DeskConnection

logger = logging.getLogger(__name__)

_VERSION_KEY = "mirror:version:{}"
_VERSION_TTL = 7 * 24 * 3600


def _key(connection_id: int) -> str:
    return _VERSION_KEY.format(connection_id)


def version(connection_id: int) -> int:
    """The connection's mirror version: changes whenever its mirror rows change (not a count of changes)."""
    value = cache.get(_key(connection_id))
    if value is None:
        # A new start (cache cleared or expired) begins from the clock, so it never repeats an old value.
        value = int(time.time() * 1000)
        if not cache.add(_key(connection_id), value, _VERSION_TTL):
            value = cache.get(_key(connection_id), value)
    return int(value)


def bump(connection_id: int) -> None:
    """Mark the connection's mirror as changed (called by the apply functions; never fails the write)."""
    key = _key(connection_id)
    try:
        cache.incr(key)
    except ValueError:  # not in the cache yet
        cache.add(key, int(time.time() * 1000), _VERSION_TTL)
    except Exception:  # a cache outage must not fail a mirror write
        return


@dataclass(frozen=True)
class PushHealth:
    """What a push source (webhooks) says about a connection."""

    healthy: bool = False  # deliveries flow and are verified: polling may wait longer
    delay_seconds: int = 0  # how much longer the scheduled sync may wait while healthy
    gap_since: datetime | None = None  # pushes were missed from this moment: sync once, soon


PushHealthProvider = Callable[[DeskConnection], PushHealth]
_PROVIDERS: list[PushHealthProvider] = []


def register_push_health(provider: PushHealthProvider) -> None:
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


def push_health(connection: DeskConnection) -> list[PushHealth]:
    results = []
    for provider in _PROVIDERS:
        try:
            results.append(provider(connection))
        except Exception:  # a provider's failure must not stop the scheduler: poll as if there were no push
            logger.exception("push health provider %r failed", provider)
    return results


def sync_delay_seconds(connection: DeskConnection) -> int:
    """Extra seconds the scheduled incremental sync may wait beyond SYNC_INTERVAL_SECONDS (0: none)."""
    return max((h.delay_seconds for h in push_health(connection) if h.healthy and not h.gap_since), default=0)


def sync_gap(connection: DeskConnection) -> datetime | None:
    """The earliest moment from which pushed changes may have been missed, if any provider saw a gap."""
    gaps = [h.gap_since for h in push_health(connection) if h.gap_since is not None]
    return min(gaps) if gaps else None
