"""Contact and account writes through the sandbox: one Desk call each, the mirror updated from Desk's answer, an
audit entry, Desk's field errors on the fields, the stale-write guard, drafts kept on 429, trash for managers."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.core.models import AuditEntry
from apps.core.orgs import target_labels
from apps.customers.models import Account, Contact
from apps.customers.services.stale import customer_seen_token
from apps.team.models import Department

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])
HX = {"HX-Request": "true"}


def test_contact_create_edit_stale_429_and_trash(world, member, agent_user, manager_user, settings):
    from apps.sandbox.models import Contact as SandboxContact
    from apps.sandbox.models import Org

    agent = member(agent_user)
    account = Account.objects.filter(connection=world.connection).order_by("desk_id").first()
    new = reverse("customers:contact_new")
    # "New contact" on an account's page: the account is filled in.
    assert account.account_name in agent.get(new, {"account": account.desk_id}).content.decode()

    # Desk refuses a bad email: its message is on the email field, the draft is kept.
    response = agent.post(
        new, {"last_name": "Quill", "email": "not-an-email", "account": account.account_name}
    )
    assert response.status_code == 200
    assert "must be a valid email address" in str(response.context["form"].errors["email"])
    assert 'value="Quill"' in response.content.decode()
    assert world.api_paths() == ["POST /contacts"]
    assert AuditEntry.objects.filter(action="contact.create", outcome="failure").exists()

    world.clear_log()
    response = agent.post(
        new,
        {
            "first_name": "Peter",
            "last_name": "Quill",
            "email": "peter@quill.example",
            "account": account.account_name,
        },
    )
    contact = Contact.objects.get(connection=world.connection, email="peter@quill.example")
    assert response["Location"] == reverse("customers:contact", args=[contact.desk_id])
    assert contact.account_desk_id == account.desk_id and contact.desk_modified_time is not None
    assert world.api_paths() == ["POST /contacts"]
    assert AuditEntry.objects.filter(
        action="contact.create", outcome="success", target_id=contact.desk_id
    ).exists()
    key = ("contact", world.connection.org_id, contact.desk_id)
    assert target_labels([key])[key] == "contact Peter Quill"  # the audit log names it
    # It is in the list at once, found by its account's name.
    listing = agent.get(reverse("customers:contacts"), {"q": "quill"}).content.decode()
    assert f'data-contact="{contact.desk_id}"' in listing

    # Edit inline: the partial comes back with a toast; only the changed field is sent.
    world.clear_log()
    edit = reverse("customers:contact_edit", args=[contact.desk_id])
    form = agent.get(edit, headers=HX).content.decode()
    assert 'id="contact-details"' in form and "<html" not in form
    fields = {
        "seen": customer_seen_token(contact),
        "first_name": "Peter",
        "last_name": "Quill",
        "email": "peter@quill.example",
        "phone": "+1-555-0100",
        "account": account.account_name,
    }
    response = agent.post(edit, fields, headers=HX)
    assert "+1-555-0100" in response.content.decode()
    assert json.loads(response["HX-Trigger"])["toast"]["message"] == "Contact saved in Desk."
    assert world.api_paths() == [f"PATCH /contacts/{contact.desk_id}"]
    assert SandboxContact.objects.get(pk=int(contact.desk_id)).phone == "+1-555-0100"

    # Someone changed the phone in Desk meanwhile: the edit stops, says what changed, and sends nothing.
    world.clear_log()
    contact.refresh_from_db()
    seen = customer_seen_token(contact)
    Contact.objects.filter(pk=contact.pk).update(
        phone="+1-555-0199", desk_modified_time=contact.desk_modified_time + timezone.timedelta(minutes=1)
    )
    response = agent.post(edit, {**fields, "seen": seen, "phone": "+1-555-0111"}, headers=HX)
    html = response.content.decode()
    assert (
        "changed in Desk since you opened it" in html
        and "+1-555-0199" in html
        and 'value="+1-555-0111"' in html
    )
    assert world.api_calls() == 0

    # Desk rate-limits: the draft stays on the form with when to try again.
    settings.DESK_MAX_ATTEMPTS = 1
    Org.objects.filter(pk=world.org.pk).update(burst_429_remaining=5)
    contact.refresh_from_db()
    response = agent.post(
        edit, {**fields, "seen": customer_seen_token(contact), "title": "Star-Lord"}, headers=HX
    )
    html = response.content.decode()
    assert "rate-limiting" in html and 'value="Star-Lord"' in html
    Org.objects.filter(pk=world.org.pk).update(burst_429_remaining=0)

    # Agents may not trash; a manager moves the contact to Desk's trash: gone from the list and from Desk.
    trash = reverse("customers:contact_trash", args=[contact.desk_id])
    assert agent.post(trash).status_code == 403
    world.clear_log()
    manager = member(manager_user)
    assert b"Move to trash" in manager.get(trash).content
    response = manager.post(trash)
    assert response["Location"] == reverse("customers:contacts")
    assert world.api_paths() == ["POST /contacts/moveToTrash"]
    assert SandboxContact.objects.get(pk=int(contact.desk_id)).is_trashed
    listing = manager.get(reverse("customers:contacts"), {"q": "quill"}).content.decode()
    assert f'data-contact="{contact.desk_id}"' not in listing
    assert manager.get(reverse("customers:contact", args=[contact.desk_id])).status_code == 404


def test_account_writes_and_the_ticket_form_round_trip(world, member, agent_user, manager_user):
    """Accounts: Desk's duplicate-name error on the field, create, edit inline, trash; custom fields on both
    forms. Then the ticket form: pre-filled from a contact, "New contact…" and back, and a contact Desk makes
    with a ticket usable at once."""
    _account_writes(world, member, agent_user, manager_user)
    _custom_fields(world, member, agent_user)
    _ticket_form_round_trip(world, member, manager_user)


def _account_writes(world, member, agent_user, manager_user):
    from apps.sandbox.models import Account as SandboxAccount

    agent = member(agent_user)
    taken = Account.objects.filter(connection=world.connection).first().account_name
    new = reverse("customers:account_new")
    response = agent.post(new, {"account_name": taken})
    assert response.status_code == 200
    assert "already exists" in str(response.context["form"].errors["account_name"])

    response = agent.post(new, {"account_name": "Zenith Widgets", "website": "https://zenith.example"})
    account = Account.objects.get(connection=world.connection, account_name="Zenith Widgets")
    assert response["Location"] == reverse("customers:account", args=[account.desk_id])
    page = agent.get(response["Location"]).content.decode()
    assert "No contacts on this account yet" in page and "No tickets for this account yet" in page

    world.clear_log()
    edit = reverse("customers:account_edit", args=[account.desk_id])
    response = agent.post(
        edit,
        {"seen": customer_seen_token(account), "account_name": "Zenith Widgets", "industry": "Manufacturing"},
        headers=HX,
    )
    assert 'data-field="industry">Manufacturing<' in response.content.decode()
    assert "toast" in response["HX-Trigger"]
    # The website was cleared on the form: Desk is told so, and the mirror follows Desk's answer.
    assert world.api_paths() == [f"PATCH /accounts/{account.desk_id}"]
    account.refresh_from_db()
    assert account.industry == "Manufacturing" and account.website == ""

    assert agent.post(reverse("customers:account_trash", args=[account.desk_id])).status_code == 403
    world.clear_log()
    response = member(manager_user).post(reverse("customers:account_trash", args=[account.desk_id]))
    assert response["Location"] == reverse("customers:accounts")
    assert world.api_paths() == ["POST /accounts/moveToTrash"]
    assert SandboxAccount.objects.get(pk=int(account.desk_id)).is_trashed
    assert (
        "Zenith"
        not in member(manager_user).get(reverse("customers:accounts"), {"q": "zenith"}).content.decode()
    )


def _ticket_form_round_trip(world, member, manager_user):
    client = member(manager_user)
    contact = Contact.objects.filter(connection=world.connection).exclude(email="").first()
    page = client.get(reverse("customers:contact", args=[contact.desk_id])).content.decode()
    assert f"{reverse('tickets:new')}?contact={contact.desk_id}" in page
    form = client.get(reverse("tickets:new"), {"contact": contact.desk_id}).content.decode()
    assert f'value="{contact.email}"' in form and "data-new-contact" in form

    # "New contact…" from the ticket form comes back to it with the contact filled in.
    response = client.post(
        reverse("customers:contact_new"),
        {"last_name": "Rocket", "email": "rocket@guardians.example", "next": reverse("tickets:new")},
    )
    created = Contact.objects.get(connection=world.connection, email="rocket@guardians.example")
    assert response["Location"] == f"{reverse('tickets:new')}?contact={created.desk_id}"

    # A ticket for an email Desk does not know yet: Desk makes the contact; its page opens at once.
    world.clear_log()
    department = Department.objects.filter(connection=world.connection).first()
    response = client.post(
        reverse("tickets:new"),
        {
            "contact_email": "groot@guardians.example",
            "contact_last_name": "Groot",
            "subject": "I am Groot",
            "department_id": department.desk_id,
        },
    )
    assert response.status_code == 302
    assert world.api_paths() == ["POST /tickets"]
    groot = Contact.objects.get(connection=world.connection, email="groot@guardians.example")
    page = client.get(reverse("customers:contact", args=[groot.desk_id])).content.decode()
    assert "Groot" in page and "I am Groot" in page


def _custom_fields(world, member, agent_user):
    """The org's custom fields (as the list's filter offers them) are on both forms: an edit sends only the one
    that changed, as Desk's ``cf``; a create sends the filled ones; Desk's error on /cf/cf_x lands on that field."""
    from apps.customers.forms.edit import AccountForm, add_desk_errors
    from apps.sandbox.models import Account as SandboxAccount

    agent = member(agent_user)
    account = Account.objects.filter(connection=world.connection).order_by("desk_id").first()
    keys = sorted(account.cf)  # the seed gives accounts cf_plan
    edit = reverse("customers:account_edit", args=[account.desk_id])
    form = agent.get(edit, headers=HX).content.decode()
    assert all(f'name="{key}"' in form for key in keys)
    assert f'value="{account.cf["cf_plan"]}"' in form

    world.clear_log()
    plan = "Enterprise" if account.cf["cf_plan"] != "Enterprise" else "Growth"
    fields = {"seen": customer_seen_token(account), "account_name": account.account_name, **account.cf}
    fields.update(email=account.email, phone=account.phone, website=account.website)
    fields.update(industry=account.industry, city=account.city, country=account.country)
    fields.update(description=account.description, annual_revenue=account.annual_revenue or "")
    response = agent.post(edit, {**fields, "cf_plan": plan}, headers=HX)
    assert f'data-cf="cf_plan">{plan}<' in response.content.decode()
    assert world.api_paths() == [f"PATCH /accounts/{account.desk_id}"]
    assert SandboxAccount.objects.get(pk=int(account.desk_id)).cf["cf_plan"] == plan
    before = dict(account.cf)
    account.refresh_from_db()
    assert account.cf == {**before, "cf_plan": plan}  # the others kept; an empty one not sent

    response = agent.post(
        reverse("customers:account_new"), {"account_name": "Nova Labs", "cf_plan": "Starter"}
    )
    created = Account.objects.get(connection=world.connection, account_name="Nova Labs")
    assert response["Location"] == reverse("customers:account", args=[created.desk_id])
    assert created.cf == {"cf_plan": "Starter"}

    # Desk names a custom field's error by its JSON pointer (/cf/cf_plan): it is put on that field.
    form = AccountForm({"account_name": "X", "cf_plan": "?"}, cf_keys=keys)
    assert form.is_valid() and add_desk_errors(form, {"cf.cf_plan": "Enter a valid value."})
    assert form.errors["cf_plan"] == ["Enter a valid value."]
