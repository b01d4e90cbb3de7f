"""The sandbox's people and org operations over real HTTP: contacts, accounts, agents, departments, teams, orgs."""
# ruff: noqa: F811 - pytest fixtures imported from api_fixtures are redefined as test arguments

import pytest

from apps.sandbox import models as m
from tests.sandbox.api_fixtures import desk  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)


# -- organizations and me ---------------------------------------------------------------------------


def test_organizations_needs_no_org_header_and_lists_the_token_orgs(desk):
    client = desk.client_with(desk.token)
    response = client.get("/organizations")
    assert response.status_code == 200
    names = {org["companyName"] for org in response.json()["data"]}
    assert names == {"Acme Test", "Globex Test"}
    one = client.get(f"/organizations/{desk.org.pk}").json()
    assert one["edition"] == "ENTERPRISE"


def test_other_calls_need_the_org_header(desk):
    response = desk.client_with(desk.token).get("/departments")
    assert response.status_code == 422
    assert response.json()["errors"][0]["fieldName"] == "/orgId"


def test_myinfo_is_the_token_user_agent(desk):
    body = desk.client.get("/myinfo").json()
    assert body["id"] == str(desk.agent.pk)
    assert body["emailId"] == desk.agent.email


# -- contacts ---------------------------------------------------------------------------------------


def test_contact_crud_and_seed_delete(desk):
    created = desk.client.post(
        "/contacts",
        json={
            "firstName": "Milton",
            "lastName": "Waddams",
            "email": "milton@initech.test",
            "accountId": str(desk.account.pk),
            "title": "Collator",
        },
    )
    assert created.status_code == 200, created.text
    contact = created.json()
    assert contact["accountId"] == str(desk.account.pk)
    fetched = desk.client.get(f"/contacts/{contact['id']}").json()
    assert fetched["title"] == "Collator"
    updated = desk.client.patch(f"/contacts/{contact['id']}", json={"phone": "+1-555-9999"}).json()
    assert updated["phone"] == "+1-555-9999"
    assert updated["modifiedTime"] >= contact["modifiedTime"]
    assert desk.client.delete(f"/contacts/{contact['id']}").status_code == 204
    assert desk.client.get(f"/contacts/{contact['id']}").status_code == 404


def test_contacts_real_move_to_trash(desk):
    response = desk.client.post("/contacts/moveToTrash", json={"contactIds": [str(desk.contact.pk)]})
    assert response.status_code == 204
    assert desk.client.get("/contacts").status_code == 204


def test_contact_validation_names_the_fields(desk):
    response = desk.client.post("/contacts", json={"email": "not-an-email", "accountId": "123"})
    assert response.status_code == 422
    fields = {e["fieldName"] for e in response.json()["errors"]}
    assert fields == {"/lastName", "/email", "/accountId"}


def test_contacts_list_pages_and_sorts(desk):
    for name in ("Bolton", "Smykowski"):
        desk.client.post("/contacts", json={"lastName": name})
    rows = desk.client.get("/contacts", params={"sortBy": "-lastName", "limit": 2}).json()["data"]
    assert [r["lastName"] for r in rows] == ["Smykowski", "Gibbons"]
    assert desk.client.get("/contacts", params={"limit": 500}).status_code == 422


def test_contacts_search_by_email(desk):
    body = desk.client.get("/contacts/search", params={"email": "peter@initech.test"}).json()
    assert [c["id"] for c in body["data"]] == [str(desk.contact.pk)]
    assert desk.client.get("/contacts/search", params={"email": "none@x.test"}).status_code == 204


def test_contact_and_account_tickets(desk):
    ticket = desk.new_ticket()
    assert [t["id"] for t in desk.client.get(f"/contacts/{desk.contact.pk}/tickets").json()["data"]] == [
        ticket["id"]
    ]
    assert [t["id"] for t in desk.client.get(f"/accounts/{desk.account.pk}/tickets").json()["data"]] == [
        ticket["id"]
    ]
    contacts = desk.client.get(f"/accounts/{desk.account.pk}/contacts").json()["data"]
    assert [c["id"] for c in contacts] == [str(desk.contact.pk)]


# -- accounts ---------------------------------------------------------------------------------------


def test_account_crud_search_and_trash(desk):
    created = desk.client.post(
        "/accounts",
        json={"accountName": "Initrode", "website": "https://initrode.test", "numberOfEmployees": 50},
    )
    assert created.status_code == 200
    account = created.json()
    assert account["numberOfEmployees"] == 50
    updated = desk.client.patch(f"/accounts/{account['id']}", json={"numberOfEmployees": 55}).json()
    assert updated["numberOfEmployees"] == 55
    found = desk.client.get("/accounts/search", params={"accountName": "Initrode"}).json()["data"]
    assert [a["id"] for a in found] == [account["id"]]
    assert desk.client.post("/accounts/moveToTrash", json={"accountIds": [account["id"]]}).status_code == 204
    assert desk.client.get(f"/accounts/{account['id']}").status_code == 404
    other = desk.client.post("/accounts", json={"accountName": "Chotchkie's"}).json()
    assert desk.client.delete(f"/accounts/{other['id']}").status_code == 204


