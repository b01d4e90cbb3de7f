"""The sandbox's people and org operations over real HTTP, as Zoho's OAS files define them.

| check | OAS file · operation |
|---|---|
| organizations, edition | Organization.json · getOrganizations, getOrganization |
| contacts list/get/create/update/trash/byIds | Contact.json · getContacts, getContact, createContact, updateContact, deleteContact (moveToTrash), getContactsByIds |
| contact search | Search.json · searchContacts |
| accounts list/get/create/update/trash | Account.json · getAccounts, getAccount, createAccount, updateAccount, deleteAccount (moveToTrash) |
| account search | Search.json · searchAccounts |
| account's contacts / tickets | Contact.json · getContactsUnderAccount; Account.json · getTicketsByAccount |
| agents | Agent.json · getAgents, getAgent, getAgentsByIds, addAgent, updateAgent, deactivateAgents, activateAgents, deleteAgent, deleteUnconfirmedAgent, getMyInfo |
| departments, teams | Department.json · getDepartments, getDepartment; Team.json · getTeams, getTeamsInDepartment, getTeam |
"""
# ruff: noqa: F811 - pytest fixtures imported from api_fixtures are redefined as test arguments

import datetime as dt

import pytest
from django.utils import timezone

from apps.sandbox import models as m
from tests.sandbox.api_fixtures import desk  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)


def _errors(response) -> dict[str, str]:
    return {e["fieldName"]: e["errorType"] for e in response.json().get("errors", [])}


# -- organizations and me ---------------------------------------------------------------------------


def test_organizations_need_no_org_header_and_carry_the_edition(desk):
    client = desk.client_with(desk.token)
    response = client.get("/organizations")
    assert response.status_code == 200
    orgs = {org["companyName"]: org for org in response.json()["data"]}
    assert set(orgs) == {"Acme Test", "Globex Test"}
    assert orgs["Acme Test"]["edition"] == "ENTERPRISE"
    assert orgs["Globex Test"]["edition"] == "FREE"
    one = client.get(f"/organizations/{desk.org.pk}", params={"includeCustomDomain": "true"}).json()
    assert one["edition"] == "ENTERPRISE" and one["id"] == str(desk.org.pk)
    assert {"portalName", "timeZone", "isAdminInOrg", "isDefault", "customDomain"} <= set(one)


def test_organizations_reject_undocumented_parameters(desk):
    response = desk.client_with(desk.token).get("/organizations", params={"from": 0})
    assert response.status_code == 422
    assert response.json()["errorCode"] == "UNPROCESSABLE_ENTITY"
    assert "from" in response.json()["message"]


def test_other_calls_need_the_org_header(desk):
    response = desk.client_with(desk.token).get("/departments")
    assert response.status_code == 422
    assert response.json()["errors"][0]["fieldName"] == "/orgId"


def test_myinfo_is_the_token_user_agent_with_documented_includes(desk):
    body = desk.client.get("/myinfo", params={"include": "role,profile"}).json()
    assert body["id"] == str(desk.agent.pk)
    assert body["emailId"] == desk.agent.email
    assert set(body["role"]) == {"id", "name"}
    assert desk.client.get("/myinfo", params={"include": "verifiedEmails"}).status_code == 422


# -- contacts ---------------------------------------------------------------------------------------


def test_contact_create_get_update(desk):
    created = desk.client.post(
        "/contacts",
        json={
            "firstName": "Milton",
            "lastName": "Waddams",
            "email": "milton@initech.test",
            "accountId": str(desk.account.pk),
            "title": "Collator",
            "street": "1 Initech Way",
            "zip": "73301",
            "type": ["paidUser"],
        },
    )
    assert created.status_code == 200, created.text
    contact = created.json()
    assert contact["accountId"] == str(desk.account.pk) and contact["zip"] == "73301"
    fetched = desk.client.get(f"/contacts/{contact['id']}", params={"include": "accounts,owner"}).json()
    assert fetched["title"] == "Collator"
    assert fetched["account"]["accountName"] == "Initech"
    updated = desk.client.patch(f"/contacts/{contact['id']}", json={"phone": "+1-555-9999"}).json()
    assert updated["phone"] == "+1-555-9999"
    assert updated["modifiedTime"] >= contact["modifiedTime"]


