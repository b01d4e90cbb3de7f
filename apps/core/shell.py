"""The page shell's moving parts: side navigation, slots other apps fill (org switcher, API budget), and
sections an app adds to a page another app owns (the sync's search-scope notice on a connection's page).

Apps register what they add in their AppConfig.ready(); the core never imports them, and the page's owner
never imports the app that adds a section, so imports keep pointing down (docs/architecture.md). A navigation
entry shows only when its URL exists and the user holds its permission, so the side bar grows as
apps are installed and never links to a page that is not there.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    icon: str  # a symbol id in templates/core/icons.svg
    permission: str = ""  # "core.view_tickets"; empty = any signed-in user
    shortcut: str = ""  # the key after "g" ("g t" opens Tickets)


NAVIGATION: list[NavEntry] = [
    NavEntry("Overview", "core:dashboard", "home", shortcut="o"),
    NavEntry("Tickets", "tickets:queue", "inbox", "core.view_tickets", "t"),
    NavEntry("Customers", "customers:contacts", "users", "core.view_customers", "c"),
    NavEntry("Team", "team:agents", "team", "core.view_team", "m"),
    NavEntry("Webhooks", "webhooks:list", "bolt", "core.manage_webhooks", "w"),
    NavEntry("Insights", "insights:dashboard", "chart", "core.view_insights", "i"),
    NavEntry("Connections", "connections:list", "plug", "core.view_tickets", "n"),
    NavEntry("Sync", "sync:status", "refresh", "core.view_tickets", "y"),
    NavEntry("Sandbox", "sandbox:admin", "flask", "core.manage_connections", "s"),
    NavEntry("Users", "core:users", "userkey", "core.manage_users", "u"),
    NavEntry("Audit log", "core:audit", "shield", "core.view_audit_log", "l"),
]

# Callables (request) -> dict merged into the template context: the org switcher, the API budget.
SlotProvider = Callable[[HttpRequest], dict[str, Any]]
SLOT_PROVIDERS: list[SlotProvider] = []


def register_slot_provider(provider: SlotProvider) -> None:
    if provider not in SLOT_PROVIDERS:
        SLOT_PROVIDERS.append(provider)


def navigation_for(request: HttpRequest) -> list[dict[str, Any]]:
    entries = []
    for entry in NAVIGATION:
        if entry.permission and not request.user.has_perm(entry.permission):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue  # the app that serves this section is not installed
        active = request.path == url if url == "/" else request.path.startswith(url)
        entries.append({"entry": entry, "url": url, "active": active})
    return entries


@dataclass(frozen=True)
class PageSection:
    """A part of a page that another app renders: its template and that template's context."""

    template: str
    context: dict[str, Any]


# page name -> callables (request, **objects) -> PageSection | None, in registration order.
SectionProvider = Callable[..., PageSection | None]
SECTION_PROVIDERS: dict[str, list[SectionProvider]] = {}


def register_section(page: str, provider: SectionProvider) -> None:
    """Add ``provider``'s section to ``page`` (e.g. "connections:detail"); called from AppConfig.ready()."""
    providers = SECTION_PROVIDERS.setdefault(page, [])
    if provider not in providers:
        providers.append(provider)


def sections_for(page: str, request: HttpRequest, **objects: Any) -> list[PageSection]:
    """The sections other apps add to ``page`` for these objects (render each with ``{% include %}``)."""
    sections = []
    for provider in SECTION_PROVIDERS.get(page, ()):
        section = provider(request, **objects)
        if section is not None:
            sections.append(section)
    return sections
