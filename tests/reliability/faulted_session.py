"""A faulted agent session: an agent writes through the console's pages (comments, replies, new tickets)
while the sandbox answers 20 % of calls with a 5xx, starts 429 bursts, hangs, answers writes after the
client's read timeout or cuts their answers off. The agent behaves as a person would: sends, and when the
page says so sends again (after an error or a rate limit), or lets the "checking" banner ask until Desk
says, then sends again only if Desk did not save it.

Used by tests/reliability/test_faulted_session.py (42 writes) and bench/faults.py (hundreds).
Returns the figures: writes meant, lost, duplicated in the sandbox, 500 pages, unknown outcomes and how
they were settled.
"""

from __future__ import annotations

import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.test import Client
from django.urls import reverse

from apps.core.models import AuditEntry
from apps.team.models import Department
from apps.tickets.models import Ticket, UnknownWrite
from apps.tickets.selectors.conversation import department_addresses
from apps.tickets.services.stale import ticket_seen_token
from apps.tickets.services.unknown import unknown_writes_reconcile

HX = {"HX-Request": "true"}
MAX_TRIES = 40  # sends and checks for one write before the agent would give up (never reached in practice)

# The faults, per sandbox org (apps/sandbox/contract.py): shares of calls.
FAULTS = {
    "error_rate": 0.2,  # 500 / 503 before the work
    "burst_429_rate": 0.03,  # 429 TOO_MANY_REQUESTS bursts
    "timeout_rate": 0.02,  # hangs (then a 504), nothing done
    "late_answer_rate": 0.1,  # writes done, answered after the read timeout
    "dropped_answer_rate": 0.05,  # writes done, answers cut off
}


@dataclass
class Figures:
    writes: int = 0
    sends: int = 0
    checks: int = 0
    pages_500: int = 0
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    gave_up: list[str] = field(default_factory=list)
    unknown: int = 0
    saved_after_unknown: int = 0
    not_saved_after_unknown: int = 0
    unresolved: int = 0
    audit_unknown: int = 0
    audit_settled: int = 0
    seconds: float = 0.0
    by_kind: Counter[str] = field(default_factory=Counter)
    # For a write lost or doubled: its tries whose answer was lost (state, looks, seconds to the verdict).
    details: dict[str, list[str]] = field(default_factory=dict)

    def line(self) -> str:
        return (
            f"{self.writes} writes ({dict(self.by_kind)}), {self.sends} sends, {self.checks} checks; "
            f"lost {len(self.lost)}, duplicated {len(self.duplicated)}, 500 pages {self.pages_500}; "
            f"unknown outcomes {self.unknown} (saved {self.saved_after_unknown}, not saved "
            f"{self.not_saved_after_unknown}, unresolved {self.unresolved}); audit: {self.audit_unknown} "
            f"'unknown', {self.audit_settled} settled"
            + (f"; lost or doubled: {self.details}" if self.details else "")
        )


class Agent:
    def __init__(self, client: Client, world: Any, figures: Figures) -> None:
        self.client = client
        self.world = world
        self.figures = figures

    def _post(self, url: str, data: dict[str, Any], *, htmx: bool = True) -> Any:
        response = self.client.post(url, data, headers=HX if htmx else {})
        if response.status_code >= 500:
            self.figures.pages_500 += 1
        return response

    def write(self, kind: str, ticket: Ticket | None, draft: dict[str, Any]) -> bool:
        """Send one write until the console says it is done; True when it did."""
        url = (
            reverse("tickets:new") if kind == "create" else reverse(f"tickets:{kind}", args=[ticket.desk_id])
        )
        retry_of = ""
        for _ in range(MAX_TRIES):
            data = {**draft, "retry_of": retry_of} if retry_of else dict(draft)
            if ticket is not None:
                data["seen"] = ticket_seen_token(Ticket.objects.get(pk=ticket.pk))
                data["confirm_stale"] = "on"  # the agent has read the ticket; its own writes change it
            self.figures.sends += 1
            # Without HTMX (as with scripts off): a write that worked redirects, so no page is rendered
            # for it and the session spends its time on the faults, not on drawing the ticket page.
            response = self._post(url, data, htmx=False)
            state, pk = self._state(response)
            while state == "checking":
                self.figures.checks += 1
                if self.figures.checks % 50 == 0:
                    unknown_writes_reconcile()  # the background task's turn
                response = self._post(reverse("tickets:write_check", args=[pk]), {}, htmx=False)
                state, pk = self._state(response)
            if state == "done":
                return True
            retry_of = pk or retry_of  # "not saved" names the try; an error keeps the last one named
        return False

    def _state(self, response: Any) -> tuple[str, str]:
        """done (the page redirects to the ticket) / checking / again (not saved, or an error that kept the
        draft), and the id of the write the page names."""
        if response.status_code == 302:
            return "done", ""
        body = response.content.decode(errors="replace")
        found = re.search(r'data-unknown-write="(\d+)"', body)
        if found:
            return "checking", found.group(1)
        not_saved = re.search(r'data-unknown-write-not-saved="(\d+)"', body)
        if not_saved:
            return "again", not_saved.group(1)
        return "again", ""


