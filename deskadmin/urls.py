"""URL map: each app mounts its own urls; the sandbox only when DESK_SANDBOX is on."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path

from apps.core import views as core_views
from apps.ops import views as ops_views

urlpatterns = [
    # Django's sign-in page, or how to create the first admin while nobody can sign in (apps/ops).
    path("login/", ops_views.login, name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", core_views.healthz, name="healthz"),
    path("connections/", include("apps.connections.urls")),
    path("sync/", include("apps.sync.urls")),
    path("tickets/", include("apps.tickets.urls")),
    path("customers/", include("apps.customers.urls")),
    path("team/", include("apps.team.urls")),
    path("webhooks/", include("apps.webhooks.urls")),
    path("insights/", include("apps.insights.urls")),
    path("", include("apps.ops.urls")),
    path("", include("apps.core.urls")),
]
if settings.DESK_SANDBOX:
    urlpatterns.append(path("sandbox/", include("apps.sandbox.urls")))

handler403 = "apps.core.views.permission_denied"
handler404 = "apps.core.views.page_not_found"
handler500 = "apps.core.views.server_error"
