"""Writes whose answer was lost, the part every app shares: recorded, looked for in Desk, settled once.

A write whose answer never arrives (``DeskOutcomeUnknown``: a read timeout, a connection cut mid-answer, a
gateway's 502/504) may or may not have been saved by Desk. Each app keeps its own record of such writes
(the tickets' ``UnknownWrite``, the customers' ``UnknownCreate``: the same columns for all that is read and
written here) and says what to look for and what a settled write does (Desk's copy mirrored, the bulk item
counted, the audit entry). This module holds the rest, one policy for every lost answer:

- the typed errors the forms show (``OutcomeUnknown`` "checking", ``NotSaved`` "send it again");
- the draft's fingerprint, and the content matching (normalised text, the start of a message, a field as
  Desk shows it, the oldest match among Desk's newest objects);
- the timing, read from the settings ``TICKETS_UNKNOWN_CHECK_DELAY`` (wait before the first look),
  ``…_SETTLE_SECONDS`` (after this, not found means not saved), ``…_WINDOW_SECONDS`` (how far back a look
  and a retry reach) and ``…_RECHECK_SECONDS`` (the background look's interval);
- one look (``check``), settling a write once however many lookers race (``settle``), the look right after
  the loss (``settle_now``), earlier tries settled before a draft is sent again (``earlier_tries_settled``),
  and the background reconcile (``reconcile``, ``queue_reconcile``, ``reconcile_task_run``).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, Protocol

from django.conf import settings
from django.core.cache import cache
from django.db.models import F, Q
from django.utils import timezone

from apps.connections.models import DeskConnection
from apps.desk import types as desk
from apps.desk.client import DeskClient
from apps.desk.errors import DeskError
from apps.mirror.apply import plain_text

# The states of a lost write (both apps' ``State`` choices have these values).
UNKNOWN, SAVED, NOT_SAVED = "unknown", "saved", "not_saved"


class LostWrite(Protocol):
    """What this module reads and writes of an app's record of a lost write (a model instance)."""

    pk: Any
    connection: DeskConnection
    state: str
    sent_at: datetime
    result_desk_id: str

    def refresh_from_db(self) -> None: ...


# What an app gives: how to look for a write's object in Desk, and what happens once it is settled (called
# once, by the looker that settled it: state, Desk's object or None, its Desk id, the look's credits).
Look = Callable[[Any, DeskClient], desk.DeskObject | None]
Settled = Callable[[Any, str, desk.DeskObject | None, str, int], None]


class OutcomeUnknown(DeskError):
    """Desk's answer was lost and looking has not settled it yet: the draft is kept, nothing is resent."""

    def __init__(self, write: Any) -> None:
        super().__init__(
            "Desk may have saved this — checking. Your draft is kept; nothing is sent again until Desk says.",
            error_code="OUTCOME_UNKNOWN",
        )
        self.write = write


class NotSaved(DeskError):
    """Desk's answer was lost and Desk does not have the object: sending it again is safe."""

    def __init__(self, write: Any) -> None:
        super().__init__(
            "Desk's answer was lost and Desk did not save this. Your draft is kept; send it again.",
            error_code="NOT_SAVED",
        )
        self.write = write


# --- timing ---------------------------------------------------------------------------------------------


def window() -> timedelta:
    """How far back a look walks before the send, and how far back a retry finds earlier tries."""
    return timedelta(seconds=float(settings.TICKETS_UNKNOWN_WINDOW_SECONDS))


def settle_by(write: LostWrite) -> datetime:
    """After this, an object not found is one Desk did not save (it cannot still be working on it)."""
    return write.sent_at + timedelta(seconds=float(settings.TICKETS_UNKNOWN_SETTLE_SECONDS))


# --- content matching -----------------------------------------------------------------------------------


def normal_text(text: str | None) -> str:
    """Desk's HTML (or a draft's text) as plain text with its whitespace squeezed; case kept."""
    return " ".join(plain_text(text or "").split()).strip()


def normal_words(value: Any) -> str:
    """Any value as text with its whitespace squeezed, lower case (names, e-mail addresses)."""
    return " ".join(str(value or "").split()).lower()


