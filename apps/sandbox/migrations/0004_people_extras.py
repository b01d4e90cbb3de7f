"""Sandbox: agents, contacts, accounts, self clients (issue 10, part B2)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("sandbox", "0003_ticket_extras")]

    operations: list = []
