"""Core pages: the overview, the audit log and the users (roles, org access, Desk agent links)."""

from django.urls import path

from apps.core import login_views, views

app_name = "core"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("home/", views.home, name="home"),
    path("audit/", views.audit_log, name="audit"),
    path("users/", views.users_list, name="users"),
    path("users/new/", views.user_new, name="user_new"),
    path("users/access/", views.users_access_default, name="users_access_default"),
    path("users/<int:pk>/", views.user_update, name="user_update"),
    path("users/<int:pk>/orgs/", views.user_org_grant, name="user_org_grant"),
    path("users/<int:pk>/orgs/<str:org_id>/revoke/", views.user_org_revoke, name="user_org_revoke"),
    path("users/<int:pk>/orgs/<str:org_id>/agent/", views.user_org_agent, name="user_org_agent"),
    path("users/lockouts/unlock/", login_views.login_unlock, name="login_unlock"),
]
