"""Insights fixtures: connections built by hand (no sandbox) and a hand-built mirror."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from apps.connections.models import DeskConnection


def make_connection(org_id: str = "70001", org_name: str = "Acme Support") -> DeskConnection:
    connection = DeskConnection(
        org_id=org_id,
        org_name=org_name,
        data_center="us",
        accounts_url="https://accounts.zoho.com",
        api_domain="https://desk.zoho.com",
        client_id="1000.CLIENT",
        grant_id=f"grant-{org_id}",
        scopes=["Desk.tickets.ALL"],
    )
    connection.set_client_secret("client-secret-value")
    connection.set_refresh_token(f"1000.refresh-of-{org_id}")
    connection.set_access_token(f"1000.access-of-{org_id}", expires_at=timezone.now() + timedelta(hours=1))
    connection.save()
    return connection


@pytest.fixture
def connection(db) -> DeskConnection:
    cache.clear()
    yield make_connection()
    cache.clear()
