"""Background tasks (django.tasks, run by ``manage.py db_worker``): the metrics block's recompute."""

from __future__ import annotations

from typing import Any

from django.tasks import task


@task(queue_name="default")
def insights_refresh_task(connection_ids: list[int], query: str) -> dict[str, Any]:
    """Recompute the Insights metrics of these orgs and filters (queued by ``refresh.queue_refresh`` when a
    view served an older block); the open pages' poll then swaps it in."""
    from apps.insights.refresh import refresh

    rendered = refresh(connection_ids, query)
    return {"orgs": connection_ids, "stamp": rendered.stamp if rendered else None}
