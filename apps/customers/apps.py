"""Customers: the local mirror of a Desk org's contacts and accounts."""

from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "apps.customers"
    label = "customers"
    verbose_name = "Customers (contacts, accounts)"
