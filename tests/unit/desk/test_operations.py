"""Desk client: every operation sends the real Desk form and returns typed objects."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import httpx
import pytest

from apps.desk.errors import DeskError
from apps.desk.types import Agent, Organization, Thread, Ticket, Webhook

from .conftest import ORG


class Recorder:
    def __init__(self, answer: httpx.Response | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.answer = answer

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return self.answer or httpx.Response(200, json={"id": "1"})

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]

    @property
    def last_json(self):
        return json.loads(self.last.content) if self.last.content else None


def _path(request: httpx.Request) -> str:
    return request.url.path.removeprefix("/api/v1")


@pytest.mark.parametrize(
    ("call", "method", "path", "body"),
    [
        (lambda c: c.myinfo(), "GET", "/myinfo", None),
        (lambda c: c.ticket_get("5", include=["contacts"]), "GET", "/tickets/5", None),
        (
            lambda c: c.ticket_create(subject="S", department_id="11", contact_id="22", priority="High"),
            "POST",
            "/tickets",
            {"subject": "S", "departmentId": "11", "contactId": "22", "priority": "High"},
        ),
        (
            lambda c: c.ticket_update("5", sub_category="Login"),
            "PATCH",
            "/tickets/5",
            {"subCategory": "Login"},
        ),
        (lambda c: c.ticket_set_status("5", status="Closed"), "PATCH", "/tickets/5", {"status": "Closed"}),
        (lambda c: c.ticket_assign("5", assignee_id=None), "PATCH", "/tickets/5", {"assigneeId": None}),
        (
            lambda c: c.ticket_assign("5", assignee_id="7", team_id="8"),
            "PATCH",
            "/tickets/5",
            {"assigneeId": "7", "teamId": "8"},
        ),
        (
            lambda c: c.tickets_move_to_trash(ticket_ids=["5", "6"]),
            "POST",
            "/tickets/moveToTrash",
            {"ticketIds": ["5", "6"]},
        ),
        (
            lambda c: c.ticket_merge("5", ids=["6", "7"], source={"subject": "6"}),
            "POST",
            "/tickets/5/merge",
            {"ids": ["6", "7"], "source": {"subject": "6"}},
        ),
        (lambda c: c.ticket_merge("5", ids=["6"]), "POST", "/tickets/5/merge", {"ids": ["6"]}),
        (lambda c: c.comment_create("5", content="Hi"), "POST", "/tickets/5/comments", None),
        (
            lambda c: c.comment_update("5", "9", content="Edited"),
            "PATCH",
            "/tickets/5/comments/9",
            {"content": "Edited"},
        ),
        (lambda c: c.comment_delete("5", "9"), "DELETE", "/tickets/5/comments/9", None),
        (lambda c: c.thread_get("5", "3"), "GET", "/tickets/5/threads/3", None),
        (lambda c: c.attachment_delete("5", "4"), "DELETE", "/tickets/5/attachments/4", None),
        (lambda c: c.contact_get("8"), "GET", "/contacts/8", None),
        (
            lambda c: c.contact_create(last_name="Doe", email="d@example.com"),
            "POST",
            "/contacts",
            {"lastName": "Doe", "email": "d@example.com"},
        ),
        (lambda c: c.contact_update("8", phone="+1"), "PATCH", "/contacts/8", {"phone": "+1"}),
        (
            lambda c: c.contacts_move_to_trash(contact_ids=["8"]),
            "POST",
            "/contacts/moveToTrash",
            {"contactIds": ["8"]},
        ),
        (lambda c: c.account_get("3"), "GET", "/accounts/3", None),
        (lambda c: c.account_create(account_name="Acme"), "POST", "/accounts", {"accountName": "Acme"}),
        (
            lambda c: c.account_update("3", annual_revenue=1250000.5, owner_id="9"),
            "PATCH",
            "/accounts/3",
            {"annualrevenue": "1250000.5", "ownerId": "9"},
        ),
        (
            lambda c: c.account_create(account_name="Acme", annual_revenue=None),
            "POST",
            "/accounts",
            {"accountName": "Acme", "annualrevenue": None},
        ),
        (
            lambda c: c.accounts_move_to_trash(account_ids=["3"]),
            "POST",
            "/accounts/moveToTrash",
            {"accountIds": ["3"]},
        ),
        (lambda c: c.agent_get("2"), "GET", "/agents/2", None),
        (
            lambda c: c.agent_add(email="a@example.com", last_name="Ng", associated_department_ids=["11"]),
            "POST",
            "/agents",
            {
                "emailId": "a@example.com",
                "lastName": "Ng",
                "rolePermissionType": "AgentPublic",
                "associatedDepartmentIds": ["11"],
            },
        ),
        (lambda c: c.agent_update("2", first_name="Al"), "PATCH", "/agents/2", {"firstName": "Al"}),
        (
            lambda c: c.agent_update("2", language_code="fr_FR", email="al@example.com"),
            "PATCH",
            "/agents/2",
            {"langCode": "fr_FR", "emailId": "al@example.com"},
        ),
        (lambda c: c.agents_activate(["2", "3"]), "POST", "/agents/activate", {"agentIds": ["2", "3"]}),
        (lambda c: c.agent_activate("2"), "POST", "/agents/activate", {"agentIds": ["2"]}),
        (lambda c: c.agent_deactivate("2"), "POST", "/agents/2/deactivate", None),
        (lambda c: c.agent_delete("2"), "DELETE", "/agents/2", None),
        (
            lambda c: c.agents_delete_unconfirmed(["4"]),
            "POST",
            "/agents/deleteUnconfirmed",
            {"agentIds": ["4"]},
        ),
        (lambda c: c.ticket_metrics("5"), "GET", "/tickets/5/metrics", None),
        (
            lambda c: c.ticket_tags_add("5", tags=["vip", "billing"]),
            "POST",
            "/tickets/5/associateTag",
            {"tags": ["vip", "billing"]},
        ),
        (
            lambda c: c.ticket_tags_remove("5", tags=["vip"]),
            "POST",
            "/tickets/5/dissociateTag",
            {"tags": ["vip"]},
        ),
        (
            lambda c: c.ticket_followers_add("5", follower_ids=["7"]),
            "POST",
            "/tickets/5/addFollowers",
            {"followerIds": ["7"]},
        ),
        (
            lambda c: c.ticket_followers_remove("5", follower_ids=["7"]),
            "POST",
            "/tickets/5/removeFollowers",
            {"followerIds": ["7"]},
        ),
        (lambda c: c.department_get("11"), "GET", "/departments/11", None),
        (lambda c: c.team_get("12"), "GET", "/teams/12", None),
        (lambda c: c.webhook_get("13"), "GET", "/webhooks/13", None),
        (lambda c: c.webhook_update("13", is_enabled=False), "PATCH", "/webhooks/13", {"isEnabled": False}),
        (lambda c: c.webhook_delete("13"), "DELETE", "/webhooks/13", None),
    ],
)
def test_each_operation_uses_the_real_desk_method_path_and_body(make_client, call, method, path, body):
    recorder = Recorder()

    call(make_client(recorder))

    assert recorder.last.method == method
    assert _path(recorder.last) == path
    assert recorder.last.headers["orgId"] == ORG
    assert recorder.last.headers["Authorization"] == "Zoho-oauthtoken 1000.first-token"
    if body is not None:
        assert recorder.last_json == body


def test_organizations_is_called_without_an_org_id_header(make_client):
    recorder = Recorder(
        httpx.Response(200, json={"data": [{"id": 700001, "companyName": "Acme", "edition": "ENTERPRISE"}]})
    )

    orgs = make_client(recorder, org_id=None).organizations()

    assert "orgId" not in recorder.last.headers
    assert orgs == [Organization(id="700001", company_name="Acme", edition="ENTERPRISE")]


def test_objects_are_snake_case_dataclasses_with_parsed_times_and_extras():
    ticket = Ticket.from_desk(
        {
            "id": "1",
            "ticketNumber": "101",
            "createdTime": "2026-11-25T10:00:00.000Z",
            "isOverDue": "false",
            "threadCount": "4",
            "assignee": {"id": "7", "firstName": "Sam", "emailId": "sam@example.com"},
            "someNewField": 3,
        }
    )

    assert ticket.ticket_number == "101"
    assert ticket.created_time == datetime(2026, 11, 25, 10, tzinfo=UTC)
    assert ticket.is_over_due is False
    assert ticket.thread_count == 4
    assert ticket.assignee == Agent(id="7", first_name="Sam", email="sam@example.com")
    assert ticket.extra == {"some_new_field": 3}


def test_ticket_create_sends_due_dates_in_desk_time_format(make_client):
    recorder = Recorder()

    make_client(recorder).ticket_create(
        subject="S", department_id="1", contact_id="2", due_date=datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    )

    assert recorder.last_json["dueDate"] == "2026-12-01T09:30:00.000Z"


def test_ticket_create_with_a_new_contact_sends_it_in_desk_form(make_client):
    recorder = Recorder()

    make_client(recorder).ticket_create(
        subject="S", department_id="1", contact={"last_name": "Doe", "email": "d@example.com"}
    )

    assert recorder.last_json["contact"] == {"lastName": "Doe", "email": "d@example.com"}
    assert "contactId" not in recorder.last_json


def test_reply_without_to_sends_only_the_required_fields(make_client):
    recorder = Recorder(httpx.Response(200, json={"id": "30"}))

    make_client(recorder).reply_send(
        "5", from_email_address="s@acme.test", content="Hi", channel="EMAIL", to=None
    )

    assert recorder.last_json == {
        "fromEmailAddress": "s@acme.test",
        "content": "Hi",
        "channel": "EMAIL",
        "contentType": "html",
    }


def test_reply_is_sent_with_from_email_address_not_from(make_client):
    recorder = Recorder(
        httpx.Response(200, json={"id": "30", "direction": "out", "fromEmailAddress": "s@acme.test"})
    )

    thread = make_client(recorder).reply_send(
        "5", to="c@example.com", from_email_address="s@acme.test", content="<p>Fixed</p>", cc="x@example.com"
    )

    assert _path(recorder.last) == "/tickets/5/sendReply"
    assert recorder.last_json == {
        "fromEmailAddress": "s@acme.test",
        "content": "<p>Fixed</p>",
        "channel": "EMAIL",
        "to": "c@example.com",
        "contentType": "html",
        "cc": "x@example.com",
    }
    assert thread == Thread(id="30", direction="out", from_email_address="s@acme.test")


def test_attachment_upload_is_multipart_with_is_public(make_client):
    recorder = Recorder(httpx.Response(200, json={"id": "4", "name": "log.txt", "size": "5"}))

    attachment = make_client(recorder).attachment_upload(
        "5", filename="log.txt", content=io.BytesIO(b"hello"), content_type="text/plain", is_public=True
    )

    request = recorder.last
    assert request.method == "POST"
    assert _path(request) == "/tickets/5/attachments"
    assert request.url.params["isPublic"] == "true"
    assert request.headers["Content-Type"].startswith("multipart/form-data")
    assert b'name="file"; filename="log.txt"' in request.content
    assert b"hello" in request.content
    assert (attachment.id, attachment.name, attachment.size) == ("4", "log.txt", 5)


def test_attachment_upload_resends_the_whole_file_after_a_connect_error(make_client):
    calls = []

    def handler(request):
        request.read()
        calls.append(request)
        if len(calls) == 1:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json={"id": "4"})

    make_client(handler).attachment_upload("5", filename="a.bin", content=io.BytesIO(b"\x00\x01payload"))

    assert b"\x00\x01payload" in calls[1].content


def test_attachment_download_follows_the_href_desk_gave(make_client):
    seen = []

    def handler(request):
        seen.append(str(request.url))
        return httpx.Response(200, content=b"bytes")

    href = "https://desk.zoho.com/api/v1/tickets/5/attachments/4/content?inline=false"
    with make_client(handler).attachment_download("5", "4", href=href) as download:
        assert download.read() == b"bytes"

    assert seen == [href]


def test_an_href_on_another_host_is_never_fetched_with_our_token(make_client):
    recorder = Recorder()

    with pytest.raises(DeskError, match="another host"):
        make_client(recorder).attachment_download("5", "4", href="https://evil.example/steal")

    assert recorder.requests == []


def test_upload_posts_a_multipart_file_to_uploads(make_client):
    recorder = Recorder(
        httpx.Response(200, json={"id": "77", "name": "a.txt", "size": "3", "href": "https://x"})
    )

    upload = make_client(recorder).upload(filename="a.txt", content=b"abc", content_type="text/plain")

    assert (recorder.last.method, _path(recorder.last)) == ("POST", "/uploads")
    assert b'name="file"; filename="a.txt"' in recorder.last.content
    assert (upload.id, upload.name, upload.size) == ("77", "a.txt", 3)


def test_attachment_download_streams_the_content_path(make_client):
    payload = bytes(range(256)) * 1000

    def handler(request):
        assert _path(request) == "/tickets/5/attachments/4/content"
        return httpx.Response(
            200,
            content=payload,
            headers={"Content-Type": "image/png", "Content-Disposition": 'attachment; filename="shot.png"'},
        )

    with make_client(handler).attachment_download("5", "4") as download:
        received = b"".join(download.iter_bytes(4096))

    assert received == payload
    assert download.filename == "shot.png"
    assert download.content_type == "image/png"


def test_a_download_holds_its_slot_until_closed(make_client):
    client = make_client(lambda request: httpx.Response(200, content=b"abc"))

    download = client.attachment_download("5", "4")
    assert client.http.budget.in_flight() == 1
    download.close()

    assert client.http.budget.in_flight() == 0


def test_tickets_count_reads_search_count(make_client):
    recorder = Recorder(httpx.Response(200, json={"data": [{"id": "1"}], "count": "17"}))

    assert make_client(recorder).tickets_count(status="Open", department_id="1") == 17
    assert _path(recorder.last) == "/tickets/search"
    assert dict(recorder.last.url.params) == {
        "status": "Open",
        "departmentId": "1",
        "from": "0",
        "limit": "1",
    }


def test_tickets_search_sends_time_ranges_in_desk_form_and_returns_items_and_count(make_client):
    recorder = Recorder(httpx.Response(200, json={"data": [{"id": "1"}, {"id": "2"}], "count": 4321}))
    start = datetime(2026, 11, 5, tzinfo=UTC)
    end = datetime(2026, 11, 6, 12, 30, 15, 250000, tzinfo=UTC)

    page = make_client(recorder).tickets_search(
        created_time_range=(start, end),
        modified_time_range=(start, end),
        sort_by="modifiedTime",
        from_index=200,
        limit=50,
    )

    assert _path(recorder.last) == "/tickets/search"
    assert dict(recorder.last.url.params) == {
        "createdTimeRange": "2026-11-05T00:00:00.000Z,2026-11-06T12:30:15.250Z",
        "modifiedTimeRange": "2026-11-05T00:00:00.000Z,2026-11-06T12:30:15.250Z",
        "sortBy": "modifiedTime",
        "from": "200",
        "limit": "50",
    }
    assert [ticket.id for ticket in page.items] == ["1", "2"]
    assert page.count == 4321


def test_a_search_that_matches_nothing_is_an_empty_page_with_count_zero(make_client):
    page = make_client(Recorder(httpx.Response(204))).tickets_search(query="nothing")

    assert (page.items, page.count) == ([], 0)


def test_searches_send_only_the_given_terms(make_client):
    recorder = Recorder(httpx.Response(204))

    client = make_client(recorder)
    client.tickets_search(email="c@example.com")
    assert _path(recorder.last) == "/tickets/search"
    assert dict(recorder.last.url.params) == {"email": "c@example.com", "from": "0", "limit": "100"}

    list(client.contacts_search(email="c@example.com"))
    assert _path(recorder.last) == "/contacts/search"

    list(client.accounts_search(account_name="Acme"))
    assert dict(recorder.last.url.params) == {"accountName": "Acme", "from": "0", "limit": "100"}


def test_agents_list_sorts_by_field_name_and_sort_order_never_sort_by(make_client):
    recorder = Recorder(httpx.Response(204))

    list(
        make_client(recorder).agents_list(
            status="ACTIVE", field_name="lastName", sort_order="desc", include=["profile", "role"]
        )
    )

    params = dict(recorder.last.url.params)
    assert params == {
        "status": "ACTIVE",
        "fieldName": "lastName",
        "sortOrder": "desc",
        "include": "profile,role",
        "from": "0",
        "limit": "100",
    }


def test_agent_add_requires_departments_and_sends_lang_code(make_client):
    recorder = Recorder(
        httpx.Response(200, json={"id": "2", "emailId": "a@example.com", "langCode": "fr_FR"})
    )
    client = make_client(recorder)

    agent = client.agent_add(
        email="a@example.com", last_name="Ng", associated_department_ids=["11"], language_code="fr_FR"
    )

    assert recorder.last_json["langCode"] == "fr_FR" and "languageCode" not in recorder.last_json
    assert (agent.email, agent.language_code) == ("a@example.com", "fr_FR")
    with pytest.raises(ValueError, match="department"):
        client.agent_add(email="a@example.com", last_name="Ng", associated_department_ids=[])


def test_account_annualrevenue_is_a_decimal_string_both_ways(make_client):
    recorder = Recorder(httpx.Response(200, json={"id": "3", "accountName": "Acme", "annualrevenue": "1e3"}))
    client = make_client(recorder)

    account = client.account_create(account_name="Acme", annual_revenue=1e20)

    assert recorder.last_json == {"accountName": "Acme", "annualrevenue": "100000000000000000000"}
    assert account.annual_revenue == 1000.0 and "annualrevenue" not in account.extra
    with pytest.raises(ValueError, match="annual revenue"):
        client.account_update("3", annual_revenue="lots")


def test_comment_and_attachment_deletes_accept_200_with_an_empty_body(make_client):
    recorder = Recorder(httpx.Response(200, content=b""))
    client = make_client(recorder)

    assert client.comment_delete("5", "6") is None
    assert client.attachment_delete("5", "7") is None
    assert recorder.last.method == "DELETE"


def test_teams_lists_read_the_teams_key_and_send_no_department_filter(make_client):
    recorder = Recorder(httpx.Response(200, json={"teams": []}))
    client = make_client(recorder)

    assert client.teams_list() == []
    assert _path(recorder.last) == "/teams" and "departmentId" not in recorder.last.url.params
    recorder.answer = httpx.Response(200, json={"teams": [{"id": "12", "name": "Tier 2"}]})
    assert [t.id for t in client.teams_list(department_id="11")] == ["12"]
    assert _path(recorder.last) == "/departments/11/teams"


def test_by_ids_calls_use_each_operations_documented_path_and_id_parameter(make_client):
    recorder = Recorder(httpx.Response(200, json={"data": [{"id": "1"}]}))
    client = make_client(recorder)

    assert [t.id for t in client.tickets_by_ids(["1", "2"])] == ["1"]
    assert _path(recorder.last) == "/tickets/search"
    assert dict(recorder.last.url.params) == {"id": "1,2", "from": "0", "limit": "2"}

    client.contacts_by_ids(["3", "4"])
    assert _path(recorder.last) == "/contacts/contactsByIds"
    assert dict(recorder.last.url.params) == {"ids": "3,4"}

    client.agents_by_ids(["5"])
    assert _path(recorder.last) == "/agentsByIds"
    assert dict(recorder.last.url.params) == {"agentIds": "5"}


def test_contacts_by_ids_asks_twenty_at_a_time(make_client):
    recorder = Recorder(httpx.Response(200, json={"data": []}))

    make_client(recorder).contacts_by_ids([str(n) for n in range(45)])

    assert [len(r.url.params["ids"].split(",")) for r in recorder.requests] == [20, 20, 5]


def test_tags_followers_and_counts_read_their_lists(make_client):
    answers = {
        "/tickets/5/tags": {"tags": [{"id": "9", "name": "vip", "tagType": "MANUAL"}]},
        "/tags/search": {"data": [{"id": "9", "name": "vip", "tagType": "MANUAL", "ticketCount": "3"}]},
        "/tickets/5/followers": {"data": [{"id": "7", "lastName": "Adams", "following": "tickets"}]},
        "/agentsTicketsCount": {
            "data": [{"agentId": "7", "openCount": 12, "overDueCount": 2, "isOnline": True}]
        },
        "/mailReplyAddress": {"data": [{"id": "1", "address": "support@acme.test", "isActive": True}]},
    }
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json=answers[_path(request)])

    client = make_client(handler)
    assert [(t.id, t.name, t.tag_type) for t in client.ticket_tags_list("5")] == [("9", "vip", "MANUAL")]
    assert client.tags_search(department_id="11", search="vi")[0].ticket_count == 3
    assert dict(seen[-1].url.params) == {"searchVal": "vi", "departmentId": "11", "from": "0", "limit": "100"}
    follower = client.ticket_followers_list("5")[0]
    assert (follower.id, follower.last_name, follower.following) == ("7", "Adams", "tickets")
    count = client.agents_tickets_count(agent_ids=["7"], department_id="11")[0]
    assert (count.agent_id, count.open_count, count.overdue_count, count.is_online) == ("7", 12, 2, True)
    assert dict(seen[-1].url.params) == {"agentIds": "7", "departmentId": "11"}
    address = client.support_email_addresses()[0]
    assert (address.address, address.is_active) == ("support@acme.test", True)
    assert dict(seen[-1].url.params) == {"departmentId": "allDepartment", "from": "1", "limit": "100"}


def test_teams_list_reads_all_teams_or_one_departments(make_client):
    recorder = Recorder(
        httpx.Response(200, json={"teams": [{"id": "12", "name": "Tier 2", "departmentId": "11"}]})
    )
    client = make_client(recorder)

    assert [t.name for t in client.teams_list()] == ["Tier 2"]
    assert _path(recorder.last) == "/teams"
    client.teams_list(department_id="11")
    assert _path(recorder.last) == "/departments/11/teams"


def test_webhook_create_uses_the_real_subscriptions_form(make_client):
    recorder = Recorder(
        httpx.Response(
            200,
            json={
                "id": "13",
                "name": "DeskAdmin",
                "url": "https://console.example/hooks/abc",
                "subscriptions": {"Ticket_Add": None},
                "isEnabled": True,
            },
        )
    )

    webhook = make_client(recorder).webhook_create(
        name="DeskAdmin",
        url="https://console.example/hooks/abc",
        subscriptions={"Ticket_Add": None, "Ticket_Update": {"includePrevState": True}},
        ignore_source_id="2b7f0c2e-0000-4000-8000-000000000000",
    )

    assert _path(recorder.last) == "/webhooks"
    assert recorder.last_json == {
        "name": "DeskAdmin",
        "url": "https://console.example/hooks/abc",
        "subscriptions": {"Ticket_Add": None, "Ticket_Update": {"includePrevState": True}},
        "ignoreSourceId": "2b7f0c2e-0000-4000-8000-000000000000",
        "isEnabled": True,
    }
    assert webhook == Webhook(
        id="13",
        name="DeskAdmin",
        url="https://console.example/hooks/abc",
        subscriptions={"Ticket_Add": None},
        is_enabled=True,
    )


def test_webhooks_list_of_none_is_empty(make_client):
    assert make_client(Recorder(httpx.Response(204))).webhooks_list() == []


def test_ticket_sla_comes_from_the_ticket_due_times_in_the_real_form(make_client):
    recorder = Recorder(
        httpx.Response(
            200,
            json={
                "id": "5",
                "dueDate": "2026-11-27T10:00:00.000Z",
                "responseDueDate": "2026-11-25T12:00:00.000Z",
            },
        )
    )

    sla = make_client(recorder).ticket_sla_get("5")

    assert _path(recorder.last) == "/tickets/5"
    assert sla.response.due_time == datetime(2026, 11, 25, 12, tzinfo=UTC)
    assert sla.resolution.due_time == datetime(2026, 11, 27, 10, tzinfo=UTC)


def test_the_unconfirmed_switch_only_picks_the_sla_policies_path(make_client, settings):
    recorder = Recorder(httpx.Response(204))
    make_client(recorder).sla_policies_list()
    assert _path(recorder.last) == "/slas"

    settings.DESK_UNCONFIRMED_REAL_FORMS = False
    make_client(recorder).sla_policies_list()
    assert _path(recorder.last) == "/sla"
    make_client(recorder).agent_delete("2")
    assert (recorder.last.method, _path(recorder.last)) == ("DELETE", "/agents/2")


def test_path_ids_are_escaped_so_they_cannot_change_the_url(make_client):
    recorder = Recorder()

    make_client(recorder).ticket_get("../organizations")

    assert recorder.last.url.raw_path.startswith(b"/api/v1/tickets/..%2Forganizations")


def test_empty_id_lists_are_refused_before_any_call(make_client):
    recorder = Recorder()

    with pytest.raises(ValueError, match="ticket"):
        make_client(recorder).tickets_move_to_trash(ticket_ids=[])

    assert recorder.requests == []


def _full_page(size: int = 100, **headers: str) -> httpx.Response:
    items = [{"id": str(n), "subject": f"S{n}", "customThing": n} for n in range(size)]
    return httpx.Response(200, json={"data": items}, headers=headers)


def test_list_pages_count_from_the_operations_first_index(make_client):
    """Walkers pass the records already walked; Account.json's lists count ``from`` from 1."""
    recorder = Recorder(httpx.Response(204))
    client = make_client(recorder)
    sent = []
    for call in (
        lambda: client.accounts_list_page(sort_by="createdTime"),
        lambda: client.accounts_list_page(sort_by="createdTime", offset=100),
        lambda: client.contacts_list_page(sort_by="-modifiedTime", offset=100),
        lambda: client.tickets_list_page(sort_by="-recentThread", offset=200),
        lambda: client.agents_list_page(offset=100),
        lambda: client.departments_list_page(),
    ):
        call()
        sent.append((_path(recorder.last), dict(recorder.last.url.params)))

    assert sent == [
        ("/accounts", {"sortBy": "createdTime", "from": "1", "limit": "100"}),
        ("/accounts", {"sortBy": "createdTime", "from": "101", "limit": "100"}),
        ("/contacts", {"sortBy": "-modifiedTime", "from": "100", "limit": "100"}),
        ("/tickets", {"sortBy": "-recentThread", "from": "200", "limit": "100"}),
        ("/agents", {"from": "100", "limit": "100"}),
        ("/departments", {"from": "0", "limit": "100"}),
    ]


