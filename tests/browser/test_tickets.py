"""Tickets in Chromium against the sandbox: queue in the URL, keyboard, writes, upload/download, bulk, errors."""

import os
import re
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from apps.core.models import OrgMembership
from apps.tickets.models import BulkJob, Ticket, TicketAttachment

pytest.importorskip("apps.sandbox.models")
pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def world(live_server, settings):
    """A seeded sandbox org (160 tickets) connected and synced."""
    from apps.sandbox.models import Org, RequestLog
    from apps.sandbox.seed import DEFAULT_ORGS, seed_sandbox
    from apps.sync import engine
    from tests.integration.tickets.conftest import World, connect_sandbox_org

    cache.clear()
    seed_sandbox(tickets=160, orgs=DEFAULT_ORGS[:1], seed=7)
    org = Org.objects.get(pk=DEFAULT_ORGS[0].org_id)
    Org.objects.filter(pk=org.pk).update(per_minute_limit=100_000, daily_limit=10_000_000)
    connection = connect_sandbox_org(org=org, base_url=live_server.url)
    engine.sync_state_for(connection)
    assert engine.sync_run(connection).finished
    connection.refresh_from_db()
    RequestLog.objects.all().delete()
    yield World(connection=connection, org=org)
    cache.clear()


@pytest.fixture
def manager(world, manager_user, login):
    OrgMembership.objects.get_or_create(user=manager_user, org_id=world.connection.org_id)
    login("max")
    return manager_user


def fresh_ticket(world) -> Ticket:
    ticket = (
        Ticket.objects.filter(connection=world.connection, status="Open", is_deleted=False)
        .exclude(department_desk_id="")
        .order_by("desk_id")
        .first()
    )
    Ticket.objects.filter(pk=ticket.pk).update(
        conversation_synced_at=timezone.now() + timezone.timedelta(days=1)
    )
    return ticket


def test_queue_filters_live_in_the_url_and_back_works(page, live_server, world, manager, console_errors):
    page.goto(f"{live_server.url}/tickets/")
    expect(page.get_by_role("heading", name="Tickets")).to_be_visible()
    expect(page.locator("[data-freshness]")).to_contain_text("synced")
    page.locator("#queue-assignee").select_option("unassigned")
    page.wait_for_url(re.compile(r"assignee=unassigned"))
    expect(page.locator("[data-count]")).to_contain_text("match")
    page.locator("th .sort-link", has_text="Subject").click()
    page.wait_for_url(re.compile(r"sort=subject"))
    page.go_back()
    page.wait_for_url(re.compile(r"assignee=unassigned(?!.*sort=subject)"))
    expect(page.locator("#queue-assignee")).to_have_value("unassigned")
    page.wait_for_load_state("networkidle")  # htmx restores the page from the server on "back"
    # / focuses the search; typing searches after a pause and lands in the URL.
    page.locator("h1").first.click()
    page.keyboard.press("/")
    expect(page.locator("#queue-q")).to_be_focused()
    word = Ticket.objects.filter(connection=world.connection).first().subject.split()[0]
    page.keyboard.type(word)
    page.wait_for_url(re.compile(rf"q={re.escape(word)}"))
    assert world.api_calls() == 0
    assert console_errors == []