def test_contact_patch_body_may_not_carry_id_or_unknown_fields(desk):
    response = desk.client.patch(f"/contacts/{desk.contact.pk}", json={"id": str(desk.contact.pk), "x": 1})
    assert response.status_code == 422
    assert _errors(response) == {"/id": "invalid", "/x": "invalid"}


def test_contact_update_caps_city_state_and_country_at_30_as_create_does_not(desk):
    """Contact.json: contactjson (create) allows 100 characters in city/state/country, updateContact 30."""
    long_city = "C" * 40
    created = desk.client.post("/contacts", json={"lastName": "Far", "city": long_city})
    assert created.status_code == 200 and created.json()["city"] == long_city
    response = desk.client.patch(f"/contacts/{created.json()['id']}", json={"city": long_city})
    assert response.status_code == 422 and _errors(response) == {"/city": "invalid"}


def test_contacts_are_trashed_with_move_to_trash_not_delete(desk):
    assert desk.client.delete(f"/contacts/{desk.contact.pk}").status_code == 405
    response = desk.client.post("/contacts/moveToTrash", json={"contactIds": [str(desk.contact.pk)]})
    assert response.status_code == 204
    assert desk.client.get("/contacts").status_code == 204
    again = desk.client.post("/contacts/moveToTrash", json={"contactIds": [str(desk.contact.pk)]})
    assert again.status_code == 422
    assert again.json()["errorCode"] == "INVALID_DATA"
    missing = desk.client.post("/contacts/moveToTrash", json={})
    assert _errors(missing) == {"/contactIds": "missing"}


def test_reference_delete_form_only_with_the_setting(desk, settings):
    settings.SANDBOX_REFERENCE_FORMS = True
    assert desk.client.delete(f"/contacts/{desk.contact.pk}").status_code == 204
    assert desk.client.delete(f"/accounts/{desk.account.pk}").status_code == 204


def test_contact_validation_names_the_fields(desk):
    response = desk.client.post("/contacts", json={"email": "not-an-email", "accountId": "123"})
    assert response.status_code == 422
    assert set(_errors(response)) == {"/lastName", "/email", "/accountId"}


def test_contacts_list_pages_sorts_and_refuses_undocumented_values(desk):
    for name in ("Bolton", "Smykowski"):
        desk.client.post("/contacts", json={"lastName": name})
    rows = desk.client.get("/contacts", params={"sortBy": "-lastName", "limit": 2}).json()["data"]
    assert [r["lastName"] for r in rows] == ["Smykowski", "Gibbons"]
    assert [r["lastName"] for r in desk.client.get("/contacts", params={"from": 2}).json()["data"]] == [
        "Smykowski"
    ]
    with_accounts = desk.client.get("/contacts", params={"include": "accounts", "sortBy": "account"})
    assert with_accounts.status_code == 200
    for params in ({"limit": 500}, {"sortBy": "city"}, {"include": "owner"}, {"accountId": "1"}):
        response = desk.client.get("/contacts", params=params)
        assert response.status_code == 422, params
        assert response.json()["errorCode"] == "UNPROCESSABLE_ENTITY"


def test_contacts_by_ids_is_an_operation_not_a_record_id(desk):
    other = desk.client.post("/contacts", json={"lastName": "Bolton"}).json()
    response = desk.client.get(
        "/contacts/contactsByIds", params={"ids": f"{desk.contact.pk},{other['id']},1"}
    )
    assert response.status_code == 200
    assert [c["id"] for c in response.json()["data"]] == sorted([str(desk.contact.pk), other["id"]])
    assert desk.client.get("/contacts/contactsByIds").status_code == 422
    too_many = ",".join(str(n) for n in range(1, 22))
    assert desk.client.get("/contacts/contactsByIds", params={"ids": too_many}).status_code == 422


