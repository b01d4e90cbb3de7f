"""The sandbox's conversation operations over real HTTP as Thread.json and TicketComment.json have them:
threads, conversations, sendReply (From addresses, uploads), comments."""
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


def test_send_reply_seed_form_with_from_is_refused_by_default(desk):
    ticket = desk.new_ticket()
    response = desk.client.post(
        f"/tickets/{ticket['id']}/sendReply",
        json={"channel": "EMAIL", "from": "support@acme.test", "content": "Fixed"},
    )
    assert response.status_code == 422
    fields = {e["fieldName"] for e in response.json()["errors"]}
    assert {"/from", "/fromEmailAddress"} <= fields


def test_send_reply_seed_form_with_from_is_accepted_with_reference_forms(desk, settings):
    settings.SANDBOX_REFERENCE_FORMS = True
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
    body = response.json()
    assert body["errorCode"] == "INVALID_DATA"
    assert body["errors"][0]["fieldName"] == "/fromEmailAddress"
    assert body["errors"][0]["errorType"] == "invalid"


def test_send_reply_requires_channel_content_and_from_address_but_not_to(desk):
    ticket = desk.new_ticket()
    response = desk.client.post(f"/tickets/{ticket['id']}/sendReply", json={"channel": "EMAIL"})
    assert response.status_code == 422
    fields = {e["fieldName"]: e["errorType"] for e in response.json()["errors"]}
    assert fields == {"/content": "missing", "/fromEmailAddress": "missing"}
    assert desk.client.post(f"/tickets/{ticket['id']}/sendReply", json={"content": "x"}).status_code == 422
    ok = desk.client.post(
        f"/tickets/{ticket['id']}/sendReply",
        json={"channel": "EMAIL", "content": "On it", "fromEmailAddress": "Support <support@acme.test>"},
    )
    assert ok.status_code == 200, ok.text
    thread = ok.json()
    assert thread["to"] == "peter@initech.test"  # no `to`: the ticket's requester
    assert thread["contentType"] == "plainText"  # Thread.json: plainText is the default


def test_send_reply_sets_ticket_status_and_checks_in_reply_to(desk):
    ticket = desk.new_ticket(description="help")
    incoming = desk.client.get(f"/tickets/{ticket['id']}/threads").json()["data"][0]
    base = {"channel": "EMAIL", "content": "Done", "fromEmailAddress": "support@acme.test"}
    bad = desk.client.post(f"/tickets/{ticket['id']}/sendReply", json={**base, "inReplyToThreadId": "42"})
    assert bad.json()["errors"][0]["fieldName"] == "/inReplyToThreadId"
    response = desk.client.post(
        f"/tickets/{ticket['id']}/sendReply",
        json={
            **base,
            "inReplyToThreadId": incoming["id"],
            "ticketStatus": "Closed",
            "cc": "boss@initech.test",
        },
    )
    assert response.status_code == 200, response.text
    after = desk.client.get(f"/tickets/{ticket['id']}").json()
    assert after["status"] == "Closed" and after["closedTime"] is not None


def test_send_reply_with_uploaded_attachment_ids(desk):
    ticket = desk.new_ticket()
    upload = desk.client.post("/uploads", files={"file": ("quote.pdf", b"%PDF-1.4 quote", "application/pdf")})
    assert upload.status_code == 200, upload.text
    upload_id = upload.json()["id"]
    response = desk.client.post(
        f"/tickets/{ticket['id']}/sendReply",
        json={
            "channel": "EMAIL",
            "content": "See attached",
            "fromEmailAddress": "support@acme.test",
            "attachmentIds": [upload_id],
        },
    )
    assert response.status_code == 200, response.text
    thread = response.json()
    assert thread["hasAttach"] is True
    attachment = thread["attachments"][0]
    assert attachment["name"] == "quote.pdf"
    assert desk.client.get(attachment["href"]).content == b"%PDF-1.4 quote"
    assert desk.client.get(f"/tickets/{ticket['id']}").json()["attachmentCount"] == "1"
    again = desk.client.post(
        f"/tickets/{ticket['id']}/sendReply",
        json={
            "channel": "EMAIL",
            "content": "x",
            "fromEmailAddress": "support@acme.test",
            "attachmentIds": ["77"],
        },
    )
    assert again.status_code == 422
    assert again.json()["errors"][0]["fieldName"] == "/attachmentIds"


def test_send_reply_query_params_are_the_documented_ones(desk):
    ticket = desk.new_ticket()
    body = {"channel": "EMAIL", "content": "x", "fromEmailAddress": "support@acme.test"}
    path = f"/tickets/{ticket['id']}/sendReply"
    assert (
        desk.client.post(path, params={"isPrivate": "true", "sendImmediately": "true"}, json=body).status_code
        == 200
    )
    assert desk.client.post(path, params={"draft": "true"}, json=body).status_code == 422


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
    deleted = desk.client.delete(f"{base}/{comment['id']}")
    assert deleted.status_code == 200 and deleted.content == b""
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


def test_comments_sort_by_commented_time_ascending_by_default(desk):
    ticket = desk.new_ticket()
    base = f"/tickets/{ticket['id']}/comments"
    ids = [desk.client.post(base, json={"content": f"note {i}"}).json()["id"] for i in range(3)]
    assert [c["id"] for c in desk.client.get(base).json()["data"]] == ids
    assert [
        c["id"] for c in desk.client.get(base, params={"sortBy": "-commentedTime"}).json()["data"]
    ] == ids[::-1]
    assert desk.client.get(base, params={"sortBy": "createdTime"}).status_code == 422
    assert desk.client.get(base, params={"include": "mentions"}).status_code == 200
    assert desk.client.get(base, params={"include": "plainText"}).status_code == 422


def test_comment_with_uploaded_attachment_downloads_from_its_href(desk):
    ticket = desk.new_ticket()
    upload = desk.client.post("/uploads", files={"file": ("log.txt", b"trace", "text/plain")}).json()
    comment = desk.client.post(
        f"/tickets/{ticket['id']}/comments", json={"content": "log attached", "attachmentIds": [upload["id"]]}
    )
    assert comment.status_code == 200, comment.text
    attachment = comment.json()["attachments"][0]
    assert attachment["name"] == "log.txt"
    assert "/comments/" in attachment["href"]
    assert desk.client.get(attachment["href"]).content == b"trace"


def test_threads_sort_by_send_date_time_only(desk):
    ticket = desk.new_ticket(description="help")
    base = f"/tickets/{ticket['id']}/threads"
    assert desk.client.get(base, params={"sortBy": "sendDateTime"}).status_code == 200
    assert desk.client.get(base, params={"sortBy": "createdTime"}).status_code == 422
    assert desk.client.get(base, params={"limit": 200}).status_code == 200
    assert desk.client.get(base, params={"include": "plainText"}).status_code == 422
