"""The first admin of a fresh database: the command (options, environment, prompts refused in --noinput) and
the sign-in page's first-run state."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.urls import reverse

from apps.core.models import AuditEntry
from apps.core.roles import Role, user_role

STRONG = "correct-horse-battery-staple-42"


@pytest.fixture
def admin_env(monkeypatch):
    for name in ("DESKADMIN_ADMIN_USERNAME", "DESKADMIN_ADMIN_EMAIL", "DESKADMIN_ADMIN_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("DESKADMIN_ADMIN_PASSWORD_FILE", raising=False)
    return monkeypatch


def run(*args: str) -> str:
    out = StringIO()
    call_command("create_first_admin", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_first_run_page_then_the_command_from_the_environment_then_sign_in(client, admin_env):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert b"Nobody can sign in yet" in page.content
    assert b"create_first_admin" in page.content

    admin_env.setenv("DESKADMIN_ADMIN_USERNAME", "ops")
    admin_env.setenv("DESKADMIN_ADMIN_EMAIL", "ops@example.org")
    admin_env.setenv("DESKADMIN_ADMIN_PASSWORD", STRONG)
    output = run("--noinput")
    assert "Created the admin 'ops'" in output
    assert STRONG not in output  # the password is never printed
    user = User.objects.get(username="ops")
    assert user_role(user) == Role.ADMIN and user.email == "ops@example.org"
    assert AuditEntry.objects.filter(action="user.create_first_admin", target_id=str(user.pk)).exists()

    page = client.get(reverse("login"))
    assert b"Nobody can sign in yet" not in page.content and b"Sign in" in page.content
    assert client.post(reverse("login"), {"username": "ops", "password": STRONG}).status_code == 302

    # Idempotent: a container may run it at every start.
    assert "already exists" in run("--noinput")
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_password_file_and_options(tmp_path, admin_env):
    secret = tmp_path / "admin_password"
    secret.write_text(STRONG + "\n")
    admin_env.setenv("DESKADMIN_ADMIN_PASSWORD_FILE", str(secret))
    run("--noinput", "--username", "root-admin", "--email", "root@example.org")
    assert User.objects.get(username="root-admin").check_password(STRONG)


@pytest.mark.django_db
def test_refusals_create_nobody(admin_env):
    with pytest.raises(CommandError, match="No password"):
        run("--noinput")
    admin_env.setenv("DESKADMIN_ADMIN_PASSWORD", "123")
    with pytest.raises(CommandError, match="refused"):
        run("--noinput")
    assert not User.objects.exists()
    # A user that is not an admin keeps its name: the command does not take it over.
    User.objects.create_user("admin", password=STRONG)
    admin_env.setenv("DESKADMIN_ADMIN_PASSWORD", STRONG)
    with pytest.raises(CommandError, match="not an active admin"):
        run("--noinput")
