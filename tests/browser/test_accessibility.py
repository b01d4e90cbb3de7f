"""WCAG 2.2 A/AA on every console page, checked by axe-core in Chromium: light and dark themes, 1280 and 390 px.

The pages come from the URL map (``console_patterns()`` and the RULES of the per-view authorization test):
every GET view a signed-in admin can open, path parameters filled with real objects of a seeded, synced
sandbox org. A page added tomorrow is checked without anyone adding it here. Fragments (HTMX partials),
downloads and redirects are not pages: they are checked inside the pages that load them.

axe-core comes from the npm registry at test time (``scripts/ensure_services.sh`` installs the pinned
version; see docs/accessibility.md). It is added as an init script, which the page's strict CSP does not
apply to, so the pages are checked with their CSP on, as people see them.

One browser page does everything: each page is loaded once and axe runs four times on it (light and dark,
switched in place through ``data-theme``; the viewport resized to 390 px without a reload).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import User
from django.core.cache import cache
from django.urls import reverse
from playwright.sync_api import Error as PlaywrightError

from apps.core.services import audit_record
from tests.integration.test_view_authorization import RULES, console_patterns

pytest.importorskip("apps.sandbox.models")
pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)

AXE_DIR = Path(os.environ.get("AXE_CORE_DIR", Path.home() / ".cache" / "deskadmin" / "axe-core"))
AXE_JS = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
# Every WCAG 2.0, 2.1 and 2.2 success criterion at level A and AA that axe has a rule for.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
THEMES = ("light", "dark")
WIDTHS = (1280, 390)

# Pages whose violations the lead still has to fix (page name -> axe rule ids), each with the fix in
# /work/notes/a11y-others.md. Listed violations are reported but do not fail; a listed one that no
# longer occurs fails, so the list only shrinks. Empty it; never add a shell or ticket page to it.
PENDING_FIXES_FOR_LEAD: dict[str, set[str]] = {}

# GET views that are not pages of their own (checked where a page includes them).
NOT_PAGES = {
    "core:home": "redirects to the role's home page",
}

# How to find a real object for a path parameter kind of RULES (the authorization test's kinds).
# A kind missing here is looked up generically: the first mirror row of a model of that name in the org.
FINDERS = {
    "ticket": lambda world: world["ticket"].desk_id,
    "attachment": lambda world: world["attachment"].desk_id,
    "connection": lambda world: str(world["connection"].pk),
    "saved_view": lambda world: str(world["saved_view"].pk),
    "bulk_job": lambda world: str(world["bulk_job"].pk),
    "canned_reply": lambda world: str(world["canned_reply"].pk),
    "org_id": lambda world: world["connection"].org_id,
    "user": lambda world: str(world["user"].pk),
}

# The themes differ only in colours (static/css/tokens.css), so in the second theme at a width only the
# rules that read colours run: the others would give the first theme's answer again. That halves the time.
COLOUR_RULES = ["color-contrast", "link-in-text-block"]
RUN_AXE = """async (only) => {
  const result = await axe.run(document, {runOnly: only, resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => ({target: n.target.join(" "), summary: n.failureSummary})),
    count: v.nodes.length,
  }));
}"""

# Our own rule for charts (docs/accessibility.md, "Charts"), which axe cannot know: an SVG drawn large enough
# to be a chart sits in a <figure> or <section> that has a title (a <figcaption> or a heading) and holds the
# numbers as a table with header cells; axe checks that the SVG itself is named (role="img") or hidden.
# Icons and the bar partial's thin bars are too small to count.
CHARTS_WITHOUT_TEXT = """() => [...document.querySelectorAll("svg")].filter(svg => {
  const box = svg.getBoundingClientRect();
  if (box.width < 120 || box.height < 60 || !svg.checkVisibility()) return false;
  const holder = svg.closest("figure, section, article");
  const title = holder && holder.querySelector("figcaption, h2, h3, h4");
  return !(title && title.textContent.trim() && holder.querySelector("table th"));
}).map(svg => ({target: svg.id ? "#" + svg.id : (svg.getAttribute("class") || "svg"),
  summary: "a chart needs a title (figcaption or heading) and its numbers as a table in its figure or section"}))"""

# WCAG 1.4.10 (Reflow), which axe does not test: at 390 px the page never scrolls sideways (a wide table
# scrolls inside its own .table-wrap). Reports the elements that stick out of the viewport.
OVERFLOW = """() => {
  if (document.documentElement.scrollWidth <= window.innerWidth + 1) return [];
  const clipped = el => {
    for (let node = el.parentElement; node && node !== document.body; node = node.parentElement) {
      if (["auto", "scroll", "hidden", "clip"].includes(getComputedStyle(node).overflowX)) return true;
    }
    return false;
  };
  return [...document.querySelectorAll("body *")].filter(el => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.right > window.innerWidth + 1 && !clipped(el)
      && getComputedStyle(el).position !== "fixed" && !el.querySelector("*");
  }).slice(0, 5).map(el => ({
    target: el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className && el.className.baseVal === undefined ? "." + el.className.trim().split(/\\s+/).join(".") : ""),
    summary: `ends at ${Math.round(el.getBoundingClientRect().right)} px; the page is ${document.documentElement.scrollWidth} px wide`,
  }));
}"""

NEXT_FRAME = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
# Wait for htmx requests the page makes on load (panels, the conversation) to have come back.
HTMX_IDLE = """() => {
  const idle = !document.querySelector(".htmx-request") && (window.__a11yPending || 0) === 0;
  window.__a11yIdle = idle ? (window.__a11yIdle || 0) + 1 : 0;
  return window.__a11yIdle >= 3;
}"""
COUNT_HTMX = """
document.addEventListener("htmx:beforeRequest", () => { window.__a11yPending = (window.__a11yPending || 0) + 1; });
for (const name of ["htmx:afterRequest", "htmx:sendError", "htmx:timeout"]) {
  document.addEventListener(name, () => { window.__a11yPending = Math.max(0, (window.__a11yPending || 0) - 1); });
}
"""


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "reduced_motion": "reduce"}


@pytest.fixture
def axe_page(page):
    if not AXE_JS.is_file():
        pytest.fail(
            f"axe-core is not installed at {AXE_DIR}: run scripts/ensure_services.sh (see docs/accessibility.md)"
        )
    page.context.add_init_script(path=str(AXE_JS))
    page.context.add_init_script(script=COUNT_HTMX)
    return page


@pytest.fixture
def a11y_world(live_server, admin_user):
    """A seeded sandbox org (20 tickets) connected and synced, and one of each object the console shows."""
    from apps.sandbox.models import Org, RequestLog
    from apps.sandbox.seed import DEFAULT_ORGS, seed_sandbox
    from apps.sync import engine
    from apps.tickets.models import BulkJob, CannedReply, SavedView, Ticket, TicketAttachment
    from tests.support.sandbox import connect_sandbox_org

    cache.clear()
    seed_sandbox(tickets=20, orgs=DEFAULT_ORGS[:1], seed=7)
    org = Org.objects.get(pk=DEFAULT_ORGS[0].org_id)
    Org.objects.filter(pk=org.pk).update(per_minute_limit=100_000, daily_limit=10_000_000)
    connection = connect_sandbox_org(org=org, base_url=live_server.url)
    engine.sync_state_for(connection)
    assert engine.sync_run(connection).finished
    connection.refresh_from_db()
    ticket = Ticket.objects.filter(connection=connection, is_deleted=False).order_by("desk_id").first()
    assert ticket is not None
    attachment = TicketAttachment.objects.filter(
        connection=connection
    ).first() or TicketAttachment.objects.create(
        connection=connection, ticket=ticket, desk_id=f"{connection.org_id}900", name="notes.txt"
    )
    audit_record(actor=admin_user, action="ticket.close", target_type="ticket", target_id=ticket.desk_id)
    # A refused call in the sandbox's request log, so its admin page shows an error row whatever ran before.
    RequestLog.objects.create(method="GET", path="/api/v1/tickets/0", status=404, org_id=str(org.pk))
    world = {
        "connection": connection,
        "ticket": ticket,
        "attachment": attachment,
        "saved_view": SavedView.objects.create(connection=connection, owner=admin_user, name="Mine"),
        "bulk_job": BulkJob.objects.create(connection=connection, actor=admin_user, action="close", total=1),
        "canned_reply": CannedReply.objects.create(
            connection=connection,
            owner=admin_user,
            title="Thanks",
            body="Thanks for writing.",
            is_shared=True,
        ),
        "user": User.objects.create_user(username="agent-a11y", password="x-unused-x", email="a@x.org"),
    }
    yield world
    cache.clear()


def _find(kind: str, param: str, world: dict) -> str:
    if kind in FINDERS:
        return FINDERS[kind](world)
    model_name = kind.replace("_", "")
    for model in django_apps.get_models():
        if model._meta.model_name == model_name:
            manager = model._default_manager
            fields = {field.name for field in model._meta.get_fields()}
            rows = manager.filter(connection=world["connection"]) if "connection" in fields else manager.all()
            row = rows.order_by("pk").first()
            if row is not None:
                return str(getattr(row, param, row.pk))
    raise LookupError(f"no object for the path parameter kind {kind!r}: add it to FINDERS in {__file__}")


def console_pages(world: dict) -> dict[str, str]:
    """Every console GET view an admin may open, as a URL with real objects: ``name`` -> path."""
    pages = {}
    for name in sorted(console_patterns()):
        rule = RULES.get(name)
        if rule is None or rule.method != "GET" or name in NOT_PAGES:
            continue  # views missing from RULES fail the authorization test
        pages[name] = reverse(name, kwargs={p: _find(kind, p, world) for p, kind in rule.params.items()})
    return pages


def _axe(page, label: str, found: dict[str, list[dict]]) -> int:
    """Run axe in both themes at both widths on the loaded page; record violations under ``label``.

    Every rule runs in the first theme at each width, the colour rules in the second (see COLOUR_RULES)."""
    runs = 0
    charts = page.evaluate(CHARTS_WITHOUT_TEXT)
    if charts:
        found.setdefault(label, []).append(
            {
                "id": "chart-text-alternatives",
                "impact": "serious",
                "help": "Charts carry a title, a summary and the numbers as a table",
                "nodes": charts[:5],
                "count": len(charts),
                "where": f"{page.viewport_size['width']}px",
            }
        )
    widths = WIDTHS if page.viewport_size["width"] == WIDTHS[0] else WIDTHS[::-1]
    for width in widths:
        if page.viewport_size["width"] != width:
            page.set_viewport_size({"width": width, "height": 844 if width < 600 else 800})
            page.evaluate(NEXT_FRAME)  # resize listeners (wide tables) have run
        if width < 600:
            sticking_out = page.evaluate(OVERFLOW)
            if sticking_out:
                found.setdefault(label, []).append(
                    {
                        "id": "reflow",
                        "impact": "serious",
                        "help": "At 390 px the page does not scroll sideways (WCAG 1.4.10)",
                        "nodes": sticking_out,
                        "count": len(sticking_out),
                        "where": f"{width}px",
                    }
                )
        for index, theme in enumerate(THEMES if width == widths[0] else THEMES[::-1]):
            page.evaluate("theme => document.documentElement.setAttribute('data-theme', theme)", theme)
            only = (
                {"type": "tag", "values": WCAG_TAGS}
                if index == 0
                else {"type": "rule", "values": COLOUR_RULES}
            )
            for violation in page.evaluate(RUN_AXE, only):
                found.setdefault(label, []).append({**violation, "where": f"{theme} {width}px"})
            runs += 1
    return runs


def _open(page, url: str) -> str:
    """Load ``url``; "page" when it is a console page, else why it is not one."""
    try:
        response = page.goto(url)
    except PlaywrightError as error:
        if "Download is starting" in str(error):
            return "download"
        raise
    assert response is not None
    if response.request.redirected_from is not None:
        return "redirect"
    kind = response.headers.get("content-type", "")
    if "text/html" not in kind:
        return f"{kind.split(';')[0] or 'no content type'}, status {response.status}"
    # An admin is never refused, and the world has an object for every parameter: anything else is a bug
    # here or in the view (400 is a page's own answer to a bad request, e.g. an OAuth callback without state).
    assert response.status in (200, 400), f"{url} answered {response.status} to an admin"
    if not page.evaluate("() => document.querySelector('main#main') !== null"):
        return "fragment"
    page.wait_for_function(HTMX_IDLE, polling="raf")
    assert page.evaluate("typeof axe") == "object", "the page's CSP or a load error kept axe-core out"
    return "page"


def _open_drawer(page) -> None:
    page.locator("h1").first.click()
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.locator("#ticket-drawer").wait_for(state="visible")


def _open_everything(page) -> None:
    page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
    page.evaluate("() => document.getElementById('sidenav').classList.add('open')")


def _submit_empty(page) -> None:
    page.get_by_role("button", name="Create ticket").click()
    page.locator("[aria-invalid=true]").first.wait_for()


def _shortcuts(page) -> None:
    page.locator("h1").first.click()
    page.keyboard.press("?")
    page.get_by_role("dialog", name="Keyboard shortcuts").wait_for()


def _toasts_and_banner(page) -> None:
    """A toast of each level, an alert, and the banner an org that needs reconnecting puts on every page."""
    from apps.connections.models import DeskConnection

    DeskConnection.objects.update(status=DeskConnection.Status.NEEDS_RECONSENT)
    page.reload()
    page.locator(".banner").wait_for()
    page.evaluate(
        """() => {
          for (const level of ["info", "success", "warning", "error"]) {
            document.body.dispatchEvent(new CustomEvent("toast", {detail: {message: `A ${level} toast`, level}}));
          }
          document.body.dispatchEvent(new CustomEvent("alert", {detail: {message: "An alert", level: "error"}}));
        }"""
    )


def _charts(page) -> None:
    """The shared chart partials (templates/core/charts/), placed on a page with their stylesheet."""
    from django.template.loader import render_to_string

    from apps.core.charts import bar_chart, column_chart

    load = bar_chart(
        title="Open tickets per agent",
        data=[("Ana Lima", 14, "/tickets/?assignee=1"), ("Ben Okafor", 9), ("Unassigned", 0)],
        label_heading="Agent",
        value_heading="Open tickets",
    )
    volume = column_chart(
        title="New tickets per day",
        summary="Steady, with a peak on Tuesday.",
        data=[(f"1{day} Nov", count) for day, count in enumerate((12, 31, 18, 9, 14, 3, 0))],
        label_heading="Day",
        value_heading="New tickets",
    )
    html = render_to_string("core/charts/bar.html", {"chart": load}) + render_to_string(
        "core/charts/columns.html", {"chart": volume}
    )
    page.evaluate(
        """html => new Promise(done => {
          const link = document.createElement("link");
          link.rel = "stylesheet"; link.href = "/static/css/charts.css"; link.onload = done;
          document.head.append(link);
          const card = document.createElement("section");
          card.className = "card"; card.innerHTML = html;
          document.querySelector("main").prepend(card);
          card.querySelector("details").open = true;
        })""",
        html,
    )


def _search_results(page) -> None:
    """The cross-org search with results: a ticket found by its number, grouped under its org."""
    from apps.tickets.models import Ticket

    number = Ticket.objects.filter(is_deleted=False).order_by("desk_id").first().ticket_number
    page.get_by_role("searchbox").fill(number)
    page.keyboard.press("Enter")
    page.locator("[data-search-org]").first.wait_for()


def _drill_down_chips(page) -> None:
    """The queue opened by an Insights drill-down: its filters without a control in the bar shown as chips."""
    page.goto(
        page.url.split("?")[0] + "?state=open&closed_from=2026-11-02&closed_to=2026-11-09&hour=14"
        "&responded=1&sla=resolution-breached&open_on=2026-11-09"
    )
    page.locator("[data-chip]").first.wait_for()


# What a page shows after an action (htmx content, dialogs, open menus, a form's errors): label, view, action.
STATES = [
    ("queue with the ticket drawer open", "tickets:queue", _open_drawer),
    ("ticket with reply, comment and every panel open", "tickets:detail", _open_everything),
    ("overview with the account menu and navigation open", "core:dashboard", _open_everything),
    ("overview with the shortcuts dialog", "core:dashboard", _shortcuts),
    ("new ticket sent empty (field errors)", "tickets:new", _submit_empty),
    ("the shared charts (bar, columns with their table)", "core:dashboard", _charts),
    ("cross-org search with results", "insights:search", _search_results),
    ("queue with drill-down filter chips", "tickets:queue", _drill_down_chips),
    (
        "toasts of every level and the reconnect banner (last: it changes the org)",
        "tickets:queue",
        _toasts_and_banner,
    ),
]


def _report(found: dict[str, list[dict]]) -> str:
    lines = []
    for label, violations in found.items():
        for v in violations:
            lines.append(f"{label} [{v['where']}] {v['id']} ({v['impact']}, {v['count']} nodes): {v['help']}")
            for node in v["nodes"]:
                summary = " ".join((node["summary"] or "").split())[:300]
                lines.append(f"    {node['target']}: {summary}")
    return "\n".join(lines)


def test_every_page_is_wcag_22_aa_clean_in_both_themes_and_at_390_px(
    axe_page, live_server, a11y_world, login, capsys
):
    page = axe_page
    found: dict[str, list[dict]] = {}
    checked: list[str] = []
    skipped: dict[str, str] = {}
    runs = 0

    page.goto(f"{live_server.url}/login/")
    runs += _axe(page, "login", found)
    checked.append("login")
    login("ada")
    for name, path in console_pages(a11y_world).items():
        outcome = _open(page, live_server.url + path)
        if outcome != "page":
            skipped[name] = outcome
            continue
        runs += _axe(page, name, found)
        checked.append(name)
    page.goto(f"{live_server.url}/no-such-page/")
    runs += _axe(page, "404", found)
    checked.append("404")
    pages = console_pages(a11y_world)
    for label, name, action in STATES:
        page.goto(live_server.url + pages[name])
        page.wait_for_function(HTMX_IDLE, polling="raf")
        action(page)
        page.wait_for_function(HTMX_IDLE, polling="raf")
        runs += _axe(page, label, found)
        checked.append(label)

    pending = {
        label: {v["id"] for v in vs} & PENDING_FIXES_FOR_LEAD.get(label, set()) for label, vs in found.items()
    }
    failing = {
        label: [v for v in vs if v["id"] not in pending.get(label, set())] for label, vs in found.items()
    }
    failing = {label: vs for label, vs in failing.items() if vs}
    stale = {
        label: rules - pending.get(label, set())
        for label, rules in PENDING_FIXES_FOR_LEAD.items()
        if rules - pending.get(label, set())
    }
    with capsys.disabled():
        print(
            f"\naccessibility (axe-core {page.evaluate('axe.version')}, {', '.join(WCAG_TAGS)}): "
            f"{len(checked) - len(STATES)} pages + {len(STATES)} states × {len(THEMES)} themes × {len(WIDTHS)} "
            f"widths = {runs} checks; {sum(len(vs) for vs in found.values())} violations "
            f"({sum(len(v) for v in pending.values())} pending for the lead); not pages: {skipped}"
        )
        if found:
            print(_report(found))
    assert failing == {}, "WCAG 2.2 A/AA violations:\n" + _report(failing)
    assert stale == {}, f"fixed: remove these from PENDING_FIXES_FOR_LEAD: {stale}"
    assert len(checked) >= 10