def test_contacts_search_fields_wildcards_and_scopes(desk):
    desk.client.post(
        "/contacts", json={"firstName": "Bill", "lastName": "Lumbergh", "email": "bill@initech.test"}
    )
    by_email = desk.client.get("/contacts/search", params={"email": "peter@initech.test"}).json()
    assert [c["id"] for c in by_email["data"]] == [str(desk.contact.pk)]
    assert by_email["count"] == 1
    prefix = desk.client.get("/contacts/search", params={"lastName": "Lum*"}).json()["data"]
    assert [c["lastName"] for c in prefix] == ["Lumbergh"]
    everything = desk.client.get("/contacts/search", params={"_all": "initech", "sortBy": "firstName"})
    assert [c["firstName"] for c in everything.json()["data"]] == ["Bill", "Peter"]
    either = desk.client.get("/contacts/search", params={"email": "bill@initech.test,peter@initech.test"})
    assert len(either.json()["data"]) == 2
    assert desk.client.get("/contacts/search", params={"email": "none@x.test"}).status_code == 204
    assert desk.client.get("/contacts/search", params={"accountName": "Init*"}).json()["data"][0][
        "id"
    ] == str(desk.contact.pk)
    for params in ({"sortBy": "email"}, {"from": 1000}, {"_all": "ab"}, {"searchStr": "x"}, {"limit": 101}):
        assert desk.client.get("/contacts/search", params=params).status_code == 422, params
    no_search = desk.client_with(desk.token_for(["Desk.contacts.READ"]), org_id=str(desk.org.pk))
    assert no_search.get("/contacts/search", params={"lastName": "x"}).json()["errorCode"] == "SCOPE_MISMATCH"
    no_contacts = desk.client_with(desk.token_for(["Desk.search.READ"]), org_id=str(desk.org.pk))
    assert no_contacts.get("/contacts/search", params={"lastName": "x"}).status_code == 403