def test_drill_down_chips_survive_the_filter_bar_and_the_live_refresh_and_go_by_keyboard(
    page, live_server, world, manager, console_errors
):
    from apps.mirror import freshness

    page.goto(f"{live_server.url}/tickets/?state=unclosed&responded=no&sla=response-pending")
    chips = page.locator("[data-chip]")
    expect(chips).to_have_count(3)
    state = page.get_by_role("link", name="Remove filter: State: not closed")
    # The bar's own control changes the queue; the drill-down filters ride along.
    page.locator("#queue-per-page").select_option("50")
    page.wait_for_url(re.compile(r"per_page=50"))
    assert all(part in page.url for part in ("state=unclosed", "responded=no", "sla=response-pending"))
    expect(chips).to_have_count(3)
    # The live refresh re-reads the rows from the URL: the chips stay.
    page.evaluate("() => document.querySelector('[data-chip]').dataset.drawnBefore = '1'")
    freshness.bump(world.connection.pk)
    expect(page.locator("[data-live]")).to_have_attribute("data-live-changes", re.compile(r"\d"))
    expect(page.locator("[data-chip][data-drawn-before]")).to_have_count(0)  # the results were redrawn
    expect(chips).to_have_count(3)
    # Removing one by keyboard drops only it; the focus moves to the chip that followed it.
    state.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"^(?!.*state=).*responded=no"))
    expect(chips).to_have_count(2)
    expect(page.get_by_role("link", name="Remove filter: First reply: none yet")).to_be_focused()
    assert "per_page=50" in page.url and "sla=response-pending" in page.url
    page.get_by_role("link", name="Clear filters").click()
    page.wait_for_url(re.compile(r"/tickets/\?per_page=50$"))
    expect(chips).to_have_count(0)
    assert console_errors == []


def test_keyboard_moves_through_rows_and_opens_a_ticket(page, live_server, world, manager, console_errors):
    page.goto(f"{live_server.url}/tickets/")
    page.locator("h1").first.click()
    page.keyboard.press("j")
    page.keyboard.press("j")
    second = page.locator("[data-row]").nth(1)
    expect(second).to_be_focused()
    page.keyboard.press("x")
    expect(second).to_have_attribute("aria-selected", "true")
    page.keyboard.press("k")
    expect(page.locator("[data-row]").first).to_be_focused()
    desk_id = page.locator("[data-row]").first.get_attribute("data-ticket")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/tickets/{desk_id}/"))
    page.locator("h1").first.click()
    page.keyboard.press("c")
    expect(page.locator("#comment_form textarea")).to_be_focused()
    assert console_errors == []


