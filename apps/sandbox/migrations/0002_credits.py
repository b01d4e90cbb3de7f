"""Sandbox: rate model: editions, credits, concurrency (issue 10, part A)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("sandbox", "0001_initial")]

    operations: list = []
