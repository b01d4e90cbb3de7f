"""The team tests share the tickets tests' world: one seeded sandbox org, connected and synced."""

from tests.integration.tickets.conftest import World, member, signed_in, world

__all__ = ["World", "member", "signed_in", "world"]
