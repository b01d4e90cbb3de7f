"""`manage.py sandbox_seed`: fill the sandbox with deterministic demo orgs and tickets."""

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.sandbox.seed import seed_sandbox


class Command(BaseCommand):
    help = (
        "Create the sandbox demo orgs (Acme Support on Enterprise, Globex Help on Free) with departments, "
        "agents, teams, accounts, contacts, SLA policies and tickets with threads, comments and attachments. "
        "Existing orgs are kept unless --reset is given. Prints the demo OAuth client's id and secret."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--tickets", type=int, default=500, help="tickets in total, across orgs (default 500)"
        )
        parser.add_argument(
            "--seed", type=int, default=42, help="random seed; the same seed gives the same data"
        )
        parser.add_argument(
            "--reset", action="store_true", help="delete the demo orgs first and rebuild them"
        )

    def handle(self, *args: Any, tickets: int, seed: int, reset: bool, **options: Any) -> None:
        if not settings.DESK_SANDBOX:
            raise CommandError("The sandbox is off (DESK_SANDBOX=false).")
        if tickets < 0 or tickets > 5_000_000:
            raise CommandError("--tickets must be between 0 and 5,000,000.")
        started = time.monotonic()
        verbose = options.get("verbosity", 1) >= 1
        result = seed_sandbox(
            tickets=tickets, seed=seed, reset=reset, progress=self.stdout.write if verbose else None
        )
        elapsed = time.monotonic() - started
        for org in result.orgs:
            self.stdout.write(f"seeded {org.company_name} ({org.get_edition_display()}), orgId {org.pk}")
        for org in result.skipped:
            self.stdout.write(f"kept {org.company_name}, orgId {org.pk} (already there; --reset rebuilds it)")
        self.stdout.write(f"{result.tickets} tickets in {elapsed:.1f}s")
        # Printed to the terminal only (never logged): the operator needs them to connect the console.
        self.stdout.write(f"demo OAuth client id:     {settings.SANDBOX_CLIENT_ID}")
        self.stdout.write(f"demo OAuth client secret: {settings.SANDBOX_CLIENT_SECRET}")
