"""Connections: Desk orgs connected through OAuth, with encrypted tokens."""

from django.apps import AppConfig


class ConnectionsConfig(AppConfig):
    name = "apps.connections"
    label = "connections"
    verbose_name = "Desk connections"
