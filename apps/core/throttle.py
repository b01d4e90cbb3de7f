"""Sign-in throttling: failed sign-ins counted per username and per address in the cache; a lockout refuses
even the right password until it ends or an admin lifts it on the Users page. Both are audited.

Django's cache (Redis in production, shared by every web process), not a model: failures expire by
themselves, and nothing is written to the database on the hot path of a password-guessing script.
The address is ``REMOTE_ADDR`` (the proxy in front sets it; a client-supplied ``X-Forwarded-For`` is
never trusted, or an attacker would pick a fresh address per guess).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.http import HttpRequest

from apps.core.services import audit_record

_PREFIX = "login-throttle"
_REGISTRY = f"{_PREFIX}:locked"  # the keys locked now, for the Users page (entries expire with them)


@dataclass(frozen=True)
class Lockout:
    """One locked key: what it names (a username or an address), until when, after how many failures."""

    kind: str  # "user" or "address"
    value: str
    until: float
    failures: int

    @property
    def minutes_left(self) -> int:
        return max(1, int((self.until - time.time() + 59) // 60))

    @property
    def token(self) -> str:
        return f"{self.kind}:{self.value}"


def client_address(request: HttpRequest | None) -> str:
    return str((request.META.get("REMOTE_ADDR") if request is not None else "") or "unknown")[:64]


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"{_PREFIX}:{kind}:{digest}"


def _limits() -> dict[str, int]:
    return {
        "user": settings.LOGIN_THROTTLE_USER_FAILURES,
        "address": settings.LOGIN_THROTTLE_ADDRESS_FAILURES,
    }


def _state(kind: str, value: str) -> dict[str, Any]:
    return cache.get(_key(kind, value)) or {"failures": 0, "until": 0.0}


def lockout_for(*, username: str, address: str) -> Lockout | None:
    """The lockout that refuses this sign-in now (the username's first), or None."""
    now = time.time()
    for kind, value in (("user", username), ("address", address)):
        if not value:
            continue
        state = _state(kind, value)
        if state["until"] > now:
            return Lockout(kind=kind, value=value, until=state["until"], failures=state["failures"])
    return None


def failure_record(*, username: str, address: str, request: HttpRequest | None = None) -> None:
    """Count one failed sign-in for the username and the address; lock whichever reached its limit."""
    now = time.time()
    window = settings.LOGIN_THROTTLE_WINDOW_SECONDS
    lockout_seconds = settings.LOGIN_THROTTLE_LOCKOUT_SECONDS
    for kind, value in (("user", username), ("address", address)):
        if not value:
            continue
        state = _state(kind, value)
        if state["until"] > now:
            continue  # already locked: the lockout is not stretched by more guesses
        state["failures"] += 1
        if state["failures"] >= _limits()[kind]:
            state["until"] = now + lockout_seconds
            _registry_add(kind, value, state["until"])
            audit_record(
                actor=None,
                action="auth.locked_out",
                target_type="login",
                target_id=f"{kind}:{value}"[:64],
                outcome="denied",
                message=(
                    f"Sign-in locked for {'user ' + value if kind == 'user' else 'address ' + value} after "
                    f"{state['failures']} failed attempts, for {lockout_seconds // 60} min"
                ),
                detail={"kind": kind, "value": value, "failures": state["failures"], "address": address},
            )
        cache.set(_key(kind, value), state, timeout=max(window, lockout_seconds))


def success_record(*, username: str) -> None:
    """A good sign-in clears the username's failures (the address keeps its own count)."""
    cache.delete(_key("user", username))


def _registry_add(kind: str, value: str, until: float) -> None:
    entries = {e: u for e, u in (cache.get(_REGISTRY) or {}).items() if u > time.time()}
    entries[f"{kind}:{value}"] = until
    cache.set(_REGISTRY, entries, timeout=settings.LOGIN_THROTTLE_LOCKOUT_SECONDS)


def lockouts_current() -> list[Lockout]:
    """Every lockout in force (for the Users page)."""
    now = time.time()
    found = []
    for entry in sorted(cache.get(_REGISTRY) or {}):
        kind, _, value = entry.partition(":")
        state = _state(kind, value)
        if state["until"] > now:
            found.append(Lockout(kind=kind, value=value, until=state["until"], failures=state["failures"]))
    return found


def lockout_lift(*, actor: User, token: str) -> Lockout | None:
    """An admin lifts a lockout (``user:name`` or ``address:1.2.3.4``): its failures are forgotten too.
    Audited; returns what was lifted, or None when nothing was locked under that name."""
    kind, _, value = token.partition(":")
    if kind not in ("user", "address") or not value:
        return None
    state = _state(kind, value)
    if state["until"] <= time.time():
        return None
    cache.delete(_key(kind, value))
    entries = dict(cache.get(_REGISTRY) or {})
    entries.pop(token, None)
    cache.set(_REGISTRY, entries, timeout=settings.LOGIN_THROTTLE_LOCKOUT_SECONDS)
    audit_record(
        actor=actor,
        action="auth.unlocked",
        target_type="login",
        target_id=token[:64],
        message=f"Sign-in unlocked for {'user' if kind == 'user' else 'address'} {value}",
        detail={"kind": kind, "value": value},
    )
    return Lockout(kind=kind, value=value, until=state["until"], failures=state["failures"])


def lockout_message(lockout: Lockout) -> str:
    who = "this account" if lockout.kind == "user" else "your network address"
    return (
        f"Too many failed sign-ins for {who}. Sign-in is locked for {lockout.minutes_left} more "
        "minute(s); an administrator can unlock it on the Users page."
    )
