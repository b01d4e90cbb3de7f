"""Reads for the ops pages."""

from django.contrib.auth import get_user_model


def nobody_can_sign_in() -> bool:
    """No active user has a password: a fresh database, before ``manage.py create_first_admin``."""
    users = (
        get_user_model().objects.filter(is_active=True).exclude(password="").exclude(password__startswith="!")
    )
    return not users.exists()
