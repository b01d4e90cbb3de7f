"""The sandbox: an embedded emulator of Zoho Desk API v1 and Zoho Accounts OAuth."""

from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "apps.sandbox"
    label = "sandbox"
    verbose_name = "Desk sandbox"
