"""The Overview's per-org cards (and their refresh fragment) and the cross-org search."""

from django.urls import URLPattern, path

from apps.insights.views import overview

urlpatterns: list[URLPattern] = [
    path("overview/cards/", overview.overview_cards, name="overview_cards"),
    path("search/", overview.search, name="search"),
    path("orgs/<int:pk>/open/", overview.org_open, name="org_open"),
]
