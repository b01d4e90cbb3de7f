"""Fixes from the walk-through: names not ids (bulk, audit log), closed tickets, resolution, private comments,
stale times, sprite icons not emoji, saved-view delete asks, Sync now polls, the create form, the Overview and
an agent's home."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from apps.core.models import AuditEntry, OrgMembership
from apps.core.services import audit_record
from apps.core.templatetags.core_time import when
from apps.team.models import Agent, Department, Team
from apps.tickets.filters import QueueFilters
from apps.tickets.models import BulkJob, SavedView, Ticket, TicketComment
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])

ROOT = Path(__file__).resolve().parents[3]
# Pictographs and dingbats some systems cannot draw; the sprite (static/img/icons.svg) is used instead.
EMOJI = re.compile("[\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff\u23e9-\u23fa\u2300-\u23ff]")


def open_ids(world, n: int) -> list[str]:
    return list(
        Ticket.objects.filter(connection=world.connection, status="Open", is_deleted=False)
        .order_by("desk_id")
        .values_list("desk_id", flat=True)[:n]
    )


def test_bulk_review_and_progress_name_agents_teams_and_tickets(world, member, manager_user):
    ids = open_ids(world, 2)
    agent = Agent.objects.filter(connection=world.connection).exclude(name="").first()
    client = member(manager_user)
    client.post(
        reverse("tickets:bulk_create"), {"action": "assign", "assignee": agent.desk_id, "ticket": ids}
    )
    job = BulkJob.objects.get()
    review = client.get(reverse("tickets:bulk", args=[job.pk])).content.decode()
    assert agent.name in review
    assert f"agent {agent.desk_id}" not in review
    client.post(reverse("tickets:bulk_start", args=[job.pk]))
    page = client.get(reverse("tickets:bulk", args=[job.pk])).content.decode()
    ticket = Ticket.objects.get(connection=world.connection, desk_id=ids[0])
    assert f"#{ticket.ticket_number} {ticket.subject}" in page
    assert EMOJI.search(page) is None


def test_audit_log_names_tickets_orgs_users_and_agents(world, member, admin_user, agent_user):
    ticket = Ticket.objects.filter(connection=world.connection).order_by("desk_id").first()
    agent = Agent.objects.filter(connection=world.connection).exclude(name="").first()
    audit_record(
        actor=admin_user,
        action="ticket.assign",
        org_id=world.connection.org_id,
        target_type="ticket",
        target_id=ticket.desk_id,
        detail={"changes": {"assignee_id": agent.desk_id}},
    )
    OrgMembership.objects.get_or_create(user=agent_user, org_id=world.connection.org_id)
    audit_record(actor=admin_user, action="user.update", target_type="user", target_id=agent_user.pk)
    audit_record(
        actor=admin_user,
        action="connection.check",
        org_id=world.connection.org_id,
        target_type="connection",
        target_id=world.connection.pk,
    )
    client = member(admin_user)
    page = client.get(reverse("core:audit")).content.decode()
    assert f'title="connection {world.connection.pk}">{world.connection.org_name}<' in page
    assert f"#{ticket.ticket_number} {ticket.subject}" in page
    assert f"ticket {ticket.desk_id}</" not in page
    assert world.connection.org_name in page
    assert f"to {agent.name}" in page
    assert re.search(r'data-target><span title="user \d+">alex<', page)
    overview = client.get(reverse("core:dashboard")).content.decode()
    assert f"#{ticket.ticket_number} {ticket.subject}" in overview


def test_org_access_messages_use_the_org_name(world, admin_user, agent_user):
    from apps.core.services import org_access_grant

    org_access_grant(user=agent_user, org_id=world.connection.org_id, actor=admin_user)
    entry = AuditEntry.objects.filter(action="org_access.grant").latest("id")
    assert world.connection.org_name in entry.message


def test_closed_ticket_shows_resolution_and_no_due_time(world, member, manager_user):
    ticket = Ticket.objects.filter(connection=world.connection, status="Open").order_by("desk_id").first()
    due = timezone.now() + timezone.timedelta(days=2)
    Ticket.objects.filter(pk=ticket.pk).update(due_date=due)
    client = member(manager_user)
    client.post(
        reverse("tickets:status", args=[ticket.desk_id]),
        {"status": "Closed", "resolution": "Replaced the toner."},
    )
    ticket.refresh_from_db()
    assert ticket.status_type == "Closed"
    Ticket.objects.filter(pk=ticket.pk).update(due_date=due)  # as if Desk kept it
    page = client.get(reverse("tickets:detail", args=[ticket.desk_id])).content.decode()
    assert "Replaced the toner." in page and "data-resolution" in page
    assert f'datetime="{timezone.localtime(due).isoformat()[:16]}' not in page
    assert "due <time" not in page
    queue = client.get(reverse("tickets:queue") + f"?q={ticket.ticket_number}").content.decode()
    row = re.search(rf'data-ticket="{ticket.desk_id}".*?</tr>', queue, re.S).group(0)
    assert "<time" not in row.split("due-cell")[1].split("</td>")[0]


def test_private_comments_carry_a_badge(world, member, manager_user):
    ticket = Ticket.objects.filter(connection=world.connection, status="Open").order_by("desk_id").first()
    client = member(manager_user)
    client.post(
        reverse("tickets:comment", args=[ticket.desk_id]), {"content": "Agents only", "is_public": ""}
    )
    assert TicketComment.objects.filter(ticket=ticket, is_public=False).exists()
    page = client.get(reverse("tickets:detail", args=[ticket.desk_id])).content.decode()
    assert "entry-private" in page and "data-private" in page and "#lock" in page


def test_stale_times_render_as_time_elements():
    html = str(when("2026-12-01T10:00:00+00:00"))
    assert html.startswith('<time datetime="') and 'title="2026-12-01' in html
    assert str(when("")) == "(empty)"
    assert str(when("<b>Open</b>")) == "&lt;b&gt;Open&lt;/b&gt;"


def test_templates_and_scripts_use_the_sprite_not_emoji():
    files = [*ROOT.glob("templates/**/*.html"), *ROOT.glob("static/js/*.js")]
    offenders = [
        f"{path.relative_to(ROOT)}: {match.group(0)!r}"
        for path in files
        if "sandbox" not in path.parts
        for match in EMOJI.finditer(path.read_text())
    ]
    assert offenders == []
    sprite = (ROOT / "static/img/icons.svg").read_text()
    for name in ("x", "lock", "clock", "alert", "check", "filter", "chevron-up", "chevron-down", "hourglass"):
        assert f'id="{name}"' in sprite


def test_deleting_a_shared_view_asks_first(world, member, manager_user):
    SavedView.objects.create(
        connection=world.connection,
        owner=manager_user,
        name="Team urgent",
        query="priority=High",
        is_shared=True,
    )
    page = member(manager_user).get(reverse("tickets:queue")).content.decode()
    assert 'data-confirm="Delete the shared view “Team urgent”? Everyone who uses it loses it."' in page


def test_queue_urls_carry_only_the_filters_that_are_set(world, member, manager_user):
    assert QueueFilters().to_query() == ""
    assert QueueFilters(statuses=["Open"], assignee="me").to_query() == "status=Open&assignee=me"
    page = member(manager_user).get(reverse("tickets:queue") + "?q=&status=Open&department=").content.decode()
    assert 'data-canonical-query="status=Open"' in page


def test_sync_now_keeps_polling_until_the_sync_ran(world, member, admin_user):
    from apps.sync.models import SyncState

    client = member(admin_user)
    SyncState.objects.filter(connection=world.connection).update(last_success_at=timezone.now())
    since = (timezone.now() + timezone.timedelta(seconds=1)).isoformat()
    waiting = client.get(reverse("sync:progress"), {"since": since}, HTTP_HX_REQUEST="true").content.decode()
    assert "data-polling" in waiting and "data-sync-waiting" in waiting and "since=" in waiting
    done = client.get(reverse("sync:progress"), HTTP_HX_REQUEST="true").content.decode()
    assert "data-polling" not in done


def test_create_form_has_no_silent_department_and_offers_team(world, member, manager_user):
    client = member(manager_user)
    page = client.get(reverse("tickets:new")).content.decode()
    assert '<option value="" selected>Choose a department…</option>' in page
    assert 'name="team_id"' in page
    response = client.post(
        reverse("tickets:new"), {"contact_email": "a@example.com", "contact_last_name": "A", "subject": "Hi"}
    )
    assert "Choose the ticket&#x27;s department." in response.content.decode()
    team = Team.objects.filter(connection=world.connection).exclude(department_desk_id="").first()
    if team is not None:
        other = Department.objects.filter(connection=world.connection).exclude(
            desk_id=team.department_desk_id
        )
        if other.exists():
            response = client.post(
                reverse("tickets:new"),
                {
                    "contact_email": "a@example.com",
                    "contact_last_name": "A",
                    "subject": "Hi",
                    "department_id": other.first().desk_id,
                    "team_id": team.desk_id,
                },
            )
            assert "This team belongs to another department." in response.content.decode()
    assert world.api_calls() == 0


def test_overview_promises_only_what_exists_and_agents_land_on_their_queue(
    world, member, agent_user, admin_user
):
    client = member(agent_user)
    overview = client.get(reverse("core:dashboard")).content.decode()
    # What the page says (its words, not the addresses its search box and cards use, which live under
    # /insights/ and which agents may use).
    words = re.sub(r"<[^>]*>", " ", overview)
    for word in ("webhook", "insight", "Webhook", "Insight"):
        assert word not in words
    assert "data-my-queue" in overview
    from django.test import Client

    fresh = Client()
    response = fresh.post(reverse("login"), {"username": "alex", "password": PASSWORD}, follow=False)
    assert response.status_code == 302
    landing = fresh.get(response["Location"])
    assert landing.status_code == 302 and landing["Location"] == reverse("tickets:queue") + "?assignee=me"
    admin = Client()
    response = admin.post(reverse("login"), {"username": "ada", "password": PASSWORD})
    assert admin.get(response["Location"])["Location"] == reverse("core:dashboard")
    assert isinstance(User.objects.get(username="alex"), User)
