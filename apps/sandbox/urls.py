"""Sandbox URLs, mounted under /sandbox/ when DESK_SANDBOX is on."""

app_name = "sandbox"
urlpatterns: list = []
