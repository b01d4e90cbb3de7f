"""Simulated customers for the sandbox: new tickets and customer replies, so the demo lives and webhooks flow."""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from apps.sandbox import models as m
from apps.sandbox import sla, webhooks_out
from apps.sandbox.api.serializers import contact_json, thread_json, ticket_json

logger = logging.getLogger(__name__)

SUBJECTS = (
    "Cannot log in since this morning",
    "Invoice {n} shows the wrong amount",
    "Export to CSV times out",
    "How do I add a second admin?",
    "Order {n} arrived damaged",
    "Password reset email never arrives",
    "Feature request: dark mode for reports",
    "App crashes when uploading a photo",
    "Refund for order {n}",
    "Two-factor codes rejected",
)
LINES = (
    "I tried again after clearing the cache and it still fails.",
    "This is blocking our whole team, please help.",
    "Attached is a screenshot of the error.",
    "It worked fine until last week.",
    "Could you tell me when this will be fixed?",
    "We are on the annual plan if that matters.",
)
REPLIES = (
    "Thanks for the quick answer, but the problem is back.",
    "That fixed it, thank you!",
    "Any update on this?",
    "I have tried the steps you sent; no luck so far.",
    "Here is the extra information you asked for.",
)
FIRST_NAMES = ("Ada", "Grace", "Linus", "Margaret", "Alan", "Barbara", "Dennis", "Frances", "Ken", "Radia")
LAST_NAMES = ("Lovelace", "Hopper", "Torvalds", "Hamilton", "Turing", "Liskov", "Ritchie", "Allen", "Perlman")
CHANNELS = ("Email", "Email", "Email", "Web", "Chat", "Phone")
PRIORITIES = ("Low", "Medium", "Medium", "High", "Urgent")


@dataclass
class StepResult:
    tickets: int = 0
    replies: int = 0
    contacts: int = 0


def _random_row(queryset: QuerySet, rng: random.Random) -> Any:
    """A random row by offset (deterministic for a seeded rng, unlike ORDER BY RANDOM())."""
    size = queryset.count()
    return queryset.order_by("pk")[rng.randrange(size)] if size else None


def _new_contact(org: m.Org, rng: random.Random, now: dt.datetime) -> m.Contact:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    account = _random_row(m.Account.objects.filter(org=org, is_trashed=False), rng)
    contact = m.Contact.objects.create(
        id=m.next_id(org),
        org=org,
        account=account if rng.random() < 0.7 else None,
        first_name=first,
        last_name=last,
        email=f"{first}.{last}.{rng.randint(100, 999)}@example.com".lower(),
        created_time=now,
        modified_time=now,
    )
    webhooks_out.emit(org=org, event_type="Contact_Add", payload=contact_json(contact), now=now)
    return contact


def customer_ticket_create(
    *, org: m.Org, rng: random.Random, now: dt.datetime | None = None
) -> m.Ticket | None:
    """A customer writes in: a new ticket with its first incoming thread (and maybe a new contact)."""
    now = now or timezone.now()
    department = _random_row(m.Department.objects.filter(org=org, is_enabled=True), rng)
    if department is None:
        return None
    with transaction.atomic(using=m.SANDBOX_DB):
        contact = None
        if rng.random() < 0.7:
            contact = _random_row(m.Contact.objects.filter(org=org, is_trashed=False), rng)
        created_contact = contact is None
        if contact is None:
            contact = _new_contact(org, rng, now)
        subject = rng.choice(SUBJECTS).format(n=rng.randint(10_000, 99_999))
        description = " ".join(rng.sample(LINES, 2))
        priority = rng.choice(PRIORITIES)
        channel = rng.choice(CHANNELS)
        policy = sla.policy_for(org=org, department=department)
        response_due, due = sla.ticket_due_dates(
            policy=policy, department=department, priority=priority, created=now
        )
        ticket = m.Ticket.objects.create(
            id=m.next_id(org),
            org=org,
            ticket_number=m.next_ticket_numbers(org)[0],
            subject=subject,
            description=description,
            status="Open",
            status_type="Open",
            priority=priority,
            channel=channel,
            department=department,
            contact=contact,
            account=contact.account,
            email=contact.email,
            sla=policy,
            due_date=due,
            response_due_date=response_due,
            created_time=now,
            modified_time=now,
            customer_response_time=now,
            thread_count=1,
        )
        thread = _incoming_thread(ticket, contact, description, now)
        webhooks_out.emit(org=org, event_type="Ticket_Add", payload=ticket_json(ticket), now=now)
        webhooks_out.emit(
            org=org, event_type="Ticket_Thread_Add", payload=thread_json(thread, full=True), now=now
        )
    ticket._created_contact = created_contact  # type: ignore[attr-defined]
    return ticket


