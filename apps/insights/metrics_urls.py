"""The Insights page, its chart fragments, CSV exports and the drill-down."""

from django.urls import URLPattern, path

from apps.insights.views import insights

urlpatterns: list[URLPattern] = [
    path("", insights.dashboard, name="dashboard"),
    path("metrics/", insights.metrics_fragment, name="metrics"),
    path("chart.csv", insights.chart_csv, name="chart_csv"),
    path("drill/", insights.drill, name="drill"),
]
