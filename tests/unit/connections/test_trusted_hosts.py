"""Only known accounts servers get the client secret; only known Desk hosts get the access token."""

from apps.connections.services import trusted_accounts_url, trusted_api_domain
from apps.desk.datacenters import DATA_CENTERS, sandbox_data_center

ORIGIN = "http://127.0.0.1:8123"


def test_known_zoho_accounts_server_is_trusted():
    assert trusted_accounts_url("https://accounts.zoho.eu/", origin=ORIGIN) == "https://accounts.zoho.eu"


def test_sandbox_accounts_server_on_this_origin_is_trusted(settings):
    settings.DESK_SANDBOX = True
    assert trusted_accounts_url(f"{ORIGIN}/sandbox/accounts", origin=ORIGIN) == f"{ORIGIN}/sandbox/accounts"


def test_arbitrary_accounts_server_is_refused(settings):
    settings.DESK_SANDBOX = True
    assert trusted_accounts_url("https://evil.example/oauth", origin=ORIGIN) is None
    assert trusted_accounts_url("https://evil.example/sandbox/accounts", origin=ORIGIN) is None


def test_sandbox_accounts_server_is_refused_when_the_sandbox_is_off(settings):
    settings.DESK_SANDBOX = False
    assert trusted_accounts_url(f"{ORIGIN}/sandbox/accounts", origin=ORIGIN) is None


def test_zohoapis_domain_maps_to_the_regions_desk_domain():
    eu = DATA_CENTERS["eu"]
    assert trusted_api_domain("https://www.zohoapis.eu", dc=eu, origin=ORIGIN) == "https://desk.zoho.eu"
    us = DATA_CENTERS["us"]
    assert (
        trusted_api_domain("https://www.zohoapis.com.au", dc=us, origin=ORIGIN) == "https://desk.zoho.com.au"
    )


def test_sandbox_api_domain_is_kept_and_unknown_domain_falls_back(settings):
    settings.DESK_SANDBOX = True
    sandbox = sandbox_data_center(ORIGIN)
    assert trusted_api_domain(sandbox.api_domain, dc=sandbox, origin=ORIGIN) == sandbox.api_domain
    us = DATA_CENTERS["us"]
    assert trusted_api_domain("https://evil.example", dc=us, origin=ORIGIN) == "https://desk.zoho.com"
    assert trusted_api_domain("", dc=us, origin=ORIGIN) == "https://desk.zoho.com"
