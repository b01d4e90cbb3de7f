"""Sandbox: rate model: editions, credits, concurrency (issue 10, part A)."""

from django.db import migrations, models


def concurrency_to_edition_default(apps, schema_editor) -> None:
    """Orgs still on the old blanket default of 10 take their edition's cap instead."""
    Org = apps.get_model("sandbox", "Org")
    Org.objects.using(schema_editor.connection.alias).filter(max_concurrent=10).update(max_concurrent=None)


class Migration(migrations.Migration):
    dependencies = [("sandbox", "0001_initial")]

    operations: list = [
        migrations.AlterField(
            model_name="org",
            name="edition",
            field=models.CharField(
                choices=[
                    ("free", "Free"),
                    ("express", "Express"),
                    ("standard", "Standard"),
                    ("professional", "Professional"),
                    ("enterprise", "Enterprise"),
                ],
                default="free",
                max_length=16,
            ),
        ),
        migrations.AlterField(
            model_name="org",
            name="max_concurrent",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.RunPython(concurrency_to_edition_default, migrations.RunPython.noop),
        migrations.AddField(
            model_name="webhook",
            name="include_events_from",
            field=models.JSONField(blank=True, default=list),
        ),
    ]
