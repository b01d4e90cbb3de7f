"""0 requests reach Desk (the sandbox) while a manager browses Insights on a synced org."""

import pytest
from django.urls import reverse

from tests.integration.tickets.conftest import World, member, world

__all__ = ["World", "member", "world"]

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)


def test_browsing_insights_makes_no_desk_request(world, member, manager_user):
    client = member(manager_user)
    pk = world.connection.pk
    for query in (
        "",
        "?range=today",
        "?range=30d",
        "?org=all",
        "?range=custom&start=2026-01-01&end=2026-03-01",
    ):
        assert client.get(reverse("insights:dashboard") + query).status_code == 200, query
        assert client.get(reverse("insights:metrics") + query).status_code == 200, query
    assert client.get(reverse("insights:chart_csv") + "?chart=volume").status_code == 200
    export = client.get(reverse("insights:drill") + f"?org={pk}&state=unclosed&export=csv")
    assert b"".join(export.streaming_content).startswith(b"ticket_number,")
    landed = client.get(reverse("insights:drill") + f"?org={pk}&state=unclosed", follow=True)
    assert landed.status_code == 200
    assert world.api_calls() == 0, world.api_paths()
