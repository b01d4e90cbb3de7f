"""Admins manage who can sign in and in which role; nobody else can, and the last admin stays."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from apps.core.models import AuditEntry
from apps.core.roles import Role, user_role

pytestmark = pytest.mark.django_db


def test_admin_adds_a_user_in_a_role_and_it_is_audited(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("core:user_new"),
        {
            "username": "jane",
            "email": "jane@example.org",
            "role": "manager",
            "password": "a-long-passphrase-9",
        },
    )
    assert response.status_code == 302
    jane = get_user_model().objects.get(username="jane")
    assert user_role(jane) == Role.MANAGER
    assert jane.check_password("a-long-passphrase-9")
    entry = AuditEntry.objects.get(action="user.create")
    assert entry.actor == admin_user and entry.target_id == str(jane.pk)
    assert "passphrase" not in str(entry.detail)


def test_bad_user_form_keeps_what_was_typed_and_names_the_fields(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("core:user_new"),
        {"username": "ada", "email": "not-an-email", "role": "boss", "password": "123"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "A user with this username already exists." in html
    assert "Enter a valid email address." in html
    assert "Select a valid choice." in html
    assert 'value="not-an-email"' in html
    assert get_user_model().objects.count() == 1


def test_role_change_over_htmx_returns_the_row_and_a_toast(client, admin_user, agent_user):
    client.force_login(admin_user)
    prefix = f"u{agent_user.pk}"
    response = client.post(
        reverse("core:user_update", args=[agent_user.pk]),
        {f"{prefix}-role": "manager", f"{prefix}-is_active": "on"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert f'id="user-{agent_user.pk}"'.encode() in response.content
    assert b"<html" not in response.content
    assert "Saved alex" in response["HX-Trigger"]
    assert user_role(agent_user) == Role.MANAGER


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(client, admin_user):
    client.force_login(admin_user)
    prefix = f"u{admin_user.pk}"
    response = client.post(
        reverse("core:user_update", args=[admin_user.pk]),
        {f"{prefix}-role": "agent"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "at least one active admin" in response["HX-Trigger"]
    admin_user.refresh_from_db()
    assert user_role(admin_user) == Role.ADMIN and admin_user.is_active
    assert AuditEntry.objects.filter(action="user.update", outcome="denied").exists()


@pytest.mark.parametrize(
    "url_name,args", [("core:users", []), ("core:user_new", []), ("core:user_update", [1])]
)
def test_managers_and_agents_cannot_manage_users(client, manager_user, url_name, args):
    client.force_login(manager_user)
    assert client.get(reverse(url_name, args=args)).status_code in (403, 405)
    assert client.post(reverse(url_name, args=args), {}).status_code == 403


def test_updating_an_unknown_user_is_a_404(client, admin_user):
    client.force_login(admin_user)
    assert client.post(reverse("core:user_update", args=[999999]), {}).status_code == 404
