"""The one org switch behind the Overview's links into another org (``insights:org_open``) and the metrics'
drill-down (``insights:drill``): both make the org current and redirect to a path of this site, both answer
404 for an org the user may not see (leaving the session's org alone), and each keeps its own permission."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.connections.selectors import SESSION_KEY
from apps.core.models import OrgMembership
from tests.integration.insights.conftest import make_connection
from tests.integration.tickets.conftest import signed_in


@pytest.fixture
def orgs(connection):
    return connection, make_connection("70002", "Borealis Desk"), make_connection("70003", "Not Yours")


def _member(user, *connections):
    for c in connections:
        OrgMembership.objects.get_or_create(user=user, org_id=c.org_id)
    return signed_in(user)


@pytest.mark.parametrize(
    "evil", ["https://evil.example/", "//evil.example/tickets/", "tickets:queue", "javascript:alert(1)", ""]
)
def test_org_open_refuses_a_target_outside_this_site(orgs, manager_user, evil):
    acme, borealis, _ = orgs
    client = _member(manager_user, acme, borealis)
    response = client.get(reverse("insights:org_open", args=[borealis.pk]), {"next": evil})
    assert response.status_code == 302 and response["Location"] == reverse("core:dashboard")
    assert client.session[SESSION_KEY] == borealis.pk


def test_both_shapes_switch_to_a_visible_org_and_404_another(orgs, manager_user):
    acme, borealis, not_yours = orgs
    client = _member(manager_user, acme, borealis)
    opened = client.get(reverse("insights:org_open", args=[borealis.pk]), {"next": "/tickets/?overdue=1"})
    assert opened["Location"] == "/tickets/?overdue=1" and client.session[SESSION_KEY] == borealis.pk
    drilled = client.get(reverse("insights:drill"), {"org": str(acme.pk), "state": "unclosed"})
    assert (
        drilled["Location"].startswith(reverse("tickets:queue") + "?")
        and "state=unclosed" in drilled["Location"]
    )
    assert client.session[SESSION_KEY] == acme.pk
    # Not a member, unknown, or not a number: 404 both ways, and the current org stays.
    assert (
        client.get(reverse("insights:org_open", args=[not_yours.pk]), {"next": "/tickets/"}).status_code
        == 404
    )
    for org in (str(not_yours.pk), "99999", "abc", "1e3"):
        assert client.get(reverse("insights:drill"), {"org": org}).status_code == 404
    assert client.session[SESSION_KEY] == acme.pk


def test_an_agent_may_open_an_org_from_the_overview_but_not_drill_into_metrics(orgs, agent_user):
    acme, borealis, _ = orgs
    client = _member(agent_user, acme, borealis)
    opened = client.get(reverse("insights:org_open", args=[borealis.pk]), {"next": "/tickets/"})
    assert opened.status_code == 302 and client.session[SESSION_KEY] == borealis.pk
    assert client.get(reverse("insights:drill"), {"org": str(acme.pk)}).status_code == 403
    assert client.session[SESSION_KEY] == borealis.pk
