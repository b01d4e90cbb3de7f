"""Login, the page shell, the audit log page, the health check and the error pages."""

import pytest
from django.test import override_settings
from django.urls import reverse

from apps.core.services import audit_record
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_anonymous_users_are_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_page_renders_with_a_csp_nonce(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"'.encode() in response.content
    assert b"<script>" not in response.content  # no inline script without a nonce


def test_wrong_password_shows_a_clear_message_and_keeps_the_username(client, admin_user):
    response = client.post(reverse("login"), {"username": "ada", "password": "nope"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content
    assert b'value="ada"' in response.content


def test_login_then_dashboard_shows_the_shell(client, admin_user):
    response = client.post(reverse("login"), {"username": "ada", "password": PASSWORD}, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="status"' in html and 'role="alert"' in html
    assert 'id="org-switcher"' in html and 'id="api-budget"' in html
    assert "Keyboard shortcuts" in html
    assert "Audit log" in html  # admins see the audit entry in the side navigation


def test_agent_sees_no_audit_entry_in_navigation_and_gets_403_on_the_page(client, agent_user):
    client.force_login(agent_user)
    assert b"Audit log" not in client.get("/").content
    response = client.get(reverse("core:audit"))
    assert response.status_code == 403
    assert "You don't have access to this page" in response.content.decode()


def test_audit_log_filters_and_htmx_partial(client, manager_user):
    audit_record(actor=manager_user, action="ticket.close", target_type="ticket", target_id=1)
    audit_record(actor=manager_user, action="ticket.assign", outcome="failure", message="Desk said 422")
    client.force_login(manager_user)
    page = client.get(reverse("core:audit"), {"outcome": "failure"})
    assert page.status_code == 200
    assert b"ticket.assign" in page.content and b"ticket.close</code>" not in page.content
    partial = client.get(reverse("core:audit"), {"q": "close"}, headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert b"<html" not in partial.content and b"ticket.close" in partial.content


@pytest.mark.parametrize(
    "query", [{"page": "abc"}, {"page": "99999"}, {"outcome": "<script>"}, {"q": "x" * 5000}]
)
def test_audit_log_survives_bad_query_strings(client, admin_user, query):
    client.force_login(admin_user)
    response = client.get(reverse("core:audit"), query)
    assert response.status_code == 200


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_unknown_page_gets_the_custom_404(client, agent_user):
    client.force_login(agent_user)
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content


@override_settings(DEBUG=False)
def test_server_error_page_is_ours(client):
    from apps.core.views import server_error

    response = server_error(None)
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.content


def test_logout_needs_post_and_ends_the_session(client, agent_user):
    client.force_login(agent_user)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_a_page_section_from_another_app_renders_only_when_its_provider_gives_one(rf):
    from apps.core import shell

    seen = []

    def provider(request, *, connection):
        seen.append(connection)
        return shell.PageSection("x.html", {"n": connection}) if connection else None

    shell.register_section("test:page", provider)
    shell.register_section("test:page", provider)  # registering twice adds it once
    try:
        request = rf.get("/")
        assert shell.sections_for("test:page", request, connection=0) == []
        assert shell.sections_for("test:page", request, connection=7) == [
            shell.PageSection("x.html", {"n": 7})
        ]
        assert seen == [0, 7]
        assert shell.sections_for("test:other", request, connection=7) == []
    finally:
        shell.SECTION_PROVIDERS.pop("test:page")
