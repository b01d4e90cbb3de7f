"""Canned-reply placeholders: filled in and escaped, unknown or empty ones left visible and reported, and the
result always through the HTML allow-list."""

from apps.tickets.services.canned import PLACEHOLDERS, canned_render, clean_body

VALUES = {
    "contact.first_name": "Zoë",
    "ticket.number": "1042",
    "ticket.subject": "Printer <jam>",
    "agent.name": "Alex Agent",
}


def test_known_placeholders_are_filled_in_with_or_without_spaces():
    rendered = canned_render("<p>Hi {{contact.first_name}}, about #{{ ticket.number }}.</p>", VALUES)
    assert rendered.html == "<p>Hi Zoë, about #1042.</p>"
    assert rendered.unknown == [] and rendered.empty == []


def test_values_are_escaped():
    rendered = canned_render(
        "<p>Re: {{ticket.subject}}</p>", {**VALUES, "ticket.subject": '<img src=x onerror="a()">'}
    )
    assert "<img" not in rendered.html and "onerror" in rendered.html  # as text, not a tag
    assert "&lt;img" in rendered.html


def test_unknown_and_empty_placeholders_stay_visible_and_are_reported():
    rendered = canned_render("<p>{{contact.nickname}} {{contact.last_name}} {{contact.nickname}}</p>", VALUES)
    assert rendered.html == "<p>{{contact.nickname}} {{contact.last_name}} {{contact.nickname}}</p>"
    assert rendered.unknown == ["contact.nickname"]
    assert rendered.empty == ["contact.last_name"]


def test_the_body_goes_through_the_allow_list():
    rendered = canned_render(
        '<p onclick="x()">Hi<script>alert(1)</script> <a href="javascript:x">a</a></p>', VALUES
    )
    assert (
        "script" not in rendered.html and "onclick" not in rendered.html and "javascript" not in rendered.html
    )


def test_plain_text_bodies_keep_their_line_breaks():
    assert clean_body("Hi {{contact.first_name}},\nThanks") == "<p>Hi {{contact.first_name}},<br>Thanks</p>"


def test_the_documented_placeholders():
    assert {"contact.first_name", "ticket.number", "agent.name", "ticket.subject"} <= set(PLACEHOLDERS)
