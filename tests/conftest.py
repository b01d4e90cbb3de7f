"""Shared fixtures: console users in each role."""

import pytest

from apps.core.roles import Role
from apps.core.services import user_create

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def make_user(db):
    def make(username: str, role: Role, **kwargs):
        return user_create(username=username, password=PASSWORD, role=role, **kwargs)

    return make


@pytest.fixture
def admin_user(make_user):
    return make_user("ada", Role.ADMIN, email="admin@deskadmin.local")


@pytest.fixture
def manager_user(make_user):
    return make_user("max", Role.MANAGER, email="manager@deskadmin.local")


@pytest.fixture
def agent_user(make_user):
    return make_user("alex", Role.AGENT, email="agent@deskadmin.local")
