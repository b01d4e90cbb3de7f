"""Zoho data centers: where each one's accounts server and Desk API live.

The sandbox is a data center of its own, at this console's SITE_URL (or the address a test server
gives), so that connecting to it takes exactly the same path as connecting to a real Zoho Desk.
"""

from dataclasses import dataclass

SANDBOX = "sandbox"


@dataclass(frozen=True)
class DataCenter:
    code: str  # "us", "eu", … and "sandbox"
    label: str
    accounts_url: str  # base of /oauth/v2/auth, /oauth/v2/token, /oauth/v2/token/revoke
    api_domain: str  # Desk's host; the API lives at {api_domain}/api/v1

    @property
    def api_base_url(self) -> str:
        return f"{self.api_domain}/api/v1"


DATA_CENTERS: dict[str, DataCenter] = {
    dc.code: dc
    for dc in (
        DataCenter("us", "United States", "https://accounts.zoho.com", "https://desk.zoho.com"),
        DataCenter("eu", "Europe", "https://accounts.zoho.eu", "https://desk.zoho.eu"),
        DataCenter("in", "India", "https://accounts.zoho.in", "https://desk.zoho.in"),
        DataCenter("au", "Australia", "https://accounts.zoho.com.au", "https://desk.zoho.com.au"),
        DataCenter("jp", "Japan", "https://accounts.zoho.jp", "https://desk.zoho.jp"),
        DataCenter("ca", "Canada", "https://accounts.zohocloud.ca", "https://desk.zohocloud.ca"),
        DataCenter("cn", "China", "https://accounts.zoho.com.cn", "https://desk.zoho.com.cn"),
    )
}


def sandbox_data_center(site_url: str) -> DataCenter:
    """The built-in emulator, served by this console under /sandbox/."""
    base = site_url.rstrip("/")
    return DataCenter(
        SANDBOX, "Sandbox (built-in emulator)", f"{base}/sandbox/accounts", f"{base}/sandbox/desk"
    )


def data_center(code: str, *, site_url: str) -> DataCenter:
    """Look a data center up by code; raises KeyError for an unknown one."""
    if code == SANDBOX:
        return sandbox_data_center(site_url)
    return DATA_CENTERS[code]
