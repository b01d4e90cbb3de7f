"""The sandbox's conversation operations over real HTTP: threads, sendReply (seed and real forms), comments."""
# ruff: noqa: F811 - pytest fixtures imported from api_fixtures are redefined as test arguments

import pytest

from tests.sandbox.api_fixtures import desk  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)


def test_threads_list_summaries_and_get_one_with_full_content(desk):
    ticket = desk.new_ticket(description="<p>The printer is <b>on fire</b></p>")
    threads = desk.client.get(f"/tickets/{ticket['id']}/threads").json()["data"]
    assert len(threads) == 1
    summary = threads[0]
    assert summary["direction"] == "in"
    assert "content" not in summary
    assert summary["summary"] == "The printer is on fire"
    full = desk.client.get(f"/tickets/{ticket['id']}/threads/{summary['id']}").json()
    assert full["content"] == "<p>The printer is <b>on fire</b></p>"
    assert full["attachments"] == []
    plain = desk.client.get(
        f"/tickets/{ticket['id']}/threads/{summary['id']}", params={"include": "plainText"}
    )
    assert plain.json()["plainText"] == "The printer is on fire"


def test_threads_of_a_ticket_without_any_is_204(desk):
    ticket = desk.new_ticket()
    assert desk.client.get(f"/tickets/{ticket['id']}/threads").status_code == 204
    assert desk.client.get(f"/tickets/{ticket['id']}/threads/1").status_code == 404


def test_send_reply_real_form_adds_an_outgoing_thread(desk):
    ticket = desk.new_ticket()
    response = desk.client.post(
        f"/tickets/{ticket['id']}/sendReply",
        json={
            "channel": "EMAIL",
            "fromEmailAddress": "support@acme.test",
            "to": "peter@initech.test",
            "cc": "boss@initech.test",
            "content": "<p>We are on it</p>",
            "contentType": "html",
        },
    )
    assert response.status_code == 200, response.text
    thread = response.json()
    assert thread["direction"] == "out"
    assert thread["fromEmailAddress"] == "support@acme.test"
    assert thread["cc"] == "boss@initech.test"
    assert thread["author"]["type"] == "AGENT"
    after = desk.client.get(f"/tickets/{ticket['id']}").json()
    assert after["threadCount"] == "1"
    assert after["responseTime"] is not None
    listed = desk.client.get(f"/tickets/{ticket['id']}/threads").json()["data"]
    assert [t["id"] for t in listed] == [thread["id"]]


def test_send_reply_seed_form_with_from_is_accepted(desk):
    ticket = desk.new_ticket()
    response = desk.client.post(
        f"/tickets/{ticket['id']}/sendReply",
        json={
            "channel": "EMAIL",
            "from": "support@acme.test",
            "to": "peter@initech.test",
            "subject": "Re: Printer",
            "content": "Fixed",
            "contentType": "plainText",
        },
    )
    assert response.status_code == 200
    assert response.json()["subject"] == "Re: Printer"


def test_send_reply_from_an_address_outside_the_department_is_refused(desk):
    ticket = desk.new_ticket()
    response = desk.client.post(
        f"/tickets/{ticket['id']}/sendReply",
        json={"channel": "EMAIL", "fromEmailAddress": "ceo@elsewhere.test", "to": "a@b.test", "content": "x"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["fieldName"] == "/fromEmailAddress"


def test_send_reply_without_content_or_recipient_names_the_fields(desk):
    ticket = desk.new_ticket()
    response = desk.client.post(
        f"/tickets/{ticket['id']}/sendReply",
        json={"channel": "EMAIL", "fromEmailAddress": "support@acme.test"},
    )
    assert response.status_code == 422
    fields = {e["fieldName"] for e in response.json()["errors"]}
    assert {"/to", "/content"} <= fields


def test_comments_create_list_update_delete(desk):
    ticket = desk.new_ticket()
    base = f"/tickets/{ticket['id']}/comments"
    assert desk.client.get(base).status_code == 204
    created = desk.client.post(base, json={"content": "Internal note", "isPublic": False})
    assert created.status_code == 200
    comment = created.json()
    assert comment["content"] == "Internal note"
    assert comment["isPublic"] is False
    assert comment["commenterId"] == str(desk.agent.pk)
    assert [c["id"] for c in desk.client.get(base).json()["data"]] == [comment["id"]]
    assert desk.client.get(f"/tickets/{ticket['id']}").json()["commentCount"] == "1"
    updated = desk.client.patch(
        f"{base}/{comment['id']}", json={"content": "Edited", "isPublic": True}
    ).json()
    assert updated["content"] == "Edited" and updated["isPublic"] is True
    assert updated["modifiedTime"] is not None
    assert desk.client.delete(f"{base}/{comment['id']}").status_code == 204
    assert desk.client.get(f"{base}/{comment['id']}").status_code == 404
    assert desk.client.get(base).status_code == 204


def test_comment_without_content_is_rejected(desk):
    ticket = desk.new_ticket()
    response = desk.client.post(f"/tickets/{ticket['id']}/comments", json={"isPublic": "maybe"})
    assert response.status_code == 422
    fields = {e["fieldName"] for e in response.json()["errors"]}
    assert fields == {"/content", "/isPublic"}


def test_comments_on_unknown_ticket_is_404(desk):
    assert desk.client.post("/tickets/99/comments", json={"content": "x"}).status_code == 404


def test_conversations_merge_threads_and_comments_in_time_order(desk):
    ticket = desk.new_ticket(description="help")
    desk.client.post(f"/tickets/{ticket['id']}/comments", json={"content": "note"})
    desk.client.post(
        f"/tickets/{ticket['id']}/sendReply",
        json={"channel": "EMAIL", "fromEmailAddress": "support@acme.test", "to": "a@b.test", "content": "hi"},
    )
    items = desk.client.get(f"/tickets/{ticket['id']}/conversations").json()["data"]
    assert [(i["type"], i.get("direction")) for i in items] == [
        ("thread", "in"),
        ("comment", None),
        ("thread", "out"),
    ]
    assert desk.client.get(f"/tickets/{ticket['id']}/conversations", params={"from": 3}).status_code == 204
