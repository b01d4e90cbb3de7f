"""Sign-in lockouts on the Users page: an admin lifts one (audited). The counting is apps.core.throttle."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.core import throttle
from apps.core.htmx import AuthedHttpRequest

MANAGE_USERS = "core.manage_users"


@login_required
@permission_required(MANAGE_USERS, raise_exception=True)
@require_POST
def login_unlock(request: AuthedHttpRequest) -> HttpResponse:
    """Lift the lockout named by ``lockout`` (``user:<name>`` or ``address:<ip>``), back to the Users page."""
    lifted = throttle.lockout_lift(actor=request.user, token=str(request.POST.get("lockout", ""))[:200])
    if lifted is None:
        messages.info(request, "That sign-in was not locked (any more).")
    else:
        what = f"user {lifted.value}" if lifted.kind == "user" else f"address {lifted.value}"
        messages.success(request, f"Sign-in unlocked for {what}.")
    return HttpResponseRedirect(reverse("core:users") + "#login-lockouts")
