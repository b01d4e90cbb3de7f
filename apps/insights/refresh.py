"""The metrics block, served stale-while-revalidate (docs/insights.md, "Speed").

The rendered block of a filter set is kept as the *latest* one computed, with the stamp (mirror versions and
minute) and the moment it was computed. A view serves it at once with that honest "As of" time; when the
stamp has moved since (a busy org's mirror moves with every webhook and sync apply) it queues ONE background
recompute (``tasks.insights_refresh_task``, deduplicated with a cache lock) and the page's 15-s poll swaps
the fresh block in. Only the first view of a filter set (nothing computed yet) computes in the request.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from apps.connections.models import DeskConnection
from apps.insights import metrics
from apps.insights.forms import InsightsChoice
from apps.insights.selectors import build_page

logger = logging.getLogger(__name__)

# The latest block of a filter set is kept this long after it was last computed (a day: the range's days
# are in the key, so a new day starts a new entry).
LATEST_SECONDS = 24 * 3600
# A queued recompute holds the lock until it is done; a worker that died releases it after this long.
LOCK_SECONDS = 120


@dataclass(frozen=True)
class Rendered:
    """The metrics' HTML of one filter set, as computed at ``as_of`` for the mirrors' ``stamp``."""

    stamp: str
    html: str
    as_of: datetime


def _key(
    kind: str, connections: Sequence[DeskConnection] | Sequence[int], choice: InsightsChoice, query: str = ""
) -> str:
    """The cache key of a filter set's block (``latest``) or of its queued recompute (``lock``): the orgs,
    the page's query string (the task is handed the view's own, so both name the same entry) and the range's
    days (a new day is a new filter set)."""
    orgs = ",".join(str(c if isinstance(c, int) else c.pk) for c in connections)
    text = f"{orgs}|{query or choice.query()}|{choice.scope.start}|{choice.scope.end}"
    return f"insights:{kind}:" + hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def render_now(connections: Sequence[DeskConnection], choice: InsightsChoice, query: str = "") -> Rendered:
    """Compute and render the block now and keep it as the latest. The stamp is read first, so a change
    made while computing leaves the entry older than the mirror (and it is computed again), never newer."""
    now = timezone.now()
    stamp = metrics.stamp(connections, now)
    page = build_page(connections=list(connections), choice=choice, now=now)
    html = render_to_string(
        "insights/_metrics_body.html",
        {"page": page, "choice": choice, "csv_base": reverse("insights:chart_csv") + "?" + choice.query()},
    )
    rendered = Rendered(stamp=stamp, html=html, as_of=now)
    cache.set(_key("latest", connections, choice, query), rendered, LATEST_SECONDS)
    return rendered


def queue_once(lock: str, enqueue: Callable[[], object]) -> bool:
    """Call ``enqueue`` (queue one background recompute) unless the recompute under ``lock`` is queued or
    running: the lock is taken here (``cache.add``) and released by the task when it ends (or after
    ``LOCK_SECONDS`` if its worker died). The metrics block and the Overview's cards share it."""
    if not cache.add(lock, 1, LOCK_SECONDS):
        return False
    try:
        enqueue()
    except Exception:  # a task queue outage: keep serving the latest entry; the next view tries again
        logger.exception("insights: could not queue a refresh")
        cache.delete(lock)
        return False
    return True


def queue_refresh(connections: Sequence[DeskConnection], choice: InsightsChoice) -> bool:
    """Queue one background recompute of this filter set unless one is queued or running (the lock)."""
    from apps.insights import tasks

    return queue_once(
        _key("lock", connections, choice),
        lambda: tasks.insights_refresh_task.enqueue([c.pk for c in connections], choice.query()),
    )


def refresh(connection_ids: list[int], query: str) -> Rendered | None:
    """The task's body: recompute the block of these orgs and filters, then release the lock."""
    from django.http import QueryDict

    from apps.insights.forms import ALL, InsightsForm

    by_pk = {c.pk: c for c in DeskConnection.objects.filter(pk__in=connection_ids)}
    connections = [by_pk[pk] for pk in connection_ids if pk in by_pk]
    choice = InsightsForm(QueryDict(query)).choice(default_org=ALL)
    try:
        if len(connections) != len(connection_ids):
            return None  # an org was removed meanwhile: the next view decides again
        return render_now(connections, choice, query)
    finally:
        cache.delete(_key("lock", connection_ids, choice, query))


def metrics_block(connections: Sequence[DeskConnection], choice: InsightsChoice) -> tuple[Rendered, bool]:
    """The block to show now and whether it is older than the mirrors (a recompute is then queued).

    The first view of a filter set computes it here. A task backend that runs tasks at once (the tests'
    ``ImmediateBackend``) has refreshed the entry by the time ``queue_refresh`` returns: it is read again.
    """
    latest: Rendered | None = cache.get(_key("latest", connections, choice))
    if latest is None:
        return render_now(connections, choice), False
    current = metrics.stamp(connections, timezone.now())
    if latest.stamp == current:
        return latest, False
    queue_refresh(connections, choice)
    latest = cache.get(_key("latest", connections, choice)) or latest
    return latest, latest.stamp != metrics.stamp(connections, timezone.now())
