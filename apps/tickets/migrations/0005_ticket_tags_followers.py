"""Tags and followers on the ticket mirror (W2): the ``tags`` and ``followers`` lists pages show, and
TicketTag, the indexed copy the queue's tag filter reads."""

import importlib

import django.db.models.deletion
from django.db import migrations, models

# SQLite adds these columns by rebuilding tickets_ticket, which drops the triggers that keep the FTS5
# index (0002_ticket_fulltext) in step: create them again and rebuild the index from the table.
_FULLTEXT = importlib.import_module("apps.tickets.migrations.0002_ticket_fulltext")
_TRIGGERS_AGAIN = [
    "DROP TRIGGER IF EXISTS tickets_ticket_fts_update",
    "DROP TRIGGER IF EXISTS tickets_ticket_fts_delete",
    "DROP TRIGGER IF EXISTS tickets_ticket_fts_insert",
    *(statement for statement in _FULLTEXT.SQLITE_FORWARD if statement.startswith("CREATE TRIGGER")),
    "INSERT INTO tickets_ticket_fts(tickets_ticket_fts) VALUES ('rebuild')",
]


class Migration(migrations.Migration):
    dependencies = [("connections", "0001_initial"), ("tickets", "0004_canned_replies")]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="followers",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="ticket",
            name="tags",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.CreateModel(
            name="TicketTag",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100)),
                ("key", models.CharField(max_length=100)),
                (
                    "connection",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="connections.deskconnection",
                    ),
                ),
                (
                    "ticket",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="tag_links",
                        to="tickets.ticket",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["connection", "key", "ticket"], name="tickets_tag_key_idx")],
                "constraints": [
                    models.UniqueConstraint(fields=("ticket", "key"), name="tickets_tag_ticket_key_uniq")
                ],
            },
        ),
        migrations.RunPython(_FULLTEXT._run({"sqlite": _TRIGGERS_AGAIN}), migrations.RunPython.noop),
    ]
