"""Sandbox URLs, mounted under /sandbox/ when DESK_SANDBOX is on."""

from django.urls import include, path, re_path

from apps.sandbox import accounts, admin_views
from apps.sandbox.api.webhooks import jwks_view
from apps.sandbox.contract import url_not_found

app_name = "sandbox"
urlpatterns = [
    path("accounts/oauth/v2/auth", accounts.authorize, name="oauth_auth"),
    path("accounts/oauth/v2/token", accounts.token, name="oauth_token"),
    path("accounts/oauth/v2/token/revoke", accounts.revoke, name="oauth_revoke"),
    path("accounts/oauth/user/info", accounts.user_info, name="oauth_user_info"),
    path("admin/", admin_views.admin_page, name="admin"),
    path("desk/api/v1/", include("apps.sandbox.api_urls")),
    # The data center's webhook signing keys (real Desk: https://desk.zoho.<dc>/.well-known/jwks.json).
    path("desk/.well-known/jwks.json", jwks_view, name="jwks"),
    # Desk's JSON 404 for any other path under the API root (after the operations above).
    re_path(r"^desk/api/v1/.*$", url_not_found, name="api_not_found"),
]
