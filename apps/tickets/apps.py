"""Tickets: the local mirror of a Desk org's tickets, conversations and SLA policies."""

from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "apps.tickets"
    label = "tickets"
    verbose_name = "Tickets"

    def ready(self) -> None:
        from apps.tickets import customer_sections, mirror, team_sections
        from apps.tickets.selectors import audit_labels

        mirror.register()  # the mirror entities this app owns (apps.mirror's registry)
        audit_labels.register()  # the audit log names tickets, bulk jobs and saved views
        customer_sections.register()  # the tickets on the customers' 360° pages, open-ticket facts on their lists
        team_sections.register()  # workload figures and sections on the team pages
