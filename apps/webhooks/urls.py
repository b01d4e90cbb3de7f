"""Webhooks URLs: the receiver, the mirror's version stamp, and the admins' Webhooks page."""

from django.urls import path

from apps.webhooks import views

app_name = "webhooks"
urlpatterns = [
    path("", views.webhooks_page, name="list"),
    path("deliveries/", views.deliveries, name="deliveries"),
    path("deliveries/<int:pk>/replay/", views.replay, name="replay"),
    path("subscribe/", views.subscribe, name="subscribe"),
    path("refresh/", views.refresh, name="refresh"),
    path("create/", views.create, name="create"),
    path("<str:webhook_id>/edit/", views.edit, name="edit"),
    path("<str:webhook_id>/toggle/", views.toggle, name="toggle"),
    path("<str:webhook_id>/delete/", views.delete, name="delete"),
    path("live/", views.live, name="live"),
    path("in/<str:token>/", views.receive, name="receive"),
]
