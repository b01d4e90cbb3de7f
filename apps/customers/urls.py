"""Customer pages: contact and account lists, 360° pages, create, edit, move to trash."""

from django.urls import path

from apps.customers.views import accounts, contacts

app_name = "customers"
urlpatterns = [
    path("", contacts.contacts, name="contacts"),
    path("contacts/new/", contacts.contact_new, name="contact_new"),
    path("contacts/<str:desk_id>/", contacts.contact_detail, name="contact"),
    path("contacts/<str:desk_id>/edit/", contacts.contact_edit, name="contact_edit"),
    path("contacts/<str:desk_id>/trash/", contacts.contact_trash, name="contact_trash"),
    path("accounts/", accounts.accounts, name="accounts"),
    path("accounts/new/", accounts.account_new, name="account_new"),
    path("accounts/<str:desk_id>/", accounts.account_detail, name="account"),
    path("accounts/<str:desk_id>/edit/", accounts.account_edit, name="account_edit"),
    path("accounts/<str:desk_id>/trash/", accounts.account_trash, name="account_trash"),
]
