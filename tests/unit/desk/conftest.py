"""Helpers for the Desk client's unit tests: a fake clock, fake tokens, a client on a MockTransport."""

from __future__ import annotations

import random
from collections.abc import Callable

import httpx
import pytest
from django.core.cache import cache

from apps.desk.client import DeskClient

BASE = "https://desk.zoho.com/api/v1"
ORG = "700001"


class FakeTokens:
    def __init__(self) -> None:
        self.current = "1000.first-token"
        self.refreshes: list[str] = []

    def access_token(self) -> str:
        return self.current

    def refresh_access_token(self, *, rejected: str) -> str:
        self.refreshes.append(rejected)
        self.current = f"1000.fresh-token-{len(self.refreshes)}"
        return self.current


class FakeClock:
    """Time that only moves when the client sleeps, so nothing really waits."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def tokens() -> FakeTokens:
    return FakeTokens()


@pytest.fixture
def make_client(clock: FakeClock, tokens: FakeTokens) -> Callable[..., DeskClient]:
    def make(handler: Callable[[httpx.Request], httpx.Response], **kwargs) -> DeskClient:
        kwargs.setdefault("org_id", ORG)
        return DeskClient(
            api_base_url=BASE,
            token_provider=tokens,
            transport=httpx.MockTransport(handler),
            sleep=clock.sleep,
            clock=clock.time,
            rng=random.Random(4),
            **kwargs,
        )

    return make


def desk_error(status: int, code: str | None, message: str = "problem", **extra) -> httpx.Response:
    body = {"message": message, **extra}
    if code:
        body["errorCode"] = code
    return httpx.Response(status, json=body)