def test_a_list_page_keeps_desks_json_and_says_where_the_next_starts_and_what_it_cost(make_client):
    client = make_client(Recorder(_full_page(**{"X-Rate-Limit-Request-Weight-v3": "3"})))

    page = client.tickets_list_page(sort_by="createdTime", offset=100)

    assert len(page.items) == 100 and page.items[0] == {"id": "0", "subject": "S0", "customThing": 0}
    assert (page.from_index, page.next_from, page.count, page.credits) == (100, 200, None, 3)


def test_a_short_page_or_a_204_is_the_last_and_a_deep_page_costs_its_offsets_weight(make_client):
    short = make_client(Recorder(_full_page(40))).tickets_list_page(offset=2_100)
    empty = make_client(Recorder(httpx.Response(204))).contacts_list_page()

    assert (len(short.items), short.next_from) == (40, None)
    assert short.credits == 5  # no weight header: the budget's list_weight of from=2,100
    assert (empty.items, empty.next_from, empty.count) == ([], None, 0)


def test_search_pages_send_one_time_range_and_return_desks_count(make_client):
    recorder = Recorder(httpx.Response(200, json={"data": [{"id": "1", "createdTime": "x"}], "count": "250"}))
    client = make_client(recorder)
    start = datetime(2026, 11, 5, tzinfo=UTC)
    end = datetime(2026, 11, 6, 12, 30, 15, 250000, tzinfo=UTC)

    page = client.tickets_search_page(
        created_time_range=(start, end), sort_by="-createdTime", department_id="9", from_index=900
    )

    assert _path(recorder.last) == "/tickets/search"
    assert dict(recorder.last.url.params) == {
        "createdTimeRange": "2026-11-05T00:00:00.000Z,2026-11-06T12:30:15.250Z",
        "sortBy": "-createdTime",
        "departmentId": "9",
        "from": "900",
        "limit": "100",
    }
    assert (page.items, page.count, page.next_from) == ([{"id": "1", "createdTime": "x"}], 250, None)

    client.contacts_search_page(modified_time_range=(start, end), sort_by="modifiedTime")
    assert _path(recorder.last) == "/contacts/search"
    assert dict(recorder.last.url.params) == {
        "modifiedTimeRange": "2026-11-05T00:00:00.000Z,2026-11-06T12:30:15.250Z",
        "sortBy": "modifiedTime",
        "from": "0",
        "limit": "100",
    }
    client.accounts_search_page(created_time_range=(start, end), sort_by="createdTime")
    assert _path(recorder.last) == "/accounts/search"
    assert recorder.last.url.params["from"] == "0"  # Search.json counts from 0, unlike getAccounts


