"""The Overview's per-org cards (and their refresh fragment) and the cross-org search."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
