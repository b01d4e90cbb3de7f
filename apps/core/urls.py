"""Core pages: the overview and the audit log."""

from django.urls import path

from apps.core import views

app_name = "core"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("audit/", views.audit_log, name="audit"),
]
