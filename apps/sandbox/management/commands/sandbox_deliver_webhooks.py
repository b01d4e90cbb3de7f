"""`manage.py sandbox_deliver_webhooks`: send the sandbox's due webhook events (once, or in a loop)."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.sandbox.webhooks_out import deliver_pending


class Command(BaseCommand):
    help = (
        "Deliver queued sandbox webhook events that are due (signed, batched per subscription, retried "
        "with backoff). With --loop, keep delivering every --interval seconds; otherwise run once. "
        "Not needed when `manage.py db_worker` runs: each change enqueues a delivery task."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="keep running")
        parser.add_argument("--interval", type=float, default=2.0, help="seconds between rounds (default 2)")

    def handle(self, *args: Any, loop: bool, interval: float, **options: Any) -> None:
        if interval <= 0:
            raise CommandError("--interval must be positive.")
        while True:
            delivered = deliver_pending()
            if delivered or not loop:
                self.stdout.write(f"delivered {delivered} events")
            if not loop:
                return
            try:
                time.sleep(interval)
            except KeyboardInterrupt:
                return
