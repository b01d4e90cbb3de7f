"""Fills the page shell's slots: the org switcher (shell_orgs, current_org) and the API meter (api_budget:
an ``apps.desk.budget.ApiUsage`` with credits left today, calls in flight and the pause while credits are spent,
rendered by ``templates/desk/api_meter.html``)."""

from typing import Any

from django.http import HttpRequest

from apps.connections.selectors import api_usage_for, connection_for_request, connections_for_request


def shell_slots(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    current = connection_for_request(request)
    orgs = [
        {
            "id": c.pk,
            "org_id": c.org_id,
            "name": c.org_name,
            "status": c.status,
            "status_label": c.get_status_display(),
        }
        for c in connections_for_request(request)
    ]
    current_org = next((o for o in orgs if current is not None and o["id"] == current.pk), None)
    return {"shell_orgs": orgs, "current_org": current_org, "api_budget": api_usage_for(current)}
