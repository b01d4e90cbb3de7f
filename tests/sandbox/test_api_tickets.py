"""The sandbox's ticket operations over real HTTP, as Ticket.json has them: list/filter/sort/page, CRUD,
trash, and the reference document's forms (DELETE, /sla, /ticketsCount) only as an opt-in."""
# ruff: noqa: F811 - pytest fixtures imported from api_fixtures are redefined as test arguments

import datetime as dt

import pytest

from apps.sandbox import models as m
from tests.sandbox.api_fixtures import desk  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)


def _parse(value):
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_empty_ticket_list_answers_204_with_no_body(desk):
    response = desk.client.get("/tickets")
    assert response.status_code == 204
    assert response.content == b""
    assert "X-Rate-Limit-Remaining-v3" in response.headers


def test_create_ticket_returns_desk_json_with_string_ids_and_sla_due_dates(desk):
    ticket = desk.new_ticket(priority="High", description="It is on fire", channel="Phone")
    assert ticket["subject"] == "Printer on fire"
    assert ticket["id"].isdigit() and isinstance(ticket["id"], str)
    assert ticket["ticketNumber"] == "1"
    assert ticket["status"] == "Open" and ticket["statusType"] == "Open"
    assert ticket["contactId"] == str(desk.contact.pk)
    assert ticket["accountId"] == str(desk.account.pk)
    assert ticket["email"] == "peter@initech.test"
    assert ticket["channel"] == "Phone"
    assert ticket["createdTime"].endswith("Z") and len(ticket["createdTime"]) == 24
    created = _parse(ticket["createdTime"])
    # The policy gives High tickets 1 h to respond and 8 h to resolve, in calendar hours.
    assert _parse(ticket["responseDueDate"]) - created == dt.timedelta(hours=1)
    assert _parse(ticket["dueDate"]) - created == dt.timedelta(hours=8)
    assert ticket["threadCount"] == "1"


def test_create_ticket_with_contact_object_creates_the_contact(desk):
    ticket = desk.new_ticket(contactId=None, contact={"lastName": "Lumbergh", "email": "bill@initech.test"})
    contact = m.Contact.objects.get(pk=int(ticket["contactId"]))
    assert contact.last_name == "Lumbergh"
    assert contact.email == "bill@initech.test"


def test_create_ticket_without_required_fields_names_each_field(desk):
    response = desk.client.post("/tickets", json={"priority": "Bogus"})
    assert response.status_code == 422
    body = response.json()
    assert body["errorCode"] == "INVALID_DATA"
    fields = {error["fieldName"] for error in body["errors"]}
    assert {"/subject", "/departmentId", "/contactId", "/priority"} <= fields
    assert all(error["errorMessage"] for error in body["errors"])


def test_create_ticket_with_unknown_department_or_field_is_rejected(desk):
    response = desk.client.post(
        "/tickets",
        json={"subject": "x", "departmentId": "999", "contactId": str(desk.contact.pk), "flavour": "mint"},
    )
    assert response.status_code == 422
    fields = {error["fieldName"]: error["errorType"] for error in response.json()["errors"]}
    assert fields["/departmentId"] == "invalid"
    assert fields["/flavour"] == "invalid"