def fingerprint(
    *where: Any, payload: dict[str, Any], normal: Callable[[str], str], leave_out: str | None = None
) -> str:
    """The same draft to the same place (``where``: kind, connection id, …) gives the same fingerprint; the
    draft's text fields compared as ``normal`` gives them, its ``leave_out`` key not at all."""
    normalised = {
        key: normal(value) if isinstance(value, str) else value
        for key, value in payload.items()
        if key != leave_out
    }
    raw = json.dumps([*where, normalised], sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def first_match[T](
    items: Iterable[T], *, since: datetime, when: Callable[[T], datetime | None], matches: Callable[[T], bool]
) -> T | None:
    """The oldest matching item among the newest ones (walked newest first until older than ``since``)."""
    found: T | None = None
    for item in items:
        moment = when(item)
        if moment is not None and moment < since:
            break
        if matches(item):
            found = item  # keep walking: the oldest match is the write's (a later one is a copy)
    return found


def same_start(summary: str, content: str, *, length: int = 60) -> bool:
    """Desk's thread summary is the start of the message as plain text: compare letters and digits only."""
    a = re.sub(r"\W+", "", normal_text(summary).lower())[:length]
    b = re.sub(r"\W+", "", normal_text(content).lower())[:length]
    if not a or not b:
        return False
    n = min(len(a), len(b))
    return a[:n] == b[:n]


def field_equal(current: Any, wanted: Any) -> bool:
    """A field as Desk has it says what was asked (case and surrounding spaces aside; empty is empty)."""
    if wanted in (None, ""):
        return current in (None, "")
    return str(current or "").strip().lower() == str(wanted).strip().lower()


# --- recording ------------------------------------------------------------------------------------------


def record[W](
    model: type[W],
    *,
    connection: DeskConnection,
    actor: Any,
    fingerprint: str,
    payload: dict[str, Any],
    known: list[str],
    sent_at: datetime,
    **fields: Any,
) -> W:
    """The app's record of a write whose answer was lost (the app's own ``fields`` besides)."""
    created: W = model._default_manager.create(  # type: ignore[attr-defined]
        connection=connection,
        actor=actor if actor is not None and actor.is_authenticated else None,
        fingerprint=fingerprint,
        payload=payload,
        known_ids=known,
        sent_at=sent_at,
        message="Desk's answer was lost; it may have saved this.",
        **fields,
    )
    return created


# --- looking and settling -------------------------------------------------------------------------------


def _counted(write: LostWrite, **changes: Any) -> None:
    type(write)._default_manager.filter(pk=write.pk).update(  # type: ignore[attr-defined]
        checks=F("checks") + 1, checked_at=timezone.now(), **changes
    )
    write.refresh_from_db()


def _credits(api: object) -> int:
    value = getattr(api, "credits_spent", None)
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0


def check(
    write: LostWrite,
    *,
    look: Look,
    settled: Settled,
    open_client: Callable[[DeskConnection], DeskClient],
    client: DeskClient | None = None,
) -> desk.DeskObject | None:
    """Look for the write's object in Desk once and settle the write if the look is conclusive.

    Returns Desk's object when it is found (the write is SAVED then). A look that fails (Desk down,
    rate-limited) leaves the write unknown. Only one of several concurrent lookers records the outcome.
    ``client`` is the caller's (left open); without one, ``open_client`` gives one, closed after the look.
    """
    if write.state != UNKNOWN:
        return None
    api = client or open_client(write.connection)
    before = _credits(api)
    try:
        found = look(write, api)
    except DeskError as error:
        _counted(write, message=f"Could not look yet: {error.message}"[:500])
        return None
    finally:
        spent = max(0, _credits(api) - before)
        if client is None:
            api.close()
    if found is not None:
        settle(write, SAVED, found=found, credits=spent, settled=settled)
        return found if write.state == SAVED else None
    if timezone.now() >= settle_by(write):
        settle(write, NOT_SAVED, found=None, credits=spent, settled=settled)
    else:
        _counted(write)
    return None


def settle(
    write: LostWrite, state: str, *, found: desk.DeskObject | None, credits: int, settled: Settled
) -> None:
    """Record the outcome unless another looker did a moment ago; the one that records it runs ``settled``."""
    desk_id = str(getattr(found, "id", "") or "")
    now = timezone.now()
    won = (
        type(write)
        ._default_manager.filter(pk=write.pk, state=UNKNOWN)  # type: ignore[attr-defined]
        .update(
            state=state,
            resolved_at=now,
            checked_at=now,
            checks=F("checks") + 1,
            result_desk_id=desk_id,
            message="Desk had saved it." if state == SAVED else "Desk did not save it.",
        )
    )
    write.refresh_from_db()
    if won:
        settled(write, state, found, desk_id, credits)


def settle_now(
    write: LostWrite,
    *,
    check: Callable[[Any], desk.DeskObject | None],
    queue_reconcile: Callable[[], None],
    not_saved: type[NotSaved],
    pending: type[OutcomeUnknown],
) -> desk.DeskObject | None:
    """Right after the lost answer: wait briefly, look once. Returns when it was saved (Desk's object, or
    None when another looker settled it first: ``write.result_desk_id`` names it); raises ``not_saved`` or
    ``pending`` otherwise (a background look is queued then)."""
    delay = float(settings.TICKETS_UNKNOWN_CHECK_DELAY)
    if delay > 0:
        time.sleep(delay)
    found = check(write)
    if write.state == SAVED:
        return found
    if write.state == NOT_SAVED:
        raise not_saved(write)
    queue_reconcile()
    raise pending(write)


def _saved(write: LostWrite) -> bool:
    return write.state == SAVED


def earlier_tries_settled[W: LostWrite](
    model: type[W],
    *,
    connection: DeskConnection,
    fingerprint: str,
    retry_of: str | int | None,
    check: Callable[[W], Any],
    pending: type[OutcomeUnknown],
    saved: Callable[[W], bool] = _saved,
) -> W | None:
    """Settle earlier tries of this same draft (the unsettled ones, and the one the page's retry names)
    before it is sent again: returns a try Desk has (nothing must be sent), raises ``pending`` while one
    cannot be settled yet, returns None when sending is safe."""
    wanted = Q(state=UNKNOWN)
    if retry_of and str(retry_of).isdecimal():
        wanted |= Q(pk=int(str(retry_of)))
    earlier: list[W] = list(
        model._default_manager.filter(  # type: ignore[attr-defined]
            wanted, connection=connection, fingerprint=fingerprint, sent_at__gte=timezone.now() - window()
        ).select_related("connection")
    )
    for write in earlier:
        if write.state == UNKNOWN:
            check(write)
    for write in earlier:
        if saved(write):
            return write
    for write in earlier:
        if write.state == UNKNOWN:
            raise pending(write)
    return None


# --- the background look --------------------------------------------------------------------------------


def reconcile(
    model: type[Any],
    *,
    check: Callable[[Any], Any],
    connection: DeskConnection | None = None,
    older_than: float | None = None,
) -> int:
    """Look once for every write still unknown (sent at least ``older_than`` seconds ago, the check delay by
    default); returns how many are still unknown afterwards."""
    wait = float(settings.TICKETS_UNKNOWN_CHECK_DELAY if older_than is None else older_than)
    rows = model._default_manager.filter(state=UNKNOWN, sent_at__lte=timezone.now() - timedelta(seconds=wait))
    if connection is not None:
        rows = rows.filter(connection=connection)
    for write in rows.select_related("connection").order_by("sent_at", "id"):
        check(write)
    remaining = model._default_manager.filter(state=UNKNOWN)
    if connection is not None:
        remaining = remaining.filter(connection=connection)
    return int(remaining.count())


def queue_reconcile(*, flag: str, task: Any) -> None:
    """One background look later on (at most one queued at a time, ``flag`` says so in the cache), where the
    task backend can wait (tests' immediate backend cannot: the page's own checks settle it there)."""
    from django.tasks import default_task_backend

    if not getattr(default_task_backend, "supports_defer", False):
        return
    recheck = int(settings.TICKETS_UNKNOWN_RECHECK_SECONDS)
    if not cache.add(flag, 1, timeout=recheck * 4):
        return  # one is queued already
    task.using(run_after=timezone.now() + timedelta(seconds=recheck)).enqueue()


def reconcile_task_run(
    *, flag: str, reconcile: Callable[[], int], queue: Callable[[], None]
) -> dict[str, Any]:
    """What an app's reconcile task runs: the flag cleared, one look for each unsettled write, the next look
    queued while some remain."""
    cache.delete(flag)
    remaining = reconcile()
    if remaining:
        queue()
    return {"unknown": remaining}
