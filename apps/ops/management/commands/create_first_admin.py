"""Creates the first admin of a fresh database (docs/deploy.md, "First admin").

    python manage.py create_first_admin --username admin --email ops@example.org     # asks for the password
    DESKADMIN_ADMIN_USERNAME=admin DESKADMIN_ADMIN_PASSWORD=... python manage.py create_first_admin --noinput

Idempotent, so a container may run it at every start: when an active admin exists it changes nothing and
exits 0. The password comes from ``DESKADMIN_ADMIN_PASSWORD``, the file ``DESKADMIN_ADMIN_PASSWORD_FILE``
names (Docker secrets), or the prompt; it must pass the password validators and is never printed.
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from apps.core.roles import Role, user_role
from apps.core.services import audit_record, user_create


class Command(BaseCommand):
    help = "Create the first admin (from options, DESKADMIN_ADMIN_* variables or prompts); does nothing once one exists."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--username", default=None, help="default: $DESKADMIN_ADMIN_USERNAME, else 'admin'"
        )
        parser.add_argument("--email", default=None, help="default: $DESKADMIN_ADMIN_EMAIL")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="never prompt: the password must come from DESKADMIN_ADMIN_PASSWORD(_FILE)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user_model = get_user_model()
        admins = [u for u in user_model.objects.filter(is_active=True) if user_role(u) == Role.ADMIN]
        if admins:
            self.stdout.write(
                f"An active admin already exists ({admins[0].get_username()}); nothing changed."
            )
            return
        username = options["username"] or os.environ.get("DESKADMIN_ADMIN_USERNAME") or "admin"
        email = options["email"] or os.environ.get("DESKADMIN_ADMIN_EMAIL", "")
        if user_model.objects.filter(username=username).exists():
            raise CommandError(
                f"A user named {username!r} exists but is not an active admin; choose another --username "
                "(or make that user an admin from the Users page of an admin)."
            )
        password = self._password(interactive=options["interactive"], username=username, email=email)
        with transaction.atomic():
            user = user_create(username=username, password=password, role=Role.ADMIN, email=email)
            audit_record(actor=None, action="user.create_first_admin", target_type="user", target_id=user.pk)
        self.stdout.write(
            self.style.SUCCESS(f"Created the admin {username!r}. Sign in at the console's /login/.")
        )

    def _password(self, *, interactive: bool, username: str, email: str) -> str:
        password = os.environ.get("DESKADMIN_ADMIN_PASSWORD", "")
        password_file = os.environ.get("DESKADMIN_ADMIN_PASSWORD_FILE", "")
        if not password and password_file:
            try:
                password = Path(password_file).read_text().strip()
            except OSError as exc:
                raise CommandError(f"Could not read DESKADMIN_ADMIN_PASSWORD_FILE: {exc.strerror}") from exc
        if not password:
            if not interactive or not sys.stdin.isatty():
                raise CommandError(
                    "No password: set DESKADMIN_ADMIN_PASSWORD or DESKADMIN_ADMIN_PASSWORD_FILE (or run it "
                    "in a terminal without --noinput)."
                )
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords differ.")
        probe = get_user_model()(username=username, email=email)
        try:
            validate_password(password, user=probe)
        except ValidationError as exc:
            raise CommandError("The password was refused: " + " ".join(exc.messages)) from exc
        return password
