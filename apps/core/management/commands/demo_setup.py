"""Creates the demo users (admin, manager, agent) once and prints their credentials."""

import json
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from apps.core.roles import Role, role_assign

DEMO_USERS = (
    ("admin", Role.ADMIN, "admin@deskadmin.local", "Ada", "Admin"),
    ("manager", Role.MANAGER, "manager@deskadmin.local", "Max", "Manager"),
    ("agent", Role.AGENT, "agent@deskadmin.local", "Alex", "Agent"),
)


class Command(BaseCommand):
    help = "Create the demo admin, manager and agent (passwords kept in the data folder) and print them."

    def handle(self, *args: Any, **options: Any) -> None:
        credentials_file = Path(settings.DATA_DIR) / "demo_credentials.json"
        saved: dict[str, str] = {}
        if credentials_file.exists():
            saved = json.loads(credentials_file.read_text())
        user_model = get_user_model()
        for username, role, email, first, last in DEMO_USERS:
            password = saved.get(username) or secrets.token_urlsafe(12)
            user, created = user_model.objects.get_or_create(
                username=username, defaults={"email": email, "first_name": first, "last_name": last}
            )
            if created or not user.check_password(password):
                user.set_password(password)
                user.save()
            role_assign(user=user, role=role)
            saved[username] = password
        credentials_file.write_text(json.dumps(saved, indent=2))
        credentials_file.chmod(0o600)
        self.stdout.write(f"Demo users (passwords are kept in {credentials_file}):")
        for username, role, *_ in DEMO_USERS:
            self.stdout.write(f"  {role.label:<8} username: {username:<8} password: {saved[username]}")
        if settings.DESK_SANDBOX:
            # The sandbox's consent page asks for a sign-in first, as Zoho Accounts does.
            self.stdout.write(
                "Sandbox Zoho Accounts (the consent page's sign-in): email: admin@deskadmin.local "
                f"password: {settings.SANDBOX_ACCOUNTS_PASSWORD}"
            )
