"""The Insights page, its chart fragments, CSV exports and the drill-down."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
