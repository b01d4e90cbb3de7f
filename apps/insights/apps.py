"""Insights: live support metrics from the mirror (backlog, volume, response and resolution times, SLA,
per-agent load) with drill-down to the queue, and the Overview's per-org cards and cross-org search."""

from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "apps.insights"
    label = "insights"
    verbose_name = "Insights (metrics and the overview)"

    def ready(self) -> None:
        from apps.core.shell import register_section
        from apps.insights.views import overview

        # The Overview (core:dashboard): the cross-org search box, then one card per org.
        register_section("core:dashboard", overview.search_section)
        register_section("core:dashboard", overview.cards_section)
