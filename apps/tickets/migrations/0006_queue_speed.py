"""Queue speed (issue 18): stored sort keys (priority rank, number) and sort indexes led by
(connection, is_deleted) and ending with the id tie-breaker."""

import importlib

from django.db import migrations, models

# SQLite adds the columns by rebuilding tickets_ticket, which drops the FTS5 triggers: 0005's statements
# create them again and rebuild the index from the table.
_TAGS = importlib.import_module("apps.tickets.migrations.0005_ticket_tags_followers")

# The stored sort keys of tickets already mirrored (apps/tickets/mirror.py sets them from now on).
RANKS = {"Low": 1, "Medium": 2, "High": 3, "Urgent": 4}
DIGITS_ONLY = {
    "sqlite": "ticket_number NOT GLOB '*[^0-9]*'",
    "postgresql": "ticket_number ~ '^[0-9]+$'",
}


def fill_sort_keys(apps, schema_editor):
    rank = " ".join(f"WHEN '{name}' THEN {value}" for name, value in RANKS.items())
    schema_editor.execute(f"UPDATE tickets_ticket SET priority_rank = CASE priority {rank} ELSE 0 END")
    digits_only = DIGITS_ONLY.get(schema_editor.connection.vendor)
    if digits_only:
        schema_editor.execute(
            "UPDATE tickets_ticket SET number_value = CAST(ticket_number AS BIGINT) "
            f"WHERE length(ticket_number) BETWEEN 1 AND 18 AND {digits_only}"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("connections", "0001_initial"),
        ("tickets", "0005_ticket_tags_followers"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="ticket",
            name="tickets_status_idx",
        ),
        migrations.RemoveIndex(
            model_name="ticket",
            name="tickets_status_type_idx",
        ),
        migrations.RemoveIndex(
            model_name="ticket",
            name="tickets_priority_idx",
        ),
        migrations.RemoveIndex(
            model_name="ticket",
            name="tickets_department_idx",
        ),
        migrations.RemoveIndex(
            model_name="ticket",
            name="tickets_assignee_idx",
        ),
        migrations.RemoveIndex(
            model_name="ticket",
            name="tickets_team_idx",
        ),
        migrations.RemoveIndex(
            model_name="ticket",
            name="tickets_channel_idx",
        ),
        migrations.RemoveIndex(
            model_name="ticket",
            name="tickets_classification_idx",
        ),
        migrations.RemoveIndex(
            model_name="ticket",
            name="tickets_due_idx",
        ),
        migrations.RemoveIndex(
            model_name="ticket",
            name="tickets_created_idx",
        ),
        migrations.RemoveIndex(
            model_name="ticket",
            name="tickets_modified_idx",
        ),
        migrations.AddField(
            model_name="ticket",
            name="number_value",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="ticket",
            name="priority_rank",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.RunPython(fill_sort_keys, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                fields=["connection", "is_deleted", "modified_time", "id"], name="tickets_sort_modified_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                fields=["connection", "is_deleted", "created_time", "id"], name="tickets_sort_created_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                fields=["connection", "is_deleted", "due_date", "id"], name="tickets_sort_due_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                fields=["connection", "is_deleted", "priority_rank", "id"], name="tickets_sort_priority_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                fields=["connection", "is_deleted", "number_value", "id"], name="tickets_sort_number_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                fields=["connection", "is_deleted", "subject", "id"], name="tickets_sort_subject_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                fields=["connection", "is_deleted", "status", "id"], name="tickets_sort_status_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                fields=["connection", "is_deleted", "channel", "id"], name="tickets_sort_channel_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                fields=["connection", "is_deleted", "classification", "id"], name="tickets_sort_class_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                fields=["connection", "is_deleted", "status", "modified_time", "id"],
                name="tickets_status_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                fields=["connection", "is_deleted", "status_type", "modified_time", "id"],
                name="tickets_status_type_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                fields=["connection", "is_deleted", "priority", "modified_time", "id"],
                name="tickets_priority_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                fields=["connection", "is_deleted", "department_desk_id", "modified_time", "id"],
                name="tickets_department_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                fields=["connection", "is_deleted", "assignee_desk_id", "modified_time", "id"],
                name="tickets_assignee_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                fields=["connection", "is_deleted", "assignee_desk_id", "due_date", "id"],
                name="tickets_assignee_due_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                fields=["connection", "is_deleted", "team_desk_id", "modified_time", "id"],
                name="tickets_team_idx",
            ),
        ),
        migrations.RunPython(
            _TAGS._FULLTEXT._run({"sqlite": _TAGS._TRIGGERS_AGAIN}), migrations.RunPython.noop
        ),
    ]
