"""Connection pages (admins only)."""

app_name = "connections"
urlpatterns: list = []
