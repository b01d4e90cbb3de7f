"""Insights: live support metrics from the mirror (backlog, volume, response and resolution times, SLA,
per-agent load) with drill-down to the queue, and the Overview's per-org cards and cross-org search."""

from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "apps.insights"
    label = "insights"
    verbose_name = "Insights (metrics and the overview)"
