"""What the ticket page shows: sanitised Desk HTML, SLA targets in words, safe download names, errors."""

from datetime import UTC, datetime, timedelta

from apps.desk.errors import RateLimited
from apps.tickets.display import sanitize_html, sla_targets
from apps.tickets.models import Ticket
from apps.tickets.views.attachments import content_disposition
from apps.tickets.views.common import desk_error_message

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def test_sanitize_drops_scripts_events_and_javascript_links():
    html = sanitize_html(
        '<p onclick="x()">Hi<script>alert(1)</script> <a href="javascript:y()">a</a></p><style>p{}</style>'
    )
    assert "Hi" in html
    assert "script" not in html
    assert "onclick" not in html
    assert "javascript" not in html
    assert "<style" not in html


def test_sanitize_keeps_links_safe_and_plain_text_escaped():
    assert 'rel="noopener noreferrer nofollow"' in sanitize_html('<a href="https://example.com">x</a>')
    assert (
        sanitize_html("<b>not bold</b>\nline", content_type="plainText")
        == "<p>&lt;b&gt;not bold&lt;/b&gt;<br>line</p>"
    )


def ticket(**fields) -> Ticket:
    return Ticket(**fields)


def test_sla_running_met_and_breached_have_words():
    running, resolution = sla_targets(
        ticket(response_due_date=NOW + timedelta(hours=2, minutes=5), due_date=None), now=NOW
    )
    assert (running.state, running.text) == ("running", "2 h 5 min left")
    assert resolution.state == "none"

    responded = ticket(
        response_due_date=NOW,
        raw={"responseTime": "2026-11-25T09:30:00.000Z"},
        due_date=NOW - timedelta(hours=1),
        status_type="Open",
    )
    first, resolve = sla_targets(responded, now=NOW)
    assert (first.state, first.text, first.symbol) == ("met", "Met", "✓")
    assert resolve.state == "breached"
    assert resolve.text == "Breached 1 h 0 min ago"
    assert resolve.symbol == "⚠"


def test_download_name_is_an_attachment_in_both_forms():
    value = content_disposition('rëport "final".pdf')
    assert value.startswith("attachment; ")
    assert 'filename="r_port _final_.pdf"' in value
    assert "filename*=UTF-8''r%C3%ABport%20%22final%22.pdf" in value


def test_rate_limit_message_says_when():
    error = RateLimited("slow down", retry_at=datetime(2026, 11, 25, 10, 42, tzinfo=UTC), now=NOW)
    assert desk_error_message(error).startswith("Desk is rate-limiting, retrying at 10:42")


def test_short_relative_times_fit_a_cell():
    from apps.tickets.templatetags.tickets_tags import short_when

    assert short_when(NOW + timedelta(hours=3, minutes=5), NOW) == "in 3 h"
    assert short_when(NOW - timedelta(days=2, hours=1), NOW) == "2 d ago"
    assert short_when(NOW - timedelta(seconds=20), NOW) == "just now"
    assert short_when(None) == ""
