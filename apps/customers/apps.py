"""Customers: the local mirror of a Desk org's contacts and accounts."""

from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "apps.customers"
    label = "customers"
    verbose_name = "Customers (contacts, accounts)"

    def ready(self) -> None:
        from apps.customers import mirror
        from apps.customers.selectors import audit_labels

        mirror.register()  # the mirror entities this app owns (apps.mirror's registry)
        audit_labels.register()  # the audit log names contacts and accounts
