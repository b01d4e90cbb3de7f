"""Team: the local mirror of a Desk org's agents, departments, teams and support addresses."""

from django.apps import AppConfig


class TeamConfig(AppConfig):
    name = "apps.team"
    label = "team"
    verbose_name = "Team (agents, departments, teams)"

    def ready(self) -> None:
        from apps.team import mirror, receivers  # noqa: F401 - receivers connects the signal receivers

        mirror.register()  # the mirror entities this app owns (apps.mirror's registry)
        from apps.team import links

        links.connect()  # console users linked to their Desk agent (apps.core's agent directory)
        from apps.core.shell import register_section
        from apps.team import sections

        register_section("core:users", sections.users_desk_agents)  # Desk agents one step from console users