def test_change_status_comment_and_reply_from_the_page(page, live_server, world, manager, console_errors):
    ticket = fresh_ticket(world)
    page.goto(f"{live_server.url}/tickets/{ticket.desk_id}/")
    page.locator("#status_form").get_by_label("Status").select_option("On Hold")
    page.get_by_role("button", name="Change status").click()
    expect(page.locator("#toasts")).to_contain_text("Status changed to On Hold.")
    expect(page.locator(".facts").first).to_contain_text("On Hold")

    page.locator("#comment summary").click()
    page.locator("#comment_form textarea").fill("Internal note from the browser")
    page.get_by_role("button", name="Add comment").click()
    expect(page.locator("#toasts")).to_contain_text("Comment added.")
    expect(page.locator("#ticket-conversation")).to_contain_text("Internal note from the browser")

    page.locator("#reply summary").click()
    page.locator("#reply_form").get_by_label("To").fill("customer@example.com")
    page.locator("#reply_form textarea").fill("Thanks, fixed now.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator("#toasts")).to_contain_text("Reply sent.")
    expect(page.locator("#ticket-conversation")).to_contain_text("Thanks, fixed now.")
    assert world.api_calls() == 3
    assert console_errors == []


def test_upload_a_large_file_with_progress_and_download_it_byte_for_byte(
    page, live_server, world, manager, console_errors, tmp_path
):
    ticket = fresh_ticket(world)
    payload = os.urandom(1_500_000)
    source = tmp_path / "big-report.bin"
    source.write_bytes(payload)
    page.goto(f"{live_server.url}/tickets/{ticket.desk_id}/")
    page.locator("#upload-file").set_input_files(str(source))
    page.locator("[data-upload]").get_by_role("button", name="Upload").click()
    expect(page.locator("#toasts")).to_contain_text("Uploaded big-report.bin.")
    link = page.get_by_role("link", name="big-report.bin")
    expect(link).to_be_visible()
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == "big-report.bin"
    assert Path(download.path()).read_bytes() == payload
    assert TicketAttachment.objects.filter(ticket__pk=ticket.pk, name="big-report.bin").exists()
    assert console_errors == []


def test_too_large_file_is_refused_in_the_browser(page, live_server, world, manager, settings, tmp_path):
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    ticket = fresh_ticket(world)
    source = tmp_path / "huge.bin"
    source.write_bytes(b"x" * (1024 * 1024 + 10))
    page.goto(f"{live_server.url}/tickets/{ticket.desk_id}/")
    page.locator("#upload-file").set_input_files(str(source))
    page.locator("[data-upload]").get_by_role("button", name="Upload").click()
    expect(page.locator("[data-upload-status]")).to_contain_text("larger than the 1 MB limit")
    assert world.api_calls() == 0


def test_bulk_close_of_fifty_tickets_with_progress(page, live_server, world, manager, console_errors):
    open_count = (
        Ticket.objects.filter(connection=world.connection, is_deleted=False)
        .exclude(status_type="Closed")
        .count()
    )
    assert open_count >= 50
    page.goto(f"{live_server.url}/tickets/?status=Open&status=On+Hold&status=Escalated&per_page=50")
    page.locator("[data-select-page]").check()
    expect(page.locator("[data-selected-count]")).to_have_text("50")
    page.get_by_label("Bulk action", exact=True).select_option("close")
    page.get_by_role("button", name="Review…").click()
    expect(page.locator("[data-cost]")).to_contain_text("50 tickets: about 50 API credits")
    assert world.api_calls() == 0
    page.get_by_role("button", name="Start: about 50 credits").click()
    expect(page.locator("[data-progress]")).to_have_attribute("value", "50", timeout=60_000)
    expect(page.locator("[data-outcome]")).to_contain_text("50 done")
    job = BulkJob.objects.get()
    assert (job.succeeded, job.failed) == (50, 0)
    assert world.api_calls() == 50
    assert console_errors == []


def test_desk_validation_error_is_shown_on_the_create_form(page, live_server, world, manager, console_errors):
    from apps.sandbox.models import Agent as SandboxAgent
    from apps.team.models import Agent

    agent = Agent.objects.filter(connection=world.connection).first()
    SandboxAgent.objects.filter(pk=int(agent.desk_id)).update(status="DISABLED")
    page.goto(f"{live_server.url}/tickets/new/")
    page.get_by_label("Contact email").fill("browser@example.com")
    page.get_by_label("Contact last name").fill("Browser")
    page.get_by_label("Subject").fill("Made in Chromium")
    page.get_by_label("Department").select_option(index=1)  # no silent default: the agent picks one
    page.get_by_label("Assignee").select_option(agent.desk_id)
    page.get_by_role("button", name="Create ticket").click()
    field = page.locator(".form-field", has=page.get_by_label("Assignee"))
    expect(field.locator(".errorlist")).to_be_visible()
    expect(page.get_by_label("Subject")).to_have_value("Made in Chromium")
    assert console_errors == []


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_screenshots_of_queue_and_detail(page, live_server, world, manager, theme):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    ticket = (
        Ticket.objects.filter(connection=world.connection, thread_count__gt=1).order_by("desk_id").first()
    )
    page.goto(f"{live_server.url}/tickets/")
    page.evaluate(f"localStorage.setItem('deskadmin-theme', '{theme}')")
    page.goto(f"{live_server.url}/tickets/")
    expect(page.locator("[data-row]").first).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / f"tickets-queue-{theme}.png"), full_page=False)
    page.goto(f"{live_server.url}/tickets/{ticket.desk_id}/")
    expect(page.locator("#ticket-conversation")).to_be_visible()
    # The conversation arrives from Desk after the page shows: wait for it before the picture.
    expect(page.locator("[data-conversation-loading]")).to_have_count(0, timeout=15_000)
    page.screenshot(path=str(SCREENSHOTS / f"tickets-detail-{theme}.png"), full_page=False)


