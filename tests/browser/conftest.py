"""Playwright on Debian's Chromium, against pytest-django's live server."""

import os

import pytest

from tests.conftest import PASSWORD

# Playwright's sync API runs an event loop in the test thread while the live server's fixtures use
# the ORM: Django must be told that this is safe here (and only here: it breaks `check --deploy`).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 800}}


@pytest.fixture
def console_errors(page):
    """Script errors and CSP violations the page logged; a test can assert there are none.

    Chromium also logs every 4xx/5xx response as an error; those are expected answers (a 422 for a
    form with errors), so they are left out.
    """
    errors: list[str] = []

    def on_console(message):
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


@pytest.fixture
def login(page, live_server):
    """Sign in through the real login form."""

    def sign_in(username: str, password: str = PASSWORD) -> None:
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        # Home: the Overview, or for an agent their own queue.
        page.wait_for_url(
            lambda url: url == f"{live_server.url}/" or url.startswith(f"{live_server.url}/tickets/")
        )

    return sign_in
