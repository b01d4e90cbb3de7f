"""The sync tests' world (a seeded sandbox org on the live server, connected with real tokens), shared."""

from tests.integration.sync.conftest import make_world, no_sleep  # noqa: F401  (fixtures)
