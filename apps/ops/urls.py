"""Ops endpoints, mounted at the root: /metrics."""

from django.urls import path

from apps.ops import views

app_name = "ops"
urlpatterns = [
    path("metrics", views.prometheus_metrics, name="metrics"),
]
