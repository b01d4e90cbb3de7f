"""The audit service records who did what, where and how it went, without secrets."""

import pytest

from apps.core.models import AuditEntry
from apps.core.services import REDACTED, audit_record

pytestmark = pytest.mark.django_db


def test_audit_record_stores_actor_org_target_outcome_and_api_calls(admin_user):
    entry = audit_record(
        actor=admin_user,
        action="ticket.assign",
        org_id="60001234",
        target_type="ticket",
        target_id=42,
        api_calls=1,
        detail={"assignee": "Jane", "access_token": "1000.leak"},
    )
    entry.refresh_from_db()
    assert entry.actor == admin_user
    assert entry.actor_name == "ada"
    assert entry.org_id == "60001234"
    assert (entry.target_type, entry.target_id) == ("ticket", "42")
    assert entry.outcome == AuditEntry.Outcome.SUCCESS
    assert entry.api_calls == 1
    assert entry.detail == {"assignee": "Jane", "access_token": REDACTED}


def test_audit_record_for_the_system_and_for_failures():
    entry = audit_record(actor=None, action="sync.run", outcome="failure", message="Desk answered 503")
    assert entry.actor is None
    assert entry.actor_name == "system"
    assert entry.outcome == "failure"


def test_audit_record_refuses_unknown_outcomes_and_negative_calls(admin_user):
    with pytest.raises(ValueError):
        audit_record(actor=admin_user, action="x", outcome="maybe")
    with pytest.raises(ValueError):
        audit_record(actor=admin_user, action="x", api_calls=-1)


def test_audit_entry_survives_the_deletion_of_its_actor(admin_user):
    entry = audit_record(actor=admin_user, action="connection.create")
    admin_user.delete()
    entry.refresh_from_db()
    assert entry.actor is None
    assert entry.actor_name == "ada"


def test_audit_record_stores_credits_and_takes_one_per_call_when_not_told(admin_user):
    told = audit_record(actor=admin_user, action="ticket.reply", api_calls=1, credits=3)
    assert (told.api_calls, told.credits) == (1, 3)
    untold = audit_record(actor=admin_user, action="contact.update", api_calls=2)
    assert untold.credits == 2
    refused = audit_record(actor=admin_user, action="ticket.reply", api_calls=1, credits=0)
    assert refused.credits == 0
    with pytest.raises(ValueError):
        audit_record(actor=admin_user, action="x", credits=-1)


def test_audit_page_shows_the_credits_column(admin_user, client):
    from django.urls import reverse

    audit_record(actor=admin_user, action="ticket.assign", org_id="1", api_calls=1, credits=1)
    client.force_login(admin_user)
    html = client.get(reverse("core:audit")).content.decode()
    assert '<th scope="col">Credits</th>' in html
    assert "data-credits>1</td>" in html


def test_audit_filters_ignore_unknown_values_and_links_carry_only_set_filters(client, admin_user):
    from apps.core.services import audit_record
    from apps.core.views import AUDIT_PAGE_SIZE

    for n in range(AUDIT_PAGE_SIZE + 2):
        audit_record(actor=admin_user, action="ticket.update", target_type="ticket", target_id=n)
    client.force_login(admin_user)

    response = client.get("/audit/", {"outcome": "<nonsense>", "action": "ticket.update"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "<nonsense>" not in body
    assert 'id="audit-q"' in body and 'id="audit-outcome"' in body and 'id="audit-action"' in body
    # The next-page link (a keyset cursor) keeps the action filter and drops the empty and unknown ones.
    assert "?action=ticket.update&amp;after=" in body or "?action=ticket.update&after=" in body
    second = client.get("/audit/?" + response.context["links"].next)
    assert len(second.context["entries"]) == 2  # the two past the first page, none shown twice
    assert "outcome=" not in body.split('id="audit-results"')[1]
