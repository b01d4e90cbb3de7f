"""`manage.py sandbox_activity`: simulated customers opening tickets and replying, every few seconds."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.sandbox.activity import run_activity


class Command(BaseCommand):
    help = (
        "Simulate customers in the sandbox: new tickets and customer replies every --interval seconds "
        "(all orgs, or --org by id or name), queueing webhooks as the real Desk would. Runs until "
        "interrupted unless --iterations is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", default=None, help="orgId or company name (default: every org)")
        parser.add_argument(
            "--interval",
            type=float,
            default=None,
            help="seconds between steps (default: the SANDBOX_ACTIVITY_INTERVAL setting, else 5)",
        )
        parser.add_argument(
            "--if-enabled",
            action="store_true",
            help="exit at once unless the SANDBOX_ACTIVITY setting is true (for the demo's start script)",
        )
        parser.add_argument("--iterations", type=int, default=None, help="stop after N steps")
        parser.add_argument("--seed", type=int, default=None, help="random seed for repeatable runs")
        parser.add_argument(
            "--no-deliver", action="store_true", help="only queue webhooks; leave delivery to the task worker"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DESK_SANDBOX:
            raise CommandError("The sandbox is off (DESK_SANDBOX=false).")
        if options["if_enabled"] and not settings.SANDBOX_ACTIVITY:
            self.stdout.write("SANDBOX_ACTIVITY is off; no simulated customers.")
            return
        if options["interval"] is None:
            options["interval"] = float(settings.SANDBOX_ACTIVITY_INTERVAL)
        if options["interval"] < 0:
            raise CommandError("--interval must not be negative.")
        if options["iterations"] is not None and options["iterations"] < 1:
            raise CommandError("--iterations must be at least 1.")
        try:
            total = run_activity(
                org=options["org"],
                interval=options["interval"],
                iterations=options["iterations"],
                seed=options["seed"],
                deliver=not options["no_deliver"],
                report=self.stdout.write if options.get("verbosity", 1) >= 1 else None,
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        except KeyboardInterrupt:
            self.stdout.write("stopped")
            return
        self.stdout.write(
            f"done: {total.tickets} tickets, {total.replies} replies, {total.contacts} new contacts"
        )