def test_assign_and_change_priority_from_the_page(page, live_server, world, manager, console_errors):
    from apps.sandbox.models import Agent as SandboxAgent
    from apps.team.models import Agent

    ticket = fresh_ticket(world)
    active = set(SandboxAgent.objects.filter(status="ACTIVE", is_deleted=False).values_list("id", flat=True))
    agent = next(
        a
        for a in Agent.objects.filter(connection=world.connection).exclude(desk_id=ticket.assignee_desk_id)
        if int(a.desk_id) in active
    )
    page.goto(f"{live_server.url}/tickets/{ticket.desk_id}/")
    page.locator("h1").first.click()
    page.keyboard.press("a")
    expect(page.locator("#assign_form select[name=assignee]")).to_be_focused()
    page.locator("#assign_form select[name=assignee]").select_option(agent.desk_id)
    page.get_by_role("button", name="Assign", exact=True).click()
    expect(page.locator("#toasts")).to_contain_text("Assignment saved.")
    expect(page.locator(".facts").first).to_contain_text(agent.name)
    page.locator("#priority_form select").select_option("Urgent")
    page.get_by_role("button", name="Change priority").click()
    expect(page.locator("#toasts")).to_contain_text("Priority changed.")
    ticket.refresh_from_db()
    assert (ticket.assignee_desk_id, ticket.priority) == (agent.desk_id, "Urgent")
    assert console_errors == []


def test_stale_ticket_asks_before_writing(page, live_server, world, manager, console_errors):
    ticket = fresh_ticket(world)
    page.goto(f"{live_server.url}/tickets/{ticket.desk_id}/")
    # Meanwhile a webhook brings a change made in Desk by someone else.
    Ticket.objects.filter(pk=ticket.pk).update(
        priority="Urgent" if ticket.priority != "Urgent" else "Low",
        desk_modified_time=timezone.now() + timezone.timedelta(minutes=5),
        conversation_synced_at=timezone.now() + timezone.timedelta(days=1),
    )
    page.locator("#status_form select[name=status]").select_option("On Hold")
    page.get_by_role("button", name="Change status").click()
    banner = page.locator("[data-stale]")
    expect(banner).to_contain_text("changed in Desk since you opened it")
    expect(banner).to_contain_text("Priority")
    assert world.api_calls() == 0
    page.get_by_role("button", name="Confirm and save").click()
    expect(page.locator("#toasts")).to_contain_text("Status changed to On Hold.")
    assert world.api_calls() == 1
    assert console_errors == []


def test_create_a_ticket_then_move_it_to_trash(page, live_server, world, manager, console_errors):
    page.goto(f"{live_server.url}/tickets/")
    page.get_by_role("link", name="New ticket").click()
    page.get_by_label("Contact email").fill("trash.me@example.com")
    page.get_by_label("Contact last name").fill("Trash")
    page.get_by_label("Subject").fill("Short-lived ticket")
    page.get_by_label("Department").select_option(index=1)
    page.get_by_role("button", name="Create ticket").click()
    expect(page.get_by_role("heading", name=re.compile("Short-lived ticket"))).to_be_visible()
    expect(page.locator("#toasts")).to_contain_text("created")
    page.get_by_role("link", name="Move to trash").click()
    page.get_by_role("button", name="Move to trash").click()
    expect(page.locator("#toasts")).to_contain_text("moved to Desk's trash")
    assert Ticket.objects.get(subject="Short-lived ticket").is_deleted
    assert console_errors == []


def test_save_a_personal_view_and_open_it(page, live_server, world, manager, console_errors):
    page.goto(f"{live_server.url}/tickets/?assignee=unassigned&sort=-due")
    page.locator(".save-view summary").click()
    page.get_by_placeholder("Name, e.g. My urgent").fill("Unassigned by due")
    page.get_by_role("button", name="Save view").click()
    expect(page.locator("#toasts")).to_contain_text("Saved the view")
    page.goto(f"{live_server.url}/tickets/")
    page.get_by_role("link", name="Unassigned by due").click()
    page.wait_for_url(re.compile(r"assignee=unassigned"))
    expect(page.locator("#queue-assignee")).to_have_value("unassigned")
    page.wait_for_load_state("networkidle")  # htmx restores the page from the server on "back"
    assert console_errors == []
