"""Sandbox: tags, followers, support addresses, uploads (issue 10, part B1)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("sandbox", "0002_credits")]

    operations: list = []
