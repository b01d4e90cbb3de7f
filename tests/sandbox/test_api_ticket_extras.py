"""Ticket extras over real HTTP: ticketsByIds, tags (TicketTag.json), followers (TicketFollowers.json),
metrics and agentsTicketsCount (Ticket.json), From addresses (MailReplyAddress.json)."""
# ruff: noqa: F811 - pytest fixtures imported from api_fixtures are redefined as test arguments

import datetime as dt

import pytest

from apps.sandbox import models as m
from tests.sandbox.api_fixtures import desk  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)


# -- ticketsByIds -------------------------------------------------------------------------------------


def test_tickets_by_ids_answers_the_found_tickets_in_the_order_asked(desk):
    first, second = desk.new_ticket(), desk.new_ticket()
    response = desk.client.get("/ticketsByIds", params={"ids": f"{second['id']},999,{first['id']}"})
    assert response.status_code == 200
    assert [t["id"] for t in response.json()["data"]] == [second["id"], first["id"]]
    with_contact = desk.client.get("/ticketsByIds", params={"ids": first["id"], "include": "contacts"}).json()
    assert with_contact["data"][0]["contact"]["lastName"] == "Gibbons"


def test_tickets_by_ids_validates_its_ids(desk):
    assert desk.client.get("/ticketsByIds", params={"ids": "999"}).status_code == 204
    missing = desk.client.get("/ticketsByIds")
    assert missing.status_code == 422 and missing.json()["errors"][0]["fieldName"] == "/ids"
    assert desk.client.get("/ticketsByIds", params={"ids": "abc"}).status_code == 422
    too_many = ",".join(str(n) for n in range(1, 52))
    assert desk.client.get("/ticketsByIds", params={"ids": too_many}).status_code == 422
    assert desk.client.get("/ticketsByIds", params={"ids": "1", "limit": "5"}).status_code == 422


# -- tags ---------------------------------------------------------------------------------------------


def test_associate_list_and_dissociate_tags(desk):
    ticket = desk.new_ticket()
    base = f"/tickets/{ticket['id']}"
    assert desk.client.get(f"{base}/tags").json() == {"tags": []}
    added = desk.client.post(f"{base}/associateTag", json={"tags": ["refund", "VIP"]})
    assert added.status_code == 200, added.text
    assert sorted(t["name"] for t in added.json()["data"]) == ["VIP", "refund"]
    assert all(t["tagType"] == "MANUAL" and t["id"].isdigit() for t in added.json()["data"])
    again = desk.client.post(f"{base}/associateTag", json={"tags": ["REFUND"]}).json()["data"]
    assert len(again) == 2  # names match without regard to case
    assert desk.client.get(base).json()["tagCount"] == "2"
    removed = desk.client.post(f"{base}/dissociateTag", json={"tags": ["vip"]})
    assert removed.status_code == 200 and removed.content == b""
    assert [t["name"] for t in desk.client.get(f"{base}/tags").json()["tags"]] == ["refund"]


@pytest.mark.parametrize(
    "body", [{}, {"tags": []}, {"tags": ["ab"]}, {"tags": "refund"}, {"tags": ["ok1"], "x": 1}]
)
def test_tag_bodies_are_validated(desk, body):
    ticket = desk.new_ticket()
    response = desk.client.post(f"/tickets/{ticket['id']}/associateTag", json=body)
    assert response.status_code == 422
    assert response.json()["errorCode"] == "INVALID_DATA"


def test_ticket_tags_list_search_and_tickets_by_tag(desk):
    first, second = desk.new_ticket(), desk.new_ticket()
    desk.client.post(f"/tickets/{first['id']}/associateTag", json={"tags": ["refund", "billing"]})
    desk.client.post(f"/tickets/{second['id']}/associateTag", json={"tags": ["refund"]})
    department = str(desk.department.pk)
    listed = desk.client.get("/ticketTags", params={"departmentId": department, "sortBy": "-count"}).json()[
        "data"
    ]
    assert [(t["name"], t["ticketCount"]) for t in listed] == [("refund", "2"), ("billing", "1")]
    assert desk.client.get("/ticketTags").status_code == 422  # departmentId is required
    assert (
        desk.client.get("/ticketTags", params={"departmentId": department, "sortBy": "name"}).status_code
        == 422
    )
    found = desk.client.get("/tags/search", params={"departmentId": department, "searchVal": "ref"}).json()[
        "data"
    ]
    assert [t["name"] for t in found] == ["refund"]
    tag_id = found[0]["id"]
    tickets = desk.client.get(f"/tags/{tag_id}/tickets", params={"sortBy": "createdTime"}).json()["data"]
    assert [t["id"] for t in tickets] == [first["id"], second["id"]]
    other = desk.client.get(
        "/tags/search", params={"departmentId": str(desk.second_department.pk), "searchVal": "ref"}
    ).json()["data"]
    assert other == []


