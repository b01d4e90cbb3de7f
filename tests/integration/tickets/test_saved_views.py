"""Saved views: personal ones for their owner, shared ones for the whole org."""

import pytest
from django.urls import reverse

from apps.tickets.models import SavedView

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)


def test_personal_view_is_listed_for_its_owner_only(world, member, agent_user, manager_user):
    agent = member(agent_user)
    response = agent.post(
        reverse("tickets:view_save"),
        {"name": "My open", "query": "status=Open&page=3&bogus=1", "is_shared": "on"},
    )
    assert response.status_code == 302
    view = SavedView.objects.get()
    assert view.query == "status=Open"
    assert view.is_shared is False  # agents cannot share
    assert "My open" in agent.get(reverse("tickets:queue")).content.decode()
    assert "My open" not in member(manager_user).get(reverse("tickets:queue")).content.decode()


def test_shared_view_is_listed_for_everyone_in_the_org(world, member, agent_user, manager_user):
    member(manager_user).post(
        reverse("tickets:view_save"), {"name": "Urgent", "query": "priority=Urgent", "is_shared": "on"}
    )
    page = member(agent_user).get(reverse("tickets:queue")).content.decode()
    assert "Urgent</a>" in page
    assert "?priority=Urgent" in page


def test_only_the_owner_deletes_a_view(world, member, agent_user, manager_user):
    member(manager_user).post(reverse("tickets:view_save"), {"name": "Mine", "query": "", "is_shared": "on"})
    view = SavedView.objects.get()
    assert member(agent_user).post(reverse("tickets:view_delete", args=[view.pk])).status_code == 404
    assert member(manager_user).post(reverse("tickets:view_delete", args=[view.pk])).status_code == 302
    assert not SavedView.objects.exists()


def test_a_view_without_a_name_is_not_saved(world, member, agent_user):
    response = member(agent_user).post(
        reverse("tickets:view_save"), {"name": "   ", "query": "status=Open"}, follow=True
    )
    assert "Give the view a name." in response.content.decode()
    assert not SavedView.objects.exists()
