"""Connect a sandbox org the way a script would: a Self Client grant code from the sandbox, then the service."""

from __future__ import annotations

import json
from collections.abc import Sequence
from io import StringIO
from typing import TYPE_CHECKING

from django.core.management import call_command

from apps.connections.models import DeskConnection
from apps.connections.services import connection_self_client_connect
from apps.desk.datacenters import SANDBOX

if TYPE_CHECKING:
    from apps.sandbox.models import Org

# What the ticket, sync and bench worlds ask for: everything the console reads and writes.
SCOPES = ("Desk.tickets.ALL", "Desk.contacts.ALL", "Desk.basic.ALL", "Desk.settings.ALL", "Desk.search.READ")


def connect_sandbox_org(*, org: Org, base_url: str, scopes: str | Sequence[str] = SCOPES) -> DeskConnection:
    """A DeskConnection to a seeded sandbox org, with tokens from the sandbox's own accounts server.

    ``base_url`` is where the sandbox is served (the live server's URL); ``scopes`` a list or a
    comma-separated string. No audit entry (no actor) and no sync is queued: the caller syncs when it wants.
    """
    scope = scopes if isinstance(scopes, str) else ",".join(scopes)
    out = StringIO()
    call_command("sandbox_self_client", org=str(org.pk), scope=scope, base_url=base_url, stdout=out)
    grant = json.loads(out.getvalue())
    return connection_self_client_connect(
        actor=None,
        data_center_code=SANDBOX,
        origin=base_url,
        client_id=grant["client_id"],
        client_secret=grant["client_secret"],
        grant_code=grant["code"],
        org_id=grant["org_id"],
        org_name=org.company_name,
        edition=org.edition,
        scopes=scope.split(","),
    )
