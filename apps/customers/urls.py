"""Customer pages: contact and account lists, 360° pages, create, edit, move to trash — one view of each shape
(``views.records``), given the entity it shows."""

from django.urls import URLPattern, path

from apps.customers.views import records
from apps.customers.views.accounts import ACCOUNT
from apps.customers.views.contacts import CONTACT
from apps.customers.views.records import Entity


def _pages(entity: Entity, list_route: str, prefix: str) -> list[URLPattern]:
    kind, given = entity.kind, {"entity": entity}
    return [
        path(list_route, records.record_list, given, name=f"{kind}s"),
        path(f"{prefix}new/", records.record_new, given, name=f"{kind}_new"),
        path(f"{prefix}<str:desk_id>/", records.record_detail, given, name=kind),
        path(f"{prefix}<str:desk_id>/edit/", records.record_edit, given, name=f"{kind}_edit"),
        path(f"{prefix}<str:desk_id>/trash/", records.record_trash, given, name=f"{kind}_trash"),
    ]


app_name = "customers"
urlpatterns = [*_pages(CONTACT, "", "contacts/"), *_pages(ACCOUNT, "accounts/", "accounts/")]
