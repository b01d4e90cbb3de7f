"""Sandbox: agents, contacts, accounts, self clients (issue 10, part B2)."""

from django.db import migrations, models


def _text(max_length: int) -> models.CharField:
    return models.CharField(blank=True, default="", max_length=max_length)


class Migration(migrations.Migration):
    dependencies = [("sandbox", "0003_ticket_extras")]

    operations = [
        migrations.AddField(model_name="account", name="code", field=_text(30)),
        migrations.AddField(model_name="account", name="fax", field=_text(30)),
        migrations.AddField(model_name="account", name="state", field=_text(30)),
        migrations.AddField(model_name="account", name="street", field=_text(250)),
        migrations.AddField(
            model_name="agent", name="about_info", field=models.TextField(blank=True, default="")
        ),
        migrations.AddField(model_name="agent", name="cf", field=models.JSONField(blank=True, default=dict)),
        migrations.AddField(
            model_name="agent", name="channel_expert", field=models.JSONField(blank=True, default=list)
        ),
        migrations.AddField(model_name="agent", name="extn", field=_text(100)),
        migrations.AddField(model_name="agent", name="mobile", field=_text(100)),
        migrations.AddField(
            model_name="agent",
            name="role_permission_type",
            field=models.CharField(default="AgentPublic", max_length=32),
        ),
        migrations.AddField(model_name="contact", name="facebook", field=_text(100)),
        migrations.AddField(model_name="contact", name="language", field=_text(255)),
        migrations.AddField(model_name="contact", name="state", field=_text(100)),
        migrations.AddField(model_name="contact", name="street", field=_text(250)),
        migrations.AddField(model_name="contact", name="twitter", field=_text(100)),
        migrations.AddField(model_name="contact", name="zip", field=_text(30)),
        migrations.AlterField(
            model_name="agent",
            name="status",
            field=models.CharField(
                choices=[
                    ("ACTIVE", "Active"),
                    ("DISABLED", "Disabled"),
                    ("DELETED", "Deleted"),
                    ("IMPORTED", "Imported"),
                ],
                default="ACTIVE",
                max_length=16,
            ),
        ),
        migrations.AddIndex(
            model_name="account",
            index=models.Index(fields=["org", "created_time"], name="sbx_account_org_created_idx"),
        ),
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(fields=["org", "created_time"], name="sbx_contact_org_created_idx"),
        ),
    ]
