"""Contact and account creates whose answer is lost (the sandbox's faults): looked for in Desk before they
count as failed, the draft kept while Desk cannot say, a retry settled first — never a second copy. The audit
log says "unknown → saved" or "unknown → not saved". Short timeouts: a lost answer costs half a second."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.core.models import AuditEntry
from apps.customers.models import Account, Contact, UnknownCreate

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])


@pytest.fixture
def fast(settings):
    settings.DESK_READ_TIMEOUT = 0.5
    settings.DESK_MAX_ATTEMPTS = 1
    settings.DESK_BACKOFF_BASE = 0.01
    settings.TICKETS_UNKNOWN_CHECK_DELAY = 0
    settings.TICKETS_UNKNOWN_SETTLE_SECONDS = 3600  # no "not saved" verdict while Desk may still be working
    return settings


def faults(world, **values) -> None:
    from apps.sandbox.models import Org

    Org.objects.filter(pk=world.org.pk).update(**values)


def posts(world, path: str) -> int:
    return sum(1 for p in world.api_paths() if p == f"POST {path}")


def test_a_lost_answer_is_looked_for_and_a_retry_never_sends_a_second_copy(world, member, agent_user, fast):
    from apps.sandbox.models import Account as SandboxAccount
    from apps.sandbox.models import Contact as SandboxContact

    agent = member(agent_user)
    new_account, new_contact = reverse("customers:account_new"), reverse("customers:contact_new")

    # 1. Desk saves the account and answers too late: the newest accounts are looked through, it is found,
    #    mirrored, and the create counts as done.
    faults(world, late_answer_rate=1.0, late_answer_seconds=0.8)
    response = agent.post(new_account, {"account_name": "Late Answer Ltd"})
    account = Account.objects.get(connection=world.connection, account_name="Late Answer Ltd")
    assert response["Location"] == reverse("customers:account", args=[account.desk_id])
    assert SandboxAccount.objects.filter(account_name="Late Answer Ltd").count() == 1
    outcomes = list(
        AuditEntry.objects.filter(action="account.create").order_by("id").values_list("outcome", "message")
    )
    assert outcomes[-2][0] == "unknown" and outcomes[-1] == ("success", "unknown → saved")
    faults(world, late_answer_rate=0.0)

    # 2. Desk is slow for every call: the create lands after the client gave up, and the look times out too.
    #    The form says "checking" and keeps the draft; the retry looks first, finds it, and sends nothing.
    draft = {"first_name": "Ada", "last_name": "Lostanswer", "email": "ada@lost.example"}
    faults(world, latency_ms=700)
    response = agent.post(new_contact, draft)
    html = response.content.decode()
    assert "Desk may have saved this — checking" in html and "data-unknown-create" in html
    assert 'value="ada@lost.example"' in html and 'name="retry_of"' in html
    write = UnknownCreate.objects.get(kind="contact", state="unknown")
    faults(world, latency_ms=0)
    response = agent.post(new_contact, {**draft, "retry_of": str(write.pk)})
    contact = Contact.objects.get(connection=world.connection, email="ada@lost.example")
    assert response["Location"] == reverse("customers:contact", args=[contact.desk_id])
    assert SandboxContact.objects.filter(email="ada@lost.example").count() == 1  # the retry sent nothing
    write.refresh_from_db()
    assert write.state == "saved" and write.result_desk_id == contact.desk_id

    # 3. A gateway answers 504 and Desk does nothing: "checking"; a retry while Desk is down sends nothing;
    #    once Desk answers and has no such contact, it is "not saved" and the retry sends it, once.
    draft = {"last_name": "Neversaved", "email": "never@lost.example"}
    faults(world, timeout_rate=1.0, timeout_seconds=0)
    html = agent.post(new_contact, draft).content.decode()
    assert "Desk may have saved this — checking" in html
    write = UnknownCreate.objects.get(kind="contact", state="unknown")
    world.clear_log()
    html = agent.post(new_contact, {**draft, "retry_of": str(write.pk)}).content.decode()
    assert "Desk may have saved this — checking" in html and posts(world, "/contacts") == 0
    faults(world, timeout_rate=0.0)
    fast.TICKETS_UNKNOWN_SETTLE_SECONDS = 0
    world.clear_log()
    response = agent.post(new_contact, {**draft, "retry_of": str(write.pk)})
    assert response.status_code == 302 and posts(world, "/contacts") == 1
    assert SandboxContact.objects.filter(email="never@lost.example").count() == 1
    write.refresh_from_db()
    assert write.state == "not_saved"
    assert AuditEntry.objects.filter(action="contact.create", message="unknown → not saved").exists()
