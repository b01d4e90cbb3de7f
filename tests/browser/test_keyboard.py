"""Keyboard only, in Chromium: Tab reaches every action on the queue and the ticket page, and each stop shows focus.

Before tabbing, the page lists its actions: every visible link, button, field, ``summary`` and tab stop
(``tabindex`` 0 or more) that is not disabled. Then Tab is pressed until focus has gone round the page; each
element focused on the way is checked for a visible focus indicator (it matches ``:focus-visible`` and has
an outline or a box shadow, or a box round it draws an outline through ``:focus-within``, as the reply
editor does). An action Tab never reaches, or a stop without a visible focus, fails the test.
"""

from __future__ import annotations

import pytest

from tests.browser import test_accessibility as accessibility

HTMX_IDLE = accessibility.HTMX_IDLE
a11y_world = accessibility.a11y_world  # the same seeded, synced sandbox org (a fixture)

pytest.importorskip("apps.sandbox.models")
pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)

# Marks each action with data-kbd and records every focus: which element, and whether focus shows.
PREPARE = """() => {
  const selector = "a[href], button, input, select, textarea, summary, [tabindex], [contenteditable=true]";
  const actions = [];
  document.querySelectorAll(selector).forEach((el, index) => {
    if (el.disabled || el.tabIndex < 0 || el.type === "hidden" || el.closest("[inert], [hidden]")) return;
    if (el.closest("dialog:not([open])")) return;
    const rect = el.getBoundingClientRect();
    const visible = el.checkVisibility({checkVisibilityCSS: true, contentVisibilityAuto: true})
      && rect.width > 0 && rect.height > 0;
    if (!visible && !el.classList.contains("skip-link")) return;
    el.dataset.kbd = String(index);
    actions.push(String(index));
  });
  window.__kbdLog = [];
  document.addEventListener("focusin", (event) => {
    const el = event.target;
    const style = getComputedStyle(el);
    const outlined = node => {
      const s = getComputedStyle(node);
      return s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0;
    };
    // A box may draw its field's focus (the editor outlines itself, :focus-within, round its text area).
    let ring = null;
    for (let node = el.parentElement, depth = 0; node && depth < 3; node = node.parentElement, depth++) {
      if (node.matches(":focus-within") && outlined(node)) { ring = node; break; }
    }
    const shadow = style.boxShadow !== "none";
    const name = (el.getAttribute("aria-label") || el.textContent || el.name || el.id || "").trim().slice(0, 40);
    window.__kbdLog.push({
      key: el.dataset.kbd || null,
      shows: (el.matches(":focus-visible") && (outlined(el) || shadow)) || ring !== null,
      what: `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""} "${name}"`,
    });
  });
  return actions;
}"""
DESCRIBE = """keys => keys.map(key => {
  const el = document.querySelector(`[data-kbd="${key}"]`);
  const name = (el.getAttribute("aria-label") || el.textContent || el.name || el.id || "").trim().slice(0, 40);
  return `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""} "${name}"`;
})"""


def tab_round(page) -> tuple[list[str], list[str]]:
    """Tab round the loaded page; return (actions never reached, focus stops without a visible indicator)."""
    page.wait_for_function(HTMX_IDLE, polling="raf")
    actions = page.evaluate(PREPARE)
    if page.evaluate("() => document.activeElement === document.body"):
        page.mouse.click(1, 1)  # focus starts at the top of the document, as after loading
    log: list[dict] = []
    for _ in range(4):  # a page grows (panels load): keep tabbing until every action was reached
        for _ in range(len(actions) + 5):
            page.keyboard.press("Tab")
        log = page.evaluate("() => window.__kbdLog")
        if not set(actions) - {entry["key"] for entry in log}:
            break
    missing = sorted(set(actions) - {entry["key"] for entry in log}, key=int)
    hidden_focus = sorted({entry["what"] for entry in log if not entry["shows"]})
    return page.evaluate(DESCRIBE, missing), hidden_focus


def test_tab_reaches_every_action_on_queue_and_ticket_page_with_visible_focus(
    page, live_server, a11y_world, login, capsys
):
    login("ada")
    checked = {}
    for label, path in (
        ("queue", "/tickets/"),
        ("queue with the ticket drawer open", "/tickets/"),
        ("ticket page, reply and comment boxes open", f"/tickets/{a11y_world['ticket'].desk_id}/"),
    ):
        page.goto(live_server.url + path)
        page.wait_for_function(HTMX_IDLE, polling="raf")
        if "drawer" in label:  # opened by keyboard: j to the first row, Enter; Tab goes on from its title
            page.locator("h1").first.click()
            page.keyboard.press("j")
            page.keyboard.press("Enter")
            page.locator("#drawer-title").wait_for()
            page.wait_for_function(HTMX_IDLE, polling="raf")
            assert page.evaluate("() => document.activeElement.id") == "drawer-title"
        if (
            "boxes open" in label
        ):  # they open from their summary (a stop itself); inside: editor, toolbar, fields
            page.evaluate("() => document.querySelectorAll('main details').forEach(d => { d.open = true; })")
        missing, hidden_focus = tab_round(page)
        assert missing == [], f"{label}: Tab never reaches {missing}"
        assert hidden_focus == [], f"{label}: focus not visible on {hidden_focus}"
        checked[label] = len(page.evaluate("() => window.__kbdLog"))
    with capsys.disabled():
        print(f"\nkeyboard: focus stops checked {checked}")
