"""``{% login_lockouts %}``: the Users page's card of sign-in lockouts in force, each with an Unlock button."""

from __future__ import annotations

from typing import Any

from django import template

from apps.core import throttle

register = template.Library()


@register.inclusion_tag("core/login_lockouts.html", takes_context=True)
def login_lockouts(context: template.Context) -> dict[str, Any]:
    return {"lockouts": throttle.lockouts_current(), "csrf_token": context.get("csrf_token")}
