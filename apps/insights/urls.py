"""Insights pages (metrics_urls) and the Overview's org cards and cross-org search (overview_urls)."""

from apps.insights import metrics_urls, overview_urls

app_name = "insights"
urlpatterns = [*metrics_urls.urlpatterns, *overview_urls.urlpatterns]