def _incoming_thread(ticket: m.Ticket, contact: m.Contact, content: str, now: dt.datetime) -> m.Thread:
    support = (ticket.department.email_addresses or [""])[0]
    return m.Thread.objects.create(
        id=m.next_id(ticket.org),
        org=ticket.org,
        ticket=ticket,
        direction=m.Thread.Direction.IN,
        channel=ticket.channel.upper(),
        from_email=contact.email,
        to=support,
        subject=ticket.subject,
        summary=content[:200],
        content=content,
        content_type="plainText",
        author_id=contact.pk,
        author_type="END_USER",
        author_name=contact.name,
        author_email=contact.email,
        created_time=now,
    )


def customer_reply_add(*, org: m.Org, rng: random.Random, now: dt.datetime | None = None) -> m.Thread | None:
    """A customer answers on an open or on-hold ticket: an incoming thread; an on-hold ticket reopens."""
    now = now or timezone.now()
    candidates = m.Ticket.objects.filter(
        org=org, is_trashed=False, status_type__in=["Open", "On Hold"], contact__isnull=False
    ).order_by("-created_time")
    # Customers answer on recent tickets; a random offset avoids ORDER BY RANDOM() on big orgs.
    size = min(candidates.count(), 500)
    if size == 0:
        return None
    ticket = candidates.select_related("contact", "department")[rng.randrange(size)]
    with transaction.atomic(using=m.SANDBOX_DB):
        previous = ticket_json(ticket)
        thread = _incoming_thread(ticket, ticket.contact, rng.choice(REPLIES), now)  # type: ignore[arg-type]
        updates = {"thread_count": F("thread_count") + 1, "modified_time": now, "customer_response_time": now}
        if ticket.status_type == "On Hold":
            updates.update(status="Open", status_type="Open")
        m.Ticket.objects.filter(pk=ticket.pk).update(**updates)
        ticket.refresh_from_db()
        webhooks_out.emit(
            org=org, event_type="Ticket_Thread_Add", payload=thread_json(thread, full=True), now=now
        )
        webhooks_out.emit(
            org=org, event_type="Ticket_Update", payload=ticket_json(ticket), prev_state=previous, now=now
        )
    return thread


def activity_step(*, orgs: Iterable[m.Org], rng: random.Random, now: dt.datetime | None = None) -> StepResult:
    """One tick for each org: usually a new ticket, sometimes a customer reply instead."""
    result = StepResult()
    for org in orgs:
        if rng.random() < 0.6:
            ticket = customer_ticket_create(org=org, rng=rng, now=now)
            if ticket is not None:
                result.tickets += 1
                result.contacts += int(getattr(ticket, "_created_contact", False))
        elif customer_reply_add(org=org, rng=rng, now=now) is not None:
            result.replies += 1
    return result


def orgs_matching(selector: str | None) -> list[m.Org]:
    """All orgs, or the one whose id or company name is `selector`."""
    orgs = m.Org.objects.order_by("id")
    if not selector:
        return list(orgs)
    if selector.isdigit():
        return list(orgs.filter(pk=int(selector)))
    return list(orgs.filter(company_name__iexact=selector))


def run_activity(
    *,
    org: str | None = None,
    interval: float = 5.0,
    iterations: int | None = None,
    seed: int | None = None,
    deliver: bool = True,
    report: Callable[[str], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> StepResult:
    """The loop behind `manage.py sandbox_activity` (and the demo): one step every `interval` seconds.

    With `deliver`, due webhooks are also sent after each step, so the loop alone keeps events
    flowing even when no task worker runs.
    """
    rng = random.Random(seed)
    total = StepResult()
    count = 0
    while iterations is None or count < iterations:
        orgs = orgs_matching(org)
        if not orgs:
            raise ValueError(f"No sandbox org matches {org!r}.")
        step = activity_step(orgs=orgs, rng=rng)
        total.tickets += step.tickets
        total.replies += step.replies
        total.contacts += step.contacts
        if deliver:
            try:
                webhooks_out.deliver_pending()
            except Exception:  # a flaky receiver must not stop the simulation
                logger.exception("sandbox activity: webhook delivery failed")
        if report:
            report(f"step {count + 1}: {step.tickets} new tickets, {step.replies} customer replies")
        count += 1
        if iterations is None or count < iterations:
            sleep(interval)
    return total