def test_a_search_answer_without_a_count_has_none(make_client):
    page = make_client(Recorder(httpx.Response(200, json={"data": []}))).tickets_search_page()

    assert page.count is None


def test_unpaged_list_pages_send_no_from(make_client):
    recorder = Recorder(httpx.Response(200, json={"teams": [{"id": "5"}]}))
    client = make_client(recorder, unconfirmed_real_forms=False)

    teams = client.teams_list_page()
    assert (_path(recorder.last), dict(recorder.last.url.params)) == ("/teams", {})
    assert (teams.items, teams.next_from, teams.from_index) == ([{"id": "5"}], None, None)

    client.sla_policies_list_page()
    assert (_path(recorder.last), dict(recorder.last.url.params)) == ("/sla", {})


def test_ticket_merge_returns_the_merged_ticket_and_needs_ids(make_client):
    recorder = Recorder(httpx.Response(200, json={"id": "5", "subject": "Kept", "ticketNumber": "101"}))

    merged = make_client(recorder).ticket_merge("5", ids=["6"])

    assert isinstance(merged, Ticket) and merged.id == "5" and merged.subject == "Kept"
    with pytest.raises(ValueError):
        make_client(recorder).ticket_merge("5", ids=[])


def test_ticket_merge_is_not_retried_after_a_read_timeout(make_client):
    calls = []

    def handler(request):
        calls.append(request)
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(DeskError):
        make_client(handler).ticket_merge("5", ids=["6"])

    assert len(calls) == 1
