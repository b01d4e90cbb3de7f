"""Sandbox: tags, followers, support addresses, uploads (issue 10, part B1)."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("sandbox", "0002_credits")]

    operations = [
        migrations.CreateModel(
            name="CommentAttachment",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "attachment",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="sandbox.attachment"
                    ),
                ),
                (
                    "comment",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="attachment_links",
                        to="sandbox.comment",
                    ),
                ),
            ],
            options={"ordering": ["id"]},
        ),
        migrations.CreateModel(
            name="Upload",
            fields=[
                ("id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("name", models.CharField(max_length=255)),
                ("size", models.BigIntegerField(default=0)),
                ("content_type", models.CharField(default="application/octet-stream", max_length=100)),
                ("data", models.BinaryField(blank=True, null=True)),
                ("file_path", models.CharField(blank=True, default="", max_length=500)),
                ("creator_id", models.BigIntegerField(blank=True, null=True)),
                ("created_time", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "org",
                    models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="sandbox.org"),
                ),
            ],
            options={"ordering": ["id"]},
        ),
        migrations.CreateModel(
            name="MailReplyAddress",
            fields=[
                ("id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("address", models.CharField(max_length=100)),
                ("display_name", models.CharField(blank=True, default="", max_length=100)),
                ("service_provider_type", models.CharField(default="ZohoSMTP", max_length=16)),
                ("is_department_default", models.BooleanField(default=False)),
                ("is_active", models.BooleanField(default=True)),
                ("is_verified", models.BooleanField(default=True)),
                ("created_time", models.DateTimeField(default=django.utils.timezone.now)),
                ("modified_time", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "department",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="mail_reply_addresses",
                        to="sandbox.department",
                    ),
                ),
                (
                    "org",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="mail_reply_addresses",
                        to="sandbox.org",
                    ),
                ),
            ],
            options={
                "ordering": ["id"],
                "constraints": [
                    models.UniqueConstraint(fields=("department", "address"), name="sandbox_unique_reply_address")
                ],
            },
        ),
        migrations.CreateModel(
            name="TicketFollower",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_time", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "agent",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="sandbox.agent"
                    ),
                ),
                (
                    "ticket",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="followers", to="sandbox.ticket"
                    ),
                ),
            ],
            options={
                "ordering": ["id"],
                "constraints": [models.UniqueConstraint(fields=("ticket", "agent"), name="sandbox_unique_follower")],
            },
        ),
        migrations.CreateModel(
            name="TicketTag",
            fields=[
                ("id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("name", models.CharField(max_length=50)),
                (
                    "tag_type",
                    models.CharField(
                        choices=[("MANUAL", "Manual"), ("SYSTEM", "System")], default="MANUAL", max_length=8
                    ),
                ),
                ("created_time", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "department",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="ticket_tags",
                        to="sandbox.department",
                    ),
                ),
                (
                    "org",
                    models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="sandbox.org"),
                ),
                ("tickets", models.ManyToManyField(blank=True, related_name="tags", to="sandbox.ticket")),
            ],
            options={
                "ordering": ["id"],
                "indexes": [models.Index(fields=["department", "name"], name="sbx_tag_dept_name_idx")],
            },
        ),
    ]
