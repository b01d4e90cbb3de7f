"""Team pages: agents (workload), an agent and its admin actions, departments and teams."""

from django.urls import path

from apps.team.views import admin, agents, groups

app_name = "team"
urlpatterns = [
    path("", agents.agents, name="agents"),
    path("agents/new/", admin.agent_invite, name="agent_invite"),
    path("agents/<str:desk_id>/", agents.agent, name="agent"),
    path("agents/<str:desk_id>/edit/", admin.agent_edit, name="agent_edit"),
    path("agents/<str:desk_id>/deactivate/", admin.agent_deactivate, name="agent_deactivate"),
    path("agents/<str:desk_id>/activate/", admin.agent_activate, name="agent_activate"),
    path("agents/<str:desk_id>/delete/", admin.agent_delete, name="agent_delete"),
    path("agents/<str:desk_id>/console-user/", admin.agent_console_user, name="agent_console_user"),
    path("departments/", groups.group_list, {"kind": "departments"}, name="departments"),
    path("departments/<str:desk_id>/", groups.group_page, {"kind": "departments"}, name="department"),
    path("teams/", groups.group_list, {"kind": "teams"}, name="teams"),
    path("teams/<str:desk_id>/", groups.group_page, {"kind": "teams"}, name="team"),
]
