"""Times as people read them everywhere on the console: a ``<time>`` element, relative words, exact on hover."""

from datetime import datetime

from django import template
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.dateparse import parse_datetime
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def when(value: object, empty: str = "(empty)") -> SafeString:
    """A datetime (or an ISO 8601 text of one, as change lists hold) the way the page shows times:
    ``<time datetime=… title="exact">3 hours ago</time>``; any other text as it is, escaped."""
    moment = value if isinstance(value, datetime) else None
    if moment is None and isinstance(value, str) and value[:4].isdigit() and "T" in value:
        try:
            moment = parse_datetime(value)
        except ValueError:
            moment = None
    if moment is None:
        text = "" if value is None else str(value)
        return conditional_escape(text or empty)  # type: ignore[return-value]
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_current_timezone())
    local = timezone.localtime(moment)
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        local.isoformat(),
        date_format(local, "Y-m-d H:i e"),
        naturaltime(local),
    )
