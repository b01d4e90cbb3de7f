"""Context for every page: navigation, the user's role, and the slots other apps fill."""

from typing import Any

from django.http import HttpRequest

from apps.core.roles import user_role
from apps.core.shell import SLOT_PROVIDERS, navigation_for


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    context: dict[str, Any] = {
        "nav_entries": navigation_for(request),
        "user_role": user_role(user),
        "shell_orgs": [],
        "current_org": None,
        "api_budget": None,
    }
    for provider in SLOT_PROVIDERS:
        context.update(provider(request))
    return context
