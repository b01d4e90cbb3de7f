"""Team template filters: a workload figure as people read it."""

from __future__ import annotations

from django import template

from apps.team.workload import duration_text

register = template.Library()


@register.filter
def duration(seconds: float | int | None) -> str:
    return duration_text(seconds)
