"""Sign-in throttling: lockout by username and by address, a clear message, the right password refused while
locked, an admin's unlock on the Users page; every lockout and unlock audited."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from apps.core.models import AuditEntry
from apps.core.roles import Role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _sign_in(username: str, password: str, *, address: str = "203.0.113.7"):
    return Client(REMOTE_ADDR=address).post(reverse("login"), {"username": username, "password": password})


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one_until_an_admin_unlocks_it(
    make_user, admin_user, client
):
    make_user("dana", role=Role.AGENT)
    for _ in range(4):
        page = _sign_in("dana", "wrong")
        assert page.status_code == 200 and "Please enter a correct username and password" in page.text
    page = _sign_in("dana", "wrong")
    assert "Too many failed sign-ins for this account" in page.text
    assert "an administrator can unlock it on the Users page" in page.text

    # The right password, from another address: still refused, and no session.
    page = _sign_in("dana", PASSWORD, address="198.51.100.9")
    assert page.status_code == 200 and "Too many failed sign-ins" in page.text
    assert "_auth_user_id" not in page.client.session

    locked = AuditEntry.objects.get(action="auth.locked_out")
    assert locked.target_id == "user:dana" and locked.outcome == "denied"

    client.force_login(admin_user)
    users = client.get(reverse("core:users"))
    assert "Locked sign-ins" in users.text and "dana" in users.text
    answer = client.post(reverse("core:login_unlock"), {"lockout": "user:dana"})
    assert answer.status_code == 302
    unlocked = AuditEntry.objects.get(action="auth.unlocked")
    assert unlocked.actor_id == admin_user.pk and unlocked.target_id == "user:dana"

    assert _sign_in("dana", PASSWORD).status_code == 302  # signed in


def test_one_address_guessing_many_usernames_is_locked_by_address(make_user):
    make_user("erin", role=Role.AGENT)
    for n in range(20):
        _sign_in(f"nobody-{n}", "guess", address="192.0.2.50")
    page = _sign_in("erin", PASSWORD, address="192.0.2.50")
    assert "Too many failed sign-ins for your network address" in page.text
    # Another address is not held back by it.
    assert _sign_in("erin", PASSWORD, address="192.0.2.51").status_code == 302
    assert AuditEntry.objects.filter(action="auth.locked_out", target_id="address:192.0.2.50").exists()


def test_a_good_sign_in_clears_the_count_and_unlocking_nothing_says_so(make_user, admin_user, client):
    make_user("finn", role=Role.AGENT)
    for _ in range(4):
        _sign_in("finn", "wrong")
    assert _sign_in("finn", PASSWORD).status_code == 302
    for _ in range(4):
        _sign_in("finn", "wrong")
    assert _sign_in("finn", PASSWORD).status_code == 302  # 4 + 4 failures, never 5 in a row

    client.force_login(admin_user)
    answer = client.post(reverse("core:login_unlock"), {"lockout": "user:finn"}, follow=True)
    assert "was not locked" in answer.text
    assert not AuditEntry.objects.filter(action="auth.unlocked").exists()
