"""Team: the local mirror of a Desk org's agents, departments and teams."""

from django.apps import AppConfig


class TeamConfig(AppConfig):
    name = "apps.team"
    label = "team"
    verbose_name = "Team (agents, departments, teams)"