def test_account_validation(desk):
    response = desk.client.post("/accounts", json={"accountName": "Initech", "numberOfEmployees": "many"})
    assert response.status_code == 422
    errors = {e["fieldName"]: e["errorType"] for e in response.json()["errors"]}
    assert errors == {"/numberOfEmployees": "invalid", "/accountName": "duplicate"}


# -- agents -----------------------------------------------------------------------------------------


def test_agents_list_filter_and_get(desk):
    rows = desk.client.get("/agents").json()["data"]
    assert {r["emailId"] for r in rows} == {desk.agent.email, "sam@acme.test"}
    one = desk.client.get(f"/agents/{desk.other_agent.pk}").json()
    assert one["name"] == "Sam Agent"
    filtered = desk.client.get("/agents", params={"departmentIds": str(desk.department.pk)}).json()["data"]
    assert [r["id"] for r in filtered] == [str(desk.agent.pk)]
    assert desk.client.get("/agents", params={"status": "SLEEPING"}).status_code == 422


def test_agent_add_is_unconfirmed_and_validated(desk):
    response = desk.client.post(
        "/agents",
        json={
            "firstName": "Joanna",
            "lastName": "Lee",
            "emailId": "joanna@acme.test",
            "associatedDepartmentIds": [str(desk.department.pk)],
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["isConfirmed"] is False
    duplicate = desk.client.post("/agents", json={"lastName": "Again", "emailId": "joanna@acme.test"})
    assert duplicate.status_code == 422
    assert duplicate.json()["errors"][0]["errorType"] == "duplicate"


def test_agent_deactivate_and_activate_real_action_endpoints(desk):
    agent_id = desk.other_agent.pk
    assert desk.client.post(f"/agents/{agent_id}/deactivate").status_code == 204
    assert desk.client.get(f"/agents/{agent_id}").json()["status"] == "DISABLED"
    active = desk.client.get("/agents", params={"status": "ACTIVE"}).json()["data"]
    assert str(agent_id) not in {a["id"] for a in active}
    assert desk.client.post(f"/agents/{agent_id}/activate").status_code == 204
    assert desk.client.get(f"/agents/{agent_id}").json()["status"] == "ACTIVE"


def test_agent_seed_patch_status_and_delete(desk):
    agent_id = desk.other_agent.pk
    response = desk.client.patch(f"/agents/{agent_id}", json={"status": "INACTIVE"})
    assert response.json()["status"] == "DISABLED"
    ticket = desk.new_ticket()
    m.Ticket.objects.filter(pk=int(ticket["id"])).update(assignee_id=agent_id)
    assert desk.client.delete(f"/agents/{agent_id}").status_code == 204
    assert desk.client.get(f"/agents/{agent_id}").status_code == 404
    assert desk.client.get(f"/tickets/{ticket['id']}").json()["assigneeId"] is None


def test_agent_delete_action_endpoint(desk):
    assert desk.client.post(f"/agents/{desk.other_agent.pk}/delete").status_code == 204
    assert desk.client.post(f"/agents/{desk.other_agent.pk}/delete").status_code == 404


# -- departments and teams --------------------------------------------------------------------------


def test_departments_and_teams(desk):
    departments = desk.client.get("/departments").json()["data"]
    assert [d["name"] for d in departments] == ["Support", "Billing"]
    assert desk.client.get(f"/departments/{desk.department.pk}").json()["emailAddresses"] == [
        "support@acme.test"
    ]
    assert desk.client.get("/departments/1").status_code == 404
    teams = desk.client.get("/teams").json()["data"]
    assert [t["name"] for t in teams] == ["Tier 1"]
    assert desk.client.get(f"/departments/{desk.department.pk}/teams").json()["data"][0]["id"] == str(
        desk.team.pk
    )
    assert desk.client.get(f"/departments/{desk.second_department.pk}/teams").status_code == 204
    assert desk.client.get(f"/teams/{desk.team.pk}").json()["members"] == [str(desk.agent.pk)]


# -- contract on these endpoints --------------------------------------------------------------------


def test_wrong_scope_is_refused(desk):
    token = desk.token_for(["Desk.tickets.READ"])
    client = desk.client_with(token, org_id=str(desk.org.pk))
    response = client.post("/contacts", json={"lastName": "X"})
    assert response.status_code == 403
    assert response.json()["errorCode"] == "SCOPE_MISMATCH"


def test_missing_or_bad_token_is_401(desk):
    client = desk.client_with("nonsense", org_id=str(desk.org.pk))
    response = client.get("/agents")
    assert response.status_code == 401
    assert response.json()["errorCode"] == "INVALID_OAUTH"
