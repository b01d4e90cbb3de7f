"""Roles are groups with exactly the permissions their job needs."""

import pytest
from django.contrib.auth.models import Group

from apps.core.roles import (
    ADMIN_PERMISSIONS,
    AGENT_PERMISSIONS,
    MANAGER_PERMISSIONS,
    Role,
    role_assign,
    user_role,
)

pytestmark = pytest.mark.django_db


def test_migrate_creates_the_three_role_groups_with_their_permissions():
    for role, codenames in (
        (Role.ADMIN, ADMIN_PERMISSIONS),
        (Role.MANAGER, MANAGER_PERMISSIONS),
        (Role.AGENT, AGENT_PERMISSIONS),
    ):
        group = Group.objects.get(name=role.value)
        assert set(group.permissions.values_list("codename", flat=True)) == set(codenames)


def test_agent_can_triage_but_not_bulk_edit_or_connect(agent_user):
    assert agent_user.has_perm("core.view_tickets")
    assert agent_user.has_perm("core.reply_tickets")
    assert agent_user.has_perm("core.comment_tickets")
    assert agent_user.has_perm("core.assign_tickets")
    assert agent_user.has_perm("core.close_tickets")
    assert not agent_user.has_perm("core.bulk_edit_tickets")
    assert not agent_user.has_perm("core.view_insights")
    assert not agent_user.has_perm("core.manage_connections")


def test_manager_has_everything_on_tickets_and_insights_but_no_admin_rights(manager_user):
    for codename in ("edit_tickets", "delete_tickets", "bulk_edit_tickets", "view_insights", "reply_tickets"):
        assert manager_user.has_perm(f"core.{codename}")
    for codename in ("manage_connections", "manage_webhooks", "manage_agents"):
        assert not manager_user.has_perm(f"core.{codename}")


def test_admin_connects_orgs_and_manages_webhooks_and_agents(admin_user):
    for codename in ("manage_connections", "manage_webhooks", "manage_agents", "bulk_edit_tickets"):
        assert admin_user.has_perm(f"core.{codename}")


def test_user_role_is_the_strongest_group_and_superusers_are_admins(make_user, django_user_model):
    user = make_user("both", Role.AGENT)
    user.groups.add(Group.objects.get(name="manager"))
    assert user_role(user) == Role.MANAGER
    root = django_user_model.objects.create_superuser("root", "root@example.org", "pw-long-enough-1")
    assert user_role(root) == Role.ADMIN


def test_role_assign_replaces_the_previous_role(make_user):
    user = make_user("switcher", Role.ADMIN)
    role_assign(user=user, role=Role.AGENT)
    assert list(user.groups.values_list("name", flat=True)) == ["agent"]
    assert user_role(user) == Role.AGENT
