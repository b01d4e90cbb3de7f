"""The lost-answer helpers both apps share (apps/mirror/unknown.py): a draft's fingerprint is what it was
before the move (rows recorded earlier still match their retries), and the content matching."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from apps.customers.services.unknown import write_fingerprint as create_fingerprint
from apps.mirror import unknown as lost
from apps.tickets.services.unknown import write_fingerprint as ticket_fingerprint

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
ORG = SimpleNamespace(pk=7)


def test_a_comment_draft_keeps_its_fingerprint_whatever_its_markup_spacing_and_file_names():
    draft = {"content": "<p>Hello  <b>there</b></p>", "is_public": True, "attachments": ["a.txt"]}
    expected = (
        "1964c2a638935eded1868aeb3bc9ebd81fd6e78b03525a9132440467acfcca9b"  # as recorded before the move
    )
    assert ticket_fingerprint(kind="comment", connection=ORG, ticket_desk_id="555", payload=draft) == expected
    same = {"content": "Hello there", "is_public": True, "attachments": ["b.txt"]}
    assert ticket_fingerprint(kind="comment", connection=ORG, ticket_desk_id="555", payload=same) == expected
    assert ticket_fingerprint(kind="comment", connection=ORG, ticket_desk_id="556", payload=same) != expected


def test_a_contact_draft_keeps_its_fingerprint_whatever_its_case_and_spacing():
    draft = {"last_name": "  Novak ", "email": "Ada@Example.org", "account_id": 12}
    expected = (
        "a91f63d0f8d872b997d67973e953b320dd7a865d579d696e74cda948ea43a786"  # as recorded before the move
    )
    assert create_fingerprint(kind="contact", connection=ORG, payload=draft) == expected
    same = {"last_name": "novak", "email": "ada@example.org", "account_id": 12}
    assert create_fingerprint(kind="contact", connection=ORG, payload=same) == expected
    assert create_fingerprint(kind="account", connection=ORG, payload=same) != expected


def test_the_oldest_match_since_the_window_is_the_writes_and_older_items_are_not_walked():
    items = [  # newest first, as Desk lists them
        ("copy", T0 + timedelta(seconds=30)),
        ("other", T0 + timedelta(seconds=20)),
        ("copy", T0 + timedelta(seconds=10)),
        ("copy", T0 - timedelta(minutes=20)),  # before the window: never reached
    ]
    found = lost.first_match(
        items,
        since=T0 - timedelta(minutes=10),
        when=lambda item: item[1],
        matches=lambda item: item[0] == "copy",
    )
    assert found == items[2]
    assert lost.first_match([], since=T0, when=lambda item: item, matches=lambda item: True) is None


def test_a_thread_summary_matches_the_start_of_its_reply_and_a_field_as_desk_shows_it():
    assert lost.same_start("Hello there, your order is on its way…", "<p>Hello <i>there</i>, your order is")
    assert not lost.same_start("Hello there", "Goodbye")
    assert not lost.same_start("", "Hello")
    assert lost.field_equal(" Open ", "open")
    assert lost.field_equal(None, "") and lost.field_equal("", None)
    assert not lost.field_equal("Closed", "Open")
