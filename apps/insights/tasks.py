"""Background tasks (django.tasks, run by ``manage.py db_worker``): the metrics block's recompute and an
Overview card's."""

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


@task(queue_name="default")
def overview_refresh_task(connection_id: int) -> dict[str, Any]:
    """Recompute one org's Overview card (queued by ``overview.figures_for`` when a view served an entry older
    than the mirror); the open Overviews' poll then swaps it in."""
    from apps.insights.overview import refresh_card

    figures = refresh_card(connection_id)
    return {"org": connection_id, "version": figures.version if figures else None}
