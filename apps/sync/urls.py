"""Sync URLs, mounted under /sync/."""

from django.urls import path

from apps.sync import views

app_name = "sync"
urlpatterns = [
    path("", views.sync_status, name="status"),
    path("progress/", views.sync_progress, name="progress"),
    path("now/", views.sync_now, name="now"),
]
