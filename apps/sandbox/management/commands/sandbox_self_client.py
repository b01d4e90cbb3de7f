"""`manage.py sandbox_self_client`: a Zoho-style Self Client grant code for scripts, as one JSON object.

The URLs are built from SITE_URL (the running server's public URL) or `--site`. The code exchanges at
`token_url` without a redirect_uri; the same client also takes `grant_type=client_credentials` with
`soid` (Desk.<orgId>) and a scope, as Zoho's self clients do.
"""

import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from apps.sandbox import oauth
from apps.sandbox.models import Org


class Command(BaseCommand):
    help = (
        "Print one JSON object with client_id, client_secret, a one-time grant code (valid 10 minutes) for "
        "the org and scopes, accounts_url and api_url: exchange the code at accounts_url/oauth/v2/token."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="orgId or company name")
        parser.add_argument(
            "--scope", required=True, help="comma-separated Zoho scopes, e.g. Desk.tickets.ALL"
        )
        parser.add_argument(
            "--site",
            "--base-url",
            dest="site",
            default="",
            help="the running server's public URL (default: settings.SITE_URL)",
        )

    def handle(self, *args: Any, org: str, scope: str, site: str, **options: Any) -> None:
        wanted = org.strip()
        query = Q(company_name__iexact=wanted)
        if wanted.isdigit():
            query |= Q(pk=int(wanted))
        found = Org.objects.filter(query).first()
        if found is None:
            raise CommandError(f"No sandbox org {wanted!r}; run `manage.py sandbox_seed` first.")
        scopes, unknown = oauth.parse_scopes(scope)
        if unknown or not scopes:
            raise CommandError(f"Unknown scope(s): {', '.join(unknown) or '(none given)'}")
        user = oauth.demo_user_ensure()
        user.orgs.add(found)
        client = oauth.self_client_ensure()
        code = oauth.grant_code_create(
            client=client, user=user, org=found, scopes=scopes, access_type="offline"
        )
        base = (site or settings.SITE_URL).rstrip("/")
        accounts_url = f"{base}/sandbox/accounts"
        payload = {
            "client_id": client.client_id,
            "client_secret": client.client_secret,
            "code": code,
            "org_id": str(found.pk),
            "soid": f"{oauth.SOID_PREFIX}{found.pk}",
            "scope": ",".join(scopes),
            "accounts_url": accounts_url,
            "token_url": f"{accounts_url}/oauth/v2/token",
            "user_info_url": f"{accounts_url}/oauth/user/info",
            "api_domain": f"{base}/sandbox/desk",
            "api_url": f"{base}/sandbox/desk/api/v1",
        }
        self.stdout.write(json.dumps(payload))