def test_contacts_search_by_modified_time_range_sorted_by_modified_time(desk):
    old = timezone.now() - dt.timedelta(days=3)
    m.Contact.objects.filter(pk=desk.contact.pk).update(modified_time=old, created_time=old)
    fresh = desk.client.post("/contacts", json={"lastName": "Bolton"}).json()
    since = (timezone.now() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    until = (timezone.now() + dt.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    window = {"modifiedTimeRange": f"{since},{until}", "sortBy": "modifiedTime"}
    assert [c["id"] for c in desk.client.get("/contacts/search", params=window).json()["data"]] == [
        fresh["id"]
    ]
    created = {"createdTimeRange": f"2000-01-01T00:00:00.000Z,{since}"}
    assert [c["id"] for c in desk.client.get("/contacts/search", params=created).json()["data"]] == [
        str(desk.contact.pk)
    ]
    bad = desk.client.get("/contacts/search", params={"modifiedTimeRange": "yesterday"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["fieldName"] == "/modifiedTimeRange"


def test_contacts_search_custom_fields(desk):
    m.Contact.objects.filter(pk=desk.contact.pk).update(cf={"cf_tier": "gold"})
    found = desk.client.get("/contacts/search", params={"customField1": "cf_tier:gold"})
    assert [c["id"] for c in found.json()["data"]] == [str(desk.contact.pk)]
    assert desk.client.get("/contacts/search", params={"customField1": "cf_tier:silver"}).status_code == 204
    assert desk.client.get("/contacts/search", params={"customField1": "nocolon"}).status_code == 422


def test_contact_and_account_tickets_need_the_search_scope(desk):
    ticket = desk.new_ticket()
    contact_tickets = desk.client.get(f"/contacts/{desk.contact.pk}/tickets", params={"include": "assignee"})
    assert [t["id"] for t in contact_tickets.json()["data"]] == [ticket["id"]]
    account_tickets = desk.client.get(
        f"/accounts/{desk.account.pk}/tickets", params={"sortBy": "-modifiedTime"}
    )
    assert [t["id"] for t in account_tickets.json()["data"]] == [ticket["id"]]
    assert (
        desk.client.get(f"/accounts/{desk.account.pk}/tickets", params={"sortBy": "dueDate"}).status_code
        == 422
    )
    tickets_only = desk.client_with(desk.token_for(["Desk.tickets.READ"]), org_id=str(desk.org.pk))
    assert tickets_only.get(f"/contacts/{desk.contact.pk}/tickets").status_code == 403
    contacts = desk.client.get(f"/accounts/{desk.account.pk}/contacts", params={"sortBy": "fullName"}).json()
    assert [c["id"] for c in contacts["data"]] == [str(desk.contact.pk)]
    assert contacts["data"][0]["mappingInfo"]["mappingType"] == "PRIMARY"
    accounts = desk.client.get(f"/contacts/{desk.contact.pk}/accounts").json()["data"]
    assert [a["id"] for a in accounts] == [str(desk.account.pk)]


# -- accounts ---------------------------------------------------------------------------------------


def test_account_create_update_search_and_trash(desk):
    created = desk.client.post(
        "/accounts",
        json={
            "accountName": "Initrode",
            "website": "https://initrode.test",
            "annualrevenue": "1500000",
            "code": "IR",
        },
    )
    assert created.status_code == 200, created.text
    account = created.json()
    assert account["annualrevenue"] == "1500000" and account["code"] == "IR"
    updated = desk.client.patch(f"/accounts/{account['id']}", json={"industry": "Software"}).json()
    assert updated["industry"] == "Software"
    found = desk.client.get("/accounts/search", params={"accountName": "Initrode"}).json()["data"]
    assert [a["id"] for a in found] == [account["id"]]
    assert desk.client.get("/accounts/search", params={"_all": "initrode.test"}).status_code == 200
    assert desk.client.delete(f"/accounts/{account['id']}").status_code == 405
    assert desk.client.post("/accounts/moveToTrash", json={"accountIds": [account["id"]]}).status_code == 204
    assert desk.client.get(f"/accounts/{account['id']}").status_code == 404
    assert desk.client.get("/accounts/search", params={"accountName": "Initrode"}).status_code == 204


def test_account_get_include_owner_and_list_parameters(desk):
    m.Account.objects.filter(pk=desk.account.pk).update(owner_id=desk.agent.pk)
    account = desk.client.get(f"/accounts/{desk.account.pk}", params={"include": "owner"}).json()
    assert account["owner"]["id"] == str(desk.agent.pk)
    assert desk.client.get("/accounts", params={"sortBy": "-website"}).status_code == 200
    for params in ({"include": "owner"}, {"sortBy": "industry"}):
        assert desk.client.get("/accounts", params=params).status_code == 422, params
    for params in ({"email": "a@b.test"}, {"sortBy": "website"}):
        assert desk.client.get("/accounts/search", params=params).status_code == 422, params


def test_account_validation(desk):
    response = desk.client.post(
        "/accounts", json={"accountName": "Initech", "annualrevenue": "lots", "numberOfEmployees": 5}
    )
    assert response.status_code == 422
    assert _errors(response) == {
        "/annualrevenue": "invalid",
        "/numberOfEmployees": "invalid",
        "/accountName": "duplicate",
    }


# -- agents -----------------------------------------------------------------------------------------


def test_agents_list_filters_search_and_sort(desk):
    rows = desk.client.get("/agents").json()["data"]
    assert {r["emailId"] for r in rows} == {desk.agent.email, "sam@acme.test"}
    one = desk.client.get(f"/agents/{desk.other_agent.pk}", params={"include": "profile,role"}).json()
    assert one["name"] == "Sam Agent" and set(one["profile"]) == {"id", "name"}
    filtered = desk.client.get("/agents", params={"departmentIds": str(desk.department.pk)}).json()["data"]
    assert [r["id"] for r in filtered] == [str(desk.agent.pk)]
    exact = desk.client.get("/agents", params={"searchStr": "sam@acme.test", "fieldName": "emailId"}).json()
    assert [r["id"] for r in exact["data"]] == [str(desk.other_agent.pk)]
    assert desk.client.get("/agents", params={"searchStr": "sa", "fieldName": "firstName"}).status_code == 204
    prefix = desk.client.get("/agents", params={"searchStr": "sa*", "fieldName": "firstName"}).json()["data"]
    assert [r["id"] for r in prefix] == [str(desk.other_agent.pk)]
    ordered = desk.client.get("/agents", params={"fieldName": "firstName", "sortOrder": "desc"}).json()[
        "data"
    ]
    assert [r["firstName"] for r in ordered] == ["Sam", "Demo"]
    assert len(desk.client.get("/agents", params={"limit": 200}).json()["data"]) == 2
    for params in ({"status": "SLEEPING"}, {"status": "INACTIVE"}, {"sortBy": "createdTime"}, {"limit": 201}):
        assert desk.client.get("/agents", params=params).status_code == 422, params


def test_agents_by_ids(desk):
    response = desk.client.get("/agentsByIds", params={"agentIds": f"{desk.other_agent.pk},{desk.agent.pk}"})
    assert response.status_code == 200
    assert [a["id"] for a in response.json()["data"]] == sorted(
        [str(desk.agent.pk), str(desk.other_agent.pk)]
    )
    assert desk.client.get("/agentsByIds").status_code == 422


def test_agent_add_requires_the_documented_fields_and_stays_unconfirmed(desk):
    body = {
        "firstName": "Joanna",
        "lastName": "Lee",
        "emailId": "joanna@acme.test",
        "associatedDepartmentIds": [str(desk.department.pk)],
        "rolePermissionType": "AgentPublic",
    }
    response = desk.client.post("/agents", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["isConfirmed"] is False
    assert response.json()["rolePermissionType"] == "AgentPublic"
    duplicate = desk.client.post("/agents", json={**body, "lastName": "Again"})
    assert duplicate.status_code == 422
    assert _errors(duplicate) == {"/emailId": "duplicate"}
    missing = desk.client.post("/agents", json={"lastName": "X", "emailId": "x@acme.test"})
    assert set(_errors(missing)) == {"/associatedDepartmentIds", "/rolePermissionType"}
    custom = desk.client.post(
        "/agents", json={**body, "emailId": "c@acme.test", "rolePermissionType": "Custom"}
    )
    assert set(_errors(custom)) == {"/roleId", "/profileId"}


def test_agent_update_takes_documented_fields_only(desk):
    updated = desk.client.patch(f"/agents/{desk.other_agent.pk}", json={"mobile": "555", "langCode": "fr_FR"})
    assert updated.status_code == 200 and updated.json()["langCode"] == "fr_FR"
    assert desk.client.patch(f"/agents/{desk.other_agent.pk}", json={"status": "INACTIVE"}).status_code == 422
    assert desk.client.patch(f"/agents/{desk.other_agent.pk}", json={"email": "a@b.test"}).status_code == 422


def test_agent_deactivate_and_activate_list(desk):
    agent_id = desk.other_agent.pk
    assert desk.client.post(f"/agents/{agent_id}/deactivate").status_code == 204
    assert desk.client.get(f"/agents/{agent_id}").json()["status"] == "DISABLED"
    disabled = desk.client.get("/agents", params={"status": "DISABLED"}).json()["data"]
    assert [a["id"] for a in disabled] == [str(agent_id)]
    assert desk.client.post("/agents/activate", json={"agentIds": [str(agent_id)]}).status_code == 204
    assert desk.client.get(f"/agents/{agent_id}").json()["status"] == "ACTIVE"
    assert desk.client.post("/agents/activate", json={"agentIds": ["1"]}).status_code == 422
    assert desk.client.post("/agents/activate", json={}).status_code == 422
    assert desk.client.get("/agents/activate").status_code == 405


def test_non_desk_agent_paths_are_not_found_unless_reference_forms(desk, settings):
    assert desk.client.post(f"/agents/{desk.other_agent.pk}/activate").json()["errorCode"] == "URL_NOT_FOUND"
    assert desk.client.post(f"/agents/{desk.other_agent.pk}/delete").status_code == 404
    settings.SANDBOX_REFERENCE_FORMS = True
    assert desk.client.patch(f"/agents/{desk.other_agent.pk}", json={"status": "INACTIVE"}).json()[
        "status"
    ] == ("DISABLED")
    assert desk.client.post(f"/agents/{desk.other_agent.pk}/activate").status_code == 204
    assert desk.client.post(f"/agents/{desk.other_agent.pk}/delete").status_code == 204


def test_delete_confirmed_agent_unassigns_tickets_and_lists_as_deleted(desk):
    agent_id = desk.other_agent.pk
    ticket = desk.new_ticket()
    m.Ticket.objects.filter(pk=int(ticket["id"])).update(assignee_id=agent_id)
    assert desk.client.delete(f"/agents/{agent_id}").status_code == 204
    assert desk.client.get(f"/agents/{agent_id}").status_code == 404
    assert desk.client.get(f"/tickets/{ticket['id']}").json()["assigneeId"] is None
    deleted = desk.client.get("/agents", params={"status": "DELETED"}).json()["data"]
    assert [(a["id"], a["status"]) for a in deleted] == [(str(agent_id), "DELETED")]
    assert str(agent_id) not in {a["id"] for a in desk.client.get("/agents").json()["data"]}
    assert desk.client.delete(f"/agents/{desk.agent.pk}").status_code == 422  # yourself


def test_unconfirmed_agents_are_deleted_with_delete_unconfirmed(desk):
    m.Agent.objects.filter(pk=desk.other_agent.pk).update(is_confirmed=False)
    refused = desk.client.delete(f"/agents/{desk.other_agent.pk}")
    assert refused.status_code == 422
    confirmed = desk.client.post("/agents/deleteUnconfirmed", json={"agentIds": [str(desk.agent.pk)]})
    assert confirmed.status_code == 422 and confirmed.json()["errorCode"] == "INVALID_DATA"
    ok = desk.client.post("/agents/deleteUnconfirmed", json={"agentIds": [str(desk.other_agent.pk)]})
    assert ok.status_code == 204
    assert not m.Agent.objects.filter(pk=desk.other_agent.pk).exists()


# -- departments and teams --------------------------------------------------------------------------


def test_departments_and_teams(desk):
    departments = desk.client.get("/departments").json()["data"]
    assert [d["name"] for d in departments] == ["Support", "Billing"]
    assert [
        d["name"] for d in desk.client.get("/departments", params={"searchStr": "Bill*"}).json()["data"]
    ] == ["Billing"]
    assert desk.client.get(f"/departments/{desk.department.pk}").json()["emailAddresses"] == [
        "support@acme.test"
    ]
    assert desk.client.get("/departments/1").status_code == 404
    assert desk.client.get("/departments", params={"chatStatus": "ONLINE"}).status_code == 422
    teams = desk.client.get("/teams").json()["teams"]
    assert [t["name"] for t in teams] == ["Tier 1"]
    assert teams[0]["agents"] == [str(desk.agent.pk)]
    assert desk.client.get("/teams", params={"departmentId": "1"}).status_code == 422
    in_department = desk.client.get(f"/departments/{desk.department.pk}/teams").json()["teams"]
    assert [t["id"] for t in in_department] == [str(desk.team.pk)]
    empty = desk.client.get(f"/departments/{desk.second_department.pk}/teams")
    assert empty.status_code == 200 and empty.json() == {"teams": []}
    assert desk.client.get(f"/teams/{desk.team.pk}").json()["agents"] == [str(desk.agent.pk)]


# -- contract on these endpoints --------------------------------------------------------------------


def test_wrong_scope_is_refused(desk):
    token = desk.token_for(["Desk.tickets.READ"])
    client = desk.client_with(token, org_id=str(desk.org.pk))
    response = client.post("/contacts", json={"lastName": "X"})
    assert response.status_code == 403
    assert response.json()["errorCode"] == "SCOPE_MISMATCH"
    agents_scope = desk.client_with(desk.token_for(["Desk.agents.READ"]), org_id=str(desk.org.pk))
    assert agents_scope.get("/agents").status_code == 200


def test_missing_or_bad_token_is_401(desk):
    client = desk.client_with("nonsense", org_id=str(desk.org.pk))
    response = client.get("/agents")
    assert response.status_code == 401
    assert response.json()["errorCode"] == "INVALID_OAUTH"
