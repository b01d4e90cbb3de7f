"""Shared fixtures: console users in each role."""

import shutil
import tempfile
from pathlib import Path

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


def pytest_sessionfinish(session, exitstatus):
    """Remove this test process's scratch folder (see deskadmin/settings_test.py)."""
    from django.conf import settings

    data_dir = Path(settings.DATA_DIR)
    if data_dir.is_relative_to(Path(tempfile.gettempdir()) / "deskadmin-tests"):
        shutil.rmtree(data_dir, ignore_errors=True)