# -- followers ----------------------------------------------------------------------------------------


def test_add_list_and_remove_followers(desk):
    ticket = desk.new_ticket()
    base = f"/tickets/{ticket['id']}"
    assert desk.client.get(f"{base}/followers").json() == {"data": []}
    added = desk.client.post(
        f"{base}/addFollowers", json={"followerIds": [str(desk.agent.pk), str(desk.other_agent.pk)]}
    )
    assert added.status_code == 204 and added.content == b""
    followers = desk.client.get(f"{base}/followers").json()["data"]
    assert {f["id"] for f in followers} == {str(desk.agent.pk), str(desk.other_agent.pk)}
    assert all(f["following"] == "tickets" for f in followers)
    detail = desk.client.get(base).json()
    assert detail["followerCount"] == "2" and detail["isFollowing"] is True
    assert (
        desk.client.post(f"{base}/addFollowers", json={"followerIds": [str(desk.agent.pk)]}).status_code
        == 204
    )
    removed = desk.client.post(f"{base}/removeFollowers", json={"followerIds": [str(desk.agent.pk)]})
    assert removed.status_code == 204
    assert [f["id"] for f in desk.client.get(f"{base}/followers").json()["data"]] == [
        str(desk.other_agent.pk)
    ]


def test_followers_must_be_agents_of_the_org(desk):
    ticket = desk.new_ticket()
    response = desk.client.post(f"/tickets/{ticket['id']}/addFollowers", json={"followerIds": ["12345"]})
    assert response.status_code == 422
    assert response.json()["errors"][0]["fieldName"] == "/followerIds"
    assert desk.client.post(f"/tickets/{ticket['id']}/addFollowers", json={}).status_code == 422
    assert desk.client.post("/tickets/999/addFollowers", json={"followerIds": ["1"]}).status_code == 404


# -- metrics ------------------------------------------------------------------------------------------


def test_metrics_measure_responses_and_resolution(desk):
    ticket = desk.new_ticket(description="help", assigneeId=str(desk.agent.pk))
    created = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
    m.Ticket.objects.filter(pk=int(ticket["id"])).update(created_time=created)
    m.Thread.objects.filter(ticket_id=int(ticket["id"])).update(created_time=created)
    desk.client.post(
        f"/tickets/{ticket['id']}/sendReply",
        json={"channel": "EMAIL", "content": "On it", "fromEmailAddress": "support@acme.test"},
    )
    reply = m.Thread.objects.get(ticket_id=int(ticket["id"]), direction="out")
    m.Thread.objects.filter(pk=reply.pk).update(created_time=created + dt.timedelta(hours=1, minutes=50))
    m.Ticket.objects.filter(pk=int(ticket["id"])).update(
        first_response_time=created + dt.timedelta(hours=1, minutes=50),
        status="Closed",
        status_type="Closed",
        closed_time=created + dt.timedelta(hours=2, minutes=50),
    )
    body = desk.client.get(f"/tickets/{ticket['id']}/metrics").json()
    assert body["firstResponseTime"] == "01:50 hrs"
    assert body["totalResponseTime"] == "01:50 hrs"
    assert body["resolutionTime"] == "02:50 hrs"
    assert body["responseCount"] == "1" and body["outgoingCount"] == "1" and body["threadCount"] == "2"
    assert body["reopenCount"] == "0" and body["reassignCount"] == "0"
    assert body["agentsHandled"][0]["agentId"] == str(desk.agent.pk)
    assert body["stagingData"] == [{"status": "Closed", "handledTime": "02:50 hrs"}]


