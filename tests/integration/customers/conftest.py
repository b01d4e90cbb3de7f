"""Fixtures for customer tests: the tickets tests' seeded, synced sandbox org (world) and its members."""

from tests.integration.tickets.conftest import member, world  # noqa: F401 (fixtures)