def run_session(
    *, world: Any, agent_client: Client, manager_client: Client, writes: int, seed: int = 13
) -> Figures:
    """``writes`` writes, a third each comments, replies and new tickets, under FAULTS; then the figures."""
    from apps.sandbox.models import Comment as SandboxComment
    from apps.sandbox.models import Org
    from apps.sandbox.models import Thread as SandboxThread
    from apps.sandbox.models import Ticket as SandboxTicket

    rng = random.Random(seed)
    random.seed(seed)  # the sandbox's fault dice
    tickets = list(
        Ticket.objects.filter(connection=world.connection, is_deleted=False)
        .exclude(department_desk_id="")
        .order_by("desk_id")[:10]
    )
    department = Department.objects.filter(connection=world.connection).order_by("desk_id").first()
    figures = Figures()
    agent = Agent(agent_client, world, figures)
    manager = Agent(manager_client, world, figures)
    meant: list[tuple[str, str]] = []
    Org.objects.filter(pk=world.org.pk).update(**FAULTS)
    started = time.monotonic()
    for number in range(writes):
        kind = ("comment", "reply", "create")[number % 3]
        marker = f"fault-session-{seed}-{number:04d}"
        ticket = rng.choice(tickets) if kind != "create" else None
        if kind == "comment":
            draft = {"content": f"Note {marker}: looked into it."}
            done = agent.write("comment", ticket, draft)
        elif kind == "reply":
            address = department_addresses(
                connection=world.connection, department_desk_id=ticket.department_desk_id
            )[0]
            draft = {
                "from_address": address.address,
                "to": "customer@example.com",
                "content_type": "plainText",
                "content": f"Hello, update {marker}: it is fixed.",
            }
            done = agent.write("reply", ticket, draft)
        else:
            draft = {
                "contact_email": "faults@example.com",
                "contact_last_name": "Faults",
                "subject": f"Printer {marker}",
                "department_id": department.desk_id,
            }
            done = manager.write("create", None, draft)
        figures.writes += 1
        figures.by_kind[kind] += 1
        meant.append((kind, marker))
        if not done:
            figures.gave_up.append(marker)
    figures.seconds = time.monotonic() - started
    Org.objects.filter(pk=world.org.pk).update(**dict.fromkeys(FAULTS, 0.0))
    figures.unresolved = unknown_writes_reconcile(older_than=0)

    for kind, marker in meant:
        if kind == "comment":
            count = SandboxComment.objects.filter(content__contains=marker).count()
        elif kind == "reply":
            count = SandboxThread.objects.filter(content__contains=marker, direction="out").count()
        else:
            count = SandboxTicket.objects.filter(subject__contains=marker).count()
        if count == 0:
            figures.lost.append(marker)
        elif count > 1:
            figures.duplicated.append(marker)
        if count != 1:
            figures.details[marker] = [
                f"{w.kind} {w.state} after {w.checks} looks, "
                f"{((w.resolved_at or w.sent_at) - w.sent_at).total_seconds():.1f} s"
                for w in UnknownWrite.objects.filter(connection=world.connection).order_by("sent_at")
                if marker in str(w.payload)
            ]
    rows = UnknownWrite.objects.filter(connection=world.connection)
    figures.unknown = rows.count()
    figures.saved_after_unknown = rows.filter(state="saved").count()
    figures.not_saved_after_unknown = rows.filter(state="not_saved").count()
    actions = ("ticket.comment", "ticket.reply", "ticket.create")
    figures.audit_unknown = AuditEntry.objects.filter(action__in=actions, outcome="unknown").count()
    figures.audit_settled = AuditEntry.objects.filter(
        action__in=actions, message__in=("unknown → saved", "unknown → not saved")
    ).count()
    return figures
