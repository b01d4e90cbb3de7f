"""Every org-scoped section says the same thing when no Desk org is connected: what is missing, and the way to
Connections for an admin (one shared page, templates/core/no_connection.html, each app naming what it shows)."""

import pytest
from django.urls import reverse


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "missing", "after_sync"),
    [
        ("tickets:queue", "No Desk org to show tickets from", "its tickets appear"),
        ("customers:contacts", "No Desk org to show customers from", "its contacts and accounts appear"),
        ("team:agents", "No Desk org to show agents from", "its agents, departments and teams appear"),
        ("insights:dashboard", "No Desk org to measure", "its metrics appear"),
    ],
)
def test_a_section_without_an_org_says_what_is_missing_and_links_to_connections(
    admin_client, url_name, missing, after_sync
):
    body = admin_client.get(reverse(url_name)).content.decode()
    assert missing in body
    assert f"Connect a Zoho Desk org first; {after_sync} here after the first sync." in body
    assert reverse("connections:list") in body
