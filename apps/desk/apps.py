"""The Zoho Desk API client: one door to Desk for the whole service layer."""

from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "apps.desk"
    label = "desk"
    verbose_name = "Desk client"
