"""The Zoho Desk API client: one door to Zoho Desk for the whole service layer."""

import logging

from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "apps.desk"
    label = "desk"
    verbose_name = "Desk client"

    def ready(self) -> None:
        # httpx logs every full URL at INFO: query strings carry search terms (emails) and the OAuth
        # revoke call carries a refresh token. Our own one-line call log replaces it.
        logging.getLogger("httpx").setLevel(logging.WARNING)