def test_metrics_of_an_unanswered_ticket(desk):
    ticket = desk.new_ticket()
    body = desk.client.get(f"/tickets/{ticket['id']}/metrics").json()
    assert body["firstResponseTime"] == "" and body["resolutionTime"] == ""
    assert body["responseCount"] == "0"
    assert desk.client.get(f"/tickets/{ticket['id']}/metrics", params={"include": "x"}).status_code == 422
    assert desk.client.get("/tickets/999/metrics").status_code == 404


# -- agentsTicketsCount -------------------------------------------------------------------------------


def test_agents_tickets_count_per_agent(desk):
    agent, other = str(desk.agent.pk), str(desk.other_agent.pk)
    desk.new_ticket(assigneeId=agent)
    desk.new_ticket(assigneeId=agent, status="On Hold")
    desk.new_ticket(assigneeId=agent, dueDate="2020-01-01T00:00:00.000Z")
    response = desk.client.get("/agentsTicketsCount", params={"agentIds": f"{agent},{other}"})
    assert response.status_code == 200
    rows = {row["agentId"]: row for row in response.json()["data"]}
    assert rows[agent]["openCount"] == 2 and rows[agent]["onholdCount"] == 1
    assert rows[agent]["overDueCount"] == 1 and rows[agent]["dueIn1HrCount"] == 0
    assert rows[other]["openCount"] == 0 and rows[other]["isOnline"] is True
    second = desk.client.get(
        "/agentsTicketsCount", params={"agentIds": agent, "departmentId": str(desk.second_department.pk)}
    ).json()
    assert second["data"][0]["openCount"] == 0
    all_departments = {"agentIds": agent, "departmentId": "allDepartment"}
    assert desk.client.get("/agentsTicketsCount", params=all_departments).json()["data"][0]["openCount"] == 2


def test_agents_tickets_count_requires_known_agent_ids(desk):
    missing = desk.client.get("/agentsTicketsCount")
    assert missing.status_code == 422 and missing.json()["errors"][0]["fieldName"] == "/agentIds"
    unknown = desk.client.get("/agentsTicketsCount", params={"agentIds": "42"})
    assert unknown.status_code == 422 and unknown.json()["errorCode"] == "INVALID_DATA"
    assert desk.client.get("/agentsTicketsCount", params={"agentIds": "x"}).status_code == 422


# -- From addresses -----------------------------------------------------------------------------------


def test_mail_reply_addresses_list_the_departments_from_addresses(desk):
    response = desk.client.get("/mailReplyAddress", params={"departmentId": "allDepartment"})
    assert response.status_code == 200
    rows = response.json()["data"]
    assert [r["address"] for r in rows] == ["support@acme.test"]
    row = rows[0]
    assert row["departmentId"] == str(desk.department.pk)
    assert row["isActive"] is True and row["isVerified"] is True and row["isDepartmentDefault"] is True
    one = desk.client.get(f"/mailReplyAddress/{row['id']}").json()
    assert one["data"]["address"] == "support@acme.test"
    billing = desk.client.get("/mailReplyAddress", params={"departmentId": str(desk.second_department.pk)})
    assert billing.status_code == 204
    assert desk.client.get("/mailReplyAddress").status_code == 422
    assert (
        desk.client.get("/mailReplyAddress", params={"departmentId": "allDepartment", "from": 0}).status_code
        == 422
    )
    assert (
        desk.client.get("/mailReplyAddress", params={"departmentId": "allDepartment", "from": 2}).status_code
        == 204
    )


def test_an_inactive_from_address_cannot_send(desk):
    desk.client.get("/mailReplyAddress", params={"departmentId": "allDepartment"})
    m.MailReplyAddress.objects.filter(org=desk.org).update(is_active=False)
    ticket = desk.new_ticket()
    response = desk.client.post(
        f"/tickets/{ticket['id']}/sendReply",
        json={"channel": "EMAIL", "content": "x", "fromEmailAddress": "support@acme.test"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["fieldName"] == "/fromEmailAddress"


def test_mail_reply_addresses_need_a_settings_or_basic_scope(desk):
    client = desk.client_with(desk.token_for(["Desk.tickets.ALL"]), org_id=str(desk.org.pk))
    response = client.get("/mailReplyAddress", params={"departmentId": "allDepartment"})
    assert response.status_code == 403
