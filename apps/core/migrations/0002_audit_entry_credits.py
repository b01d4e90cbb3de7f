"""Audit entries record the Desk API credits each write spent."""

from django.db import migrations, models
from django.db.models import F


def credits_from_calls(apps, schema_editor):
    # Before credits were counted, every audited write was single-record calls: 1 credit each.
    AuditEntry = apps.get_model("core", "AuditEntry")
    AuditEntry.objects.update(credits=F("api_calls"))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="credits",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(credits_from_calls, migrations.RunPython.noop),
    ]
