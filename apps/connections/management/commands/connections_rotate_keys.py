"""Re-encrypt every stored token and client secret with the newest key in ENCRYPTION_KEYS."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.connections.crypto import DecryptionError
from apps.connections.services import connections_rotate_keys


class Command(BaseCommand):
    help = (
        "Re-encrypt connection secrets with the first (newest) key of ENCRYPTION_KEYS. Put the new key "
        "first, keep the old ones after it, run this, then drop the old keys."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            changed = connections_rotate_keys(actor=None)
        except DecryptionError as exc:
            raise CommandError(f"{exc}. Nothing was changed: add the missing old key and run again.") from exc
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {changed} connection(s) with the newest key."))
