"""Template filters for ticket lists: short relative times that fit a table cell."""

from datetime import datetime

from django import template
from django.utils import timezone

register = template.Library()

_UNITS = ((86400 * 365, "y"), (86400 * 30, "mo"), (86400 * 7, "wk"), (86400, "d"), (3600, "h"), (60, "min"))


@register.filter
def short_when(value: datetime | None, now: datetime | None = None) -> str:
    """``in 3 h`` / ``2 d ago`` / ``just now``: one unit, so a queue column stays narrow."""
    if value is None:
        return ""
    seconds = int((value - (now or timezone.now())).total_seconds())
    ahead, seconds = seconds > 0, abs(seconds)
    for size, unit in _UNITS:
        if seconds >= size:
            amount = f"{seconds // size} {unit}"
            return f"in {amount}" if ahead else f"{amount} ago"
    return "just now"
