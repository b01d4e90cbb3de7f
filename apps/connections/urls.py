"""Connection pages (managing them: admins only), the OAuth callback, org access and the org switcher."""

from django.urls import path

from apps.connections import views

app_name = "connections"
urlpatterns = [
    path("", views.connection_list, name="list"),
    path("connect/", views.connect, name="connect"),
    path("oauth/callback/", views.callback, name="callback"),
    path("connect/orgs/", views.pick_orgs, name="pick"),
    path("connect/share/", views.share, name="share"),
    path("switch/", views.switch, name="switch"),
    path("<int:pk>/", views.connection_detail, name="detail"),
    path("<int:pk>/disconnect/", views.disconnect, name="disconnect"),
    path("<int:pk>/reconnect/", views.reconnect, name="reconnect"),
    path("<int:pk>/check/", views.check, name="check"),
    path("<int:pk>/access/", views.access_grant, name="access_grant"),
    path("<int:pk>/access/<int:user_id>/revoke/", views.access_revoke, name="access_revoke"),
]