def test_create_ticket_with_invalid_json_is_a_422_not_a_500(desk):
    response = desk.client.post(
        "/tickets", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422


def test_get_ticket_with_includes_embeds_related_records(desk):
    ticket = desk.new_ticket(assigneeId=str(desk.agent.pk), teamId=str(desk.team.pk))
    response = desk.client.get(
        f"/tickets/{ticket['id']}", params={"include": "contacts,assignee,departments,team"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["contact"]["lastName"] == "Gibbons"
    assert body["assignee"]["id"] == str(desk.agent.pk)
    assert body["department"]["name"] == "Support"
    assert body["team"]["name"] == "Tier 1"
    assert body["followerCount"] == "0" and body["tagCount"] == "0" and body["isFollowing"] is False
    more = desk.client.get(f"/tickets/{ticket['id']}", params={"include": "contract,isRead,skills,products"})
    assert more.status_code == 200
    assert {"contractId", "isRead", "skillsInfo", "product"} <= set(more.json())
    assert desk.client.get(f"/tickets/{ticket['id']}", params={"include": "threads"}).status_code == 422


def test_unknown_ticket_is_a_desk_404(desk):
    response = desk.client.get("/tickets/12345")
    assert response.status_code == 404
    assert response.json()["errorCode"] == "URL_NOT_FOUND"
    assert desk.client.get("/tickets/not-a-number").status_code == 404


def test_ticket_of_another_org_is_not_visible(desk):
    ticket = desk.new_ticket()
    other = desk.client_with(desk.token, org_id=str(desk.other_org.pk))
    assert other.get(f"/tickets/{ticket['id']}").status_code == 404


def test_list_pages_with_from_and_limit(desk):
    ids = [desk.new_ticket(subject=f"T{i}")["id"] for i in range(5)]
    first = desk.client.get("/tickets", params={"from": 0, "limit": 2, "sortBy": "createdTime"}).json()[
        "data"
    ]
    second = desk.client.get("/tickets", params={"from": 2, "limit": 2, "sortBy": "createdTime"}).json()[
        "data"
    ]
    last = desk.client.get("/tickets", params={"from": 4, "limit": 2, "sortBy": "createdTime"}).json()["data"]
    assert [t["id"] for t in first + second + last] == ids
    assert desk.client.get("/tickets", params={"from": 5, "limit": 2}).status_code == 204


def test_sort_by_with_minus_prefix_is_descending(desk):
    ids = [desk.new_ticket(subject=f"T{i}")["id"] for i in range(3)]
    body = desk.client.get("/tickets", params={"sortBy": "-createdTime"}).json()
    assert [t["id"] for t in body["data"]] == list(reversed(ids))


@pytest.mark.parametrize("sort", ["dueDate", "-dueDate", "createdTime", "recentThread", "-recentThread"])
def test_list_accepts_exactly_the_documented_sorts(desk, sort):
    desk.new_ticket()
    assert desk.client.get("/tickets", params={"sortBy": sort}).status_code == 200


@pytest.mark.parametrize("sort", ["modifiedTime", "-modifiedTime", "ticketNumber", "subject"])
def test_list_refuses_sorts_getTickets_does_not_list(desk, sort):
    desk.new_ticket()
    response = desk.client.get("/tickets", params={"sortBy": sort})
    assert response.status_code == 422
    body = response.json()
    assert body["errorCode"] == "UNPROCESSABLE_ENTITY"
    assert body["errors"][0]["fieldName"] == "/sortBy"


def test_list_default_limit_is_25(desk):
    for i in range(27):
        desk.new_ticket(subject=f"T{i}")
    assert len(desk.client.get("/tickets").json()["data"]) == 25


@pytest.mark.parametrize("include", ["contacts", "products", "departments", "team", "assignee"])
def test_list_accepts_each_documented_include(desk, include):
    desk.new_ticket()
    assert desk.client.get("/tickets", params={"include": include}).status_code == 200


@pytest.mark.parametrize("include", ["contract", "isRead", "skills", "threads"])
def test_list_refuses_includes_only_one_ticket_has(desk, include):
    desk.new_ticket()
    response = desk.client.get("/tickets", params={"include": include})
    assert response.status_code == 422
    assert response.json()["errors"][0]["fieldName"] == "/include"


@pytest.mark.parametrize("param", ["contactId", "accountId", "teamId", "searchStr", "email"])
def test_list_refuses_filters_getTickets_does_not_list(desk, param):
    response = desk.client.get("/tickets", params={param: "1"})
    assert response.status_code == 422
    assert param in response.json()["message"]


def test_list_filters_by_team_ids_and_validates_received_in_days(desk):
    mine = desk.new_ticket(teamId=str(desk.team.pk))
    desk.new_ticket()
    body = desk.client.get("/tickets", params={"teamIds": str(desk.team.pk)}).json()
    assert [t["id"] for t in body["data"]] == [mine["id"]]
    assert desk.client.get("/tickets", params={"receivedInDays": "7"}).status_code == 422
    assert desk.client.get("/tickets", params={"receivedInDays": "-1"}).status_code == 200
    assert desk.client.get("/tickets", params={"filters": "{not json"}).status_code == 422


@pytest.mark.parametrize(
    "params",
    [{"sortOrder": "asc"}, {"limit": "101"}, {"limit": "0"}, {"from": "-1"}, {"sortBy": "color"}],
)
def test_unknown_params_and_out_of_range_values_are_422(desk, params):
    response = desk.client.get("/tickets", params=params)
    assert response.status_code == 422
    assert response.json()["errorCode"] == "UNPROCESSABLE_ENTITY"


def test_unknown_param_message_names_the_parameter(desk):
    response = desk.client.get("/tickets", params={"sortOrder": "asc"})
    assert "sortOrder" in response.json()["message"]


def test_list_filters_by_status_priority_channel_department_and_assignee(desk):
    a = desk.new_ticket(priority="High", channel="Phone", assigneeId=str(desk.agent.pk))
    b = desk.new_ticket(priority="Low", status="On Hold")
    c = desk.new_ticket(departmentId=str(desk.second_department.pk), channel="Chat")

    def ids(**params):
        response = desk.client.get("/tickets", params=params)
        return set() if response.status_code == 204 else {t["id"] for t in response.json()["data"]}

    assert ids(status="Open") == {a["id"], c["id"]}
    assert ids(status="Open,On Hold") == {a["id"], b["id"], c["id"]}
    assert ids(priority="High") == {a["id"]}
    assert ids(channel="Chat") == {c["id"]}
    assert ids(departmentId=str(desk.second_department.pk)) == {c["id"]}
    assert ids(departmentIds=f"{desk.department.pk},{desk.second_department.pk}") == {
        a["id"],
        b["id"],
        c["id"],
    }
    assert ids(assignee=str(desk.agent.pk)) == {a["id"]}
    assert ids(assignee="Unassigned") == {b["id"], c["id"]}


def test_custom_status_filters_and_sets_its_status_type(desk):
    desk.org.custom_statuses = [{"name": "Waiting on Customer", "statusType": "On Hold"}]
    desk.org.save()
    ticket = desk.new_ticket(status="Waiting on Customer")
    assert ticket["statusType"] == "On Hold"
    body = desk.client.get("/tickets", params={"status": "Waiting on Customer"}).json()
    assert [t["id"] for t in body["data"]] == [ticket["id"]]


def test_fields_param_limits_the_keys(desk):
    desk.new_ticket()
    row = desk.client.get("/tickets", params={"fields": "subject,status"}).json()["data"][0]
    assert set(row) == {"id", "subject", "status"}


def test_tickets_count_is_not_a_desk_path(desk):
    response = desk.client.get("/ticketsCount")
    assert response.status_code == 404
    assert response.json()["errorCode"] == "URL_NOT_FOUND"


def test_tickets_count_reference_form_uses_the_same_filters(desk, settings):
    settings.SANDBOX_REFERENCE_FORMS = True
    desk.new_ticket(priority="High")
    desk.new_ticket(priority="Low")
    assert desk.client.get("/ticketsCount").json() == {"count": 2}
    assert desk.client.get("/ticketsCount", params={"priority": "High"}).json() == {"count": 1}
    assert desk.client.get("/ticketsCount", params={"from": "1"}).status_code == 422


def test_patch_updates_fields_and_closing_sets_closed_time(desk):
    ticket = desk.new_ticket()
    response = desk.client.patch(
        f"/tickets/{ticket['id']}",
        json={
            "status": "Closed",
            "priority": "Urgent",
            "assigneeId": str(desk.agent.pk),
            "teamId": str(desk.team.pk),
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "Closed" and body["statusType"] == "Closed"
    assert body["closedTime"] is not None
    assert body["priority"] == "Urgent"
    assert body["assigneeId"] == str(desk.agent.pk)
    assert _parse(body["modifiedTime"]) >= _parse(ticket["modifiedTime"])
    reopened = desk.client.patch(
        f"/tickets/{ticket['id']}", json={"status": "Open", "assigneeId": None}
    ).json()
    assert reopened["closedTime"] is None
    assert reopened["assigneeId"] is None


def test_patch_with_invalid_status_names_the_field(desk):
    ticket = desk.new_ticket()
    response = desk.client.patch(f"/tickets/{ticket['id']}", json={"status": "Exploded"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["fieldName"] == "/status"


def test_delete_ticket_is_not_a_desk_method(desk):
    ticket = desk.new_ticket()
    response = desk.client.delete(f"/tickets/{ticket['id']}")
    assert response.status_code == 405
    assert response.json()["errorCode"] == "METHOD_NOT_ALLOWED"
    assert desk.client.get(f"/tickets/{ticket['id']}").status_code == 200


def test_patch_body_may_not_carry_the_ticket_id(desk):
    ticket = desk.new_ticket()
    response = desk.client.patch(f"/tickets/{ticket['id']}", json={"id": ticket["id"], "subject": "x"})
    assert response.status_code == 422
    body = response.json()
    assert body["errorCode"] == "INVALID_DATA"
    assert body["errors"][0]["fieldName"] == "/id"


def test_patch_accepts_its_documented_query_parameter_only(desk):
    ticket = desk.new_ticket()
    path = f"/tickets/{ticket['id']}"
    assert (
        desk.client.patch(
            path, params={"disableClosureNotification": "true"}, json={"subject": "y"}
        ).status_code
        == 200
    )
    assert desk.client.patch(path, params={"notify": "true"}, json={"subject": "y"}).status_code == 422


def test_seed_delete_form_trashes_the_ticket(desk, settings):
    settings.SANDBOX_REFERENCE_FORMS = True
    ticket = desk.new_ticket()
    response = desk.client.delete(f"/tickets/{ticket['id']}")
    assert response.status_code == 204 and response.content == b""
    assert desk.client.get(f"/tickets/{ticket['id']}").status_code == 404
    assert desk.client.delete(f"/tickets/{ticket['id']}").status_code == 404


def test_real_move_to_trash_form_trashes_every_ticket(desk):
    ids = [desk.new_ticket()["id"] for _ in range(2)]
    response = desk.client.post("/tickets/moveToTrash", json={"ticketIds": ids})
    assert response.status_code == 204
    assert desk.client.get("/tickets").status_code == 204


def test_move_to_trash_with_an_unknown_id_changes_nothing(desk):
    ticket = desk.new_ticket()
    response = desk.client.post("/tickets/moveToTrash", json={"ticketIds": [ticket["id"], "42"]})
    assert response.status_code == 422
    assert response.json()["errors"][0]["fieldName"] == "/ticketIds"
    assert desk.client.get(f"/tickets/{ticket['id']}").status_code == 200
    assert desk.client.post("/tickets/moveToTrash", json={}).status_code == 422


def test_ticket_sla_path_is_not_a_desk_path(desk):
    ticket = desk.new_ticket()
    response = desk.client.get(f"/tickets/{ticket['id']}/sla")
    assert response.status_code == 404
    assert response.json()["errorCode"] == "URL_NOT_FOUND"


def test_ticket_sla_reports_targets_from_the_policy(desk, settings):
    settings.SANDBOX_REFERENCE_FORMS = True
    ticket = desk.new_ticket(priority="Medium")
    body = desk.client.get(f"/tickets/{ticket['id']}/sla").json()
    assert body["slaName"] == "Standard"
    created = _parse(ticket["createdTime"])
    assert _parse(body["responseTime"]["dueTime"]) - created == dt.timedelta(hours=4)
    assert _parse(body["resolutionTime"]["dueTime"]) - created == dt.timedelta(hours=24)
    assert body["responseTime"]["isOverdue"] is False
    assert body["resolutionTime"]["remainingTime"] > 0


def test_sla_policies_in_seed_and_settings_forms(desk):
    seed = desk.client.get("/sla").json()["data"]
    assert seed[0]["name"] == "Standard"
    assert seed[0]["responseTime"] == {"businessHours": None, "calendarHours": 4.0}
    settings_form = desk.client.get("/slas", params={"departmentId": str(desk.department.pk)}).json()["data"]
    assert settings_form[0]["id"] == seed[0]["id"]
    assert desk.client.get(f"/slas/{seed[0]['id']}").json()["targets"]["High"]["responseHours"] == 1


def test_wrong_method_is_405(desk):
    response = desk.client.put("/tickets", json={})
    assert response.status_code == 405
    assert response.json()["errorCode"] == "METHOD_NOT_ALLOWED"


def test_changing_priority_recomputes_the_sla_due_dates(desk):
    ticket = desk.new_ticket(priority="Medium")
    created = _parse(ticket["createdTime"])
    updated = desk.client.patch(f"/tickets/{ticket['id']}", json={"priority": "High"}).json()
    assert _parse(updated["dueDate"]) - created == dt.timedelta(hours=8)
    assert _parse(updated["responseDueDate"]) - created == dt.timedelta(hours=1)
    explicit = desk.client.patch(
        f"/tickets/{ticket['id']}", json={"priority": "Medium", "dueDate": "2030-01-01T00:00:00.000Z"}
    ).json()
    assert explicit["dueDate"] == "2030-01-01T00:00:00.000Z"


def test_response_overdue_flag_follows_the_response_due_date(desk):
    late = desk.new_ticket(responseDueDate="2020-01-01T00:00:00.000Z")
    assert late["isResponseOverdue"] is True
    on_time = desk.new_ticket()
    assert on_time["isResponseOverdue"] is False


def test_close_tickets_closes_each_and_answers_an_empty_200(desk):
    ids = [desk.new_ticket()["id"] for _ in range(2)]
    response = desk.client.post("/closeTickets", json={"ids": ids})
    assert response.status_code == 200 and response.content == b""
    for ticket_id in ids:
        body = desk.client.get(f"/tickets/{ticket_id}").json()
        assert body["statusType"] == "Closed" and body["closedTime"] is not None
    missing = desk.client.post("/closeTickets", json={})
    assert missing.status_code == 422 and missing.json()["errors"][0]["fieldName"] == "/ids"
    assert desk.client.post("/closeTickets", json={"ids": ["42"]}).status_code == 422


def test_list_items_carry_the_keys_listview_requires(desk):
    desk.new_ticket()
    row = desk.client.get("/tickets").json()["data"][0]
    required = {"channelCode", "isArchived", "lastThread", "layoutId", "lockedTime", "onholdTime", "source"}
    assert required <= set(row)
