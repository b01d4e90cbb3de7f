"""Team template filters: a workload figure as people read it."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def duration(seconds: float | int | None) -> str:
    """Seconds as "45 min", "3 h 20 min" or "2 d 4 h"; "—" when nothing was measured."""
    if seconds is None:
        return "—"
    minutes = int(round(float(seconds) / 60))
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"
