"""Per-view authorization, generated from the URL map: every console view, every role.

For each URL pattern of the console (``get_resolver()``; the sandbox's Desk API and Zoho Accounts emulation
under /sandbox/desk/ and /sandbox/accounts/ have their own auth), path parameters are filled with objects of
org B, and the view is called as:

- an anonymous visitor: sent to the login page;
- a signed-in user without a role, and each role without the view's permission: 403;
- a manager or agent with the permission but access to org A only: 404 when the URL names an org-B object;
  otherwise (GET) the page opens, with the session pointing at org B, and shows nothing of org B;
- an admin: never a 403, and (GET) the page opens.

A view missing from RULES (and from the commented ALLOWED list) fails ``test_every_console_view_is_classified``,
so a new view cannot be forgotten. ``test_summary`` prints how many views × roles were checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from apps.connections.models import DeskConnection
from apps.connections.selectors import SESSION_KEY
from apps.core.models import OrgMembership
from apps.core.roles import ROLE_PERMISSIONS, Role, role_assign
from apps.core.services import audit_record
from tests.conftest import PASSWORD

# The sandbox admin page reads the sandbox database too.
pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])

ORG_A, ORG_B = "81001", "81002"
ORG_B_NAME = "Borealis Hidden Org"
B_SECRET = "borealis-only-words"  # in org B's ticket subject and audit entry: must never show to org A users

# Paths outside the console's authorization (they have their own).
EXCLUDED_PREFIXES = ("sandbox/desk/", "sandbox/accounts/")

# Views open to anyone, on purpose.
ALLOWED = {
    "login": "the sign-in page itself",
    "logout": "signing out needs no permission (Django's LogoutView, POST only)",
    "healthz": "load balancers and the Docker healthcheck probe it without a session",
    "ops:metrics": "Prometheus scrapes it without a session: 'Authorization: Bearer <OPS_METRICS_TOKEN>' "
    "(constant-time compare) or 401; without a token configured it is 404 (tests/integration/ops)",
    "webhooks:receive": "Desk posts deliveries without a session: the unguessable URL and the X-ZDesk-JWT "
    "(RS256, iss/aud/exp checked) guard it; anything unverified is 401",
}

ROLES = ("anonymous", "no role", "agent", "manager", "admin")


@dataclass(frozen=True)
class Rule:
    """How a view is guarded: the permission it needs ("" = any signed-in user), the method it answers,
    and which path parameters name an org-scoped object (``org_params``) or another kind of object."""

    permission: str
    method: str = "GET"
    params: dict[str, str] = field(default_factory=dict)  # path parameter -> fixture object kind

    @property
    def org_scoped(self) -> bool:
        return any(kind in ORG_KINDS for kind in self.params.values())


ORG_KINDS = {
    "connection",
    "ticket",
    "attachment",
    "saved_view",
    "bulk_job",
    "unknown_write",
    "org_id",
    "canned_reply",
    "agent",
    "department",
    "team",
}
ORG_KINDS |= {"contact", "account"}
VIEW, MANAGE, USERS = "core.view_tickets", "core.manage_connections", "core.manage_users"
WEBHOOKS = "core.manage_webhooks"
INSIGHTS = "core.view_insights"
TICKET = {"desk_id": "ticket"}

RULES: dict[str, Rule] = {
    # core
    "core:dashboard": Rule(""),
    "core:home": Rule(""),
    "core:audit": Rule("core.view_audit_log"),
    # insights: the page, its polled metrics, a chart's CSV, the drill-down (queue redirect or ticket CSV)
    "insights:dashboard": Rule(INSIGHTS),
    "insights:metrics": Rule(INSIGHTS),
    "insights:chart_csv": Rule(INSIGHTS),
    "insights:drill": Rule(INSIGHTS),
    # insights: the Overview's cards (their poll), the cross-org search, the org switch its links go through
    "insights:overview_cards": Rule(VIEW),
    "insights:search": Rule(VIEW),
    "insights:org_open": Rule(VIEW, params={"pk": "connection"}),
    "core:users": Rule(USERS),
    "core:user_new": Rule(USERS),
    "core:users_access_default": Rule(USERS, "POST"),
    "core:user_update": Rule(USERS, "POST", {"pk": "user"}),
    "core:user_org_grant": Rule(USERS, "POST", {"pk": "user"}),
    "core:user_org_revoke": Rule(USERS, "POST", {"pk": "user", "org_id": "org_id"}),
    "core:user_org_agent": Rule(USERS, "POST", {"pk": "user", "org_id": "org_id"}),
    "core:login_unlock": Rule(USERS, "POST"),
    # connections
    "connections:list": Rule(VIEW),
    "connections:detail": Rule(VIEW, params={"pk": "connection"}),
    "connections:connect": Rule(MANAGE),
    "connections:callback": Rule(MANAGE),
    "connections:pick": Rule(MANAGE),
    "connections:share": Rule(MANAGE, "POST"),
    "connections:switch": Rule("", "POST"),
    "connections:disconnect": Rule(MANAGE, params={"pk": "connection"}),
    "connections:reconnect": Rule(MANAGE, params={"pk": "connection"}),
    "connections:check": Rule(MANAGE, "POST", {"pk": "connection"}),
    "connections:access_grant": Rule(MANAGE, "POST", {"pk": "connection"}),
    "connections:access_revoke": Rule(MANAGE, "POST", {"pk": "connection", "user_id": "user"}),
    # sync
    "sync:status": Rule(VIEW),
    "sync:progress": Rule(VIEW),
    "sync:now": Rule(MANAGE, "POST"),
    # tickets
    "tickets:queue": Rule(VIEW),
    "tickets:new": Rule("core.edit_tickets"),
    "tickets:view_save": Rule(VIEW, "POST"),
    "tickets:view_delete": Rule(VIEW, "POST", {"pk": "saved_view"}),
    "tickets:bulk_create": Rule("core.bulk_edit_tickets", "POST"),
    "tickets:bulk": Rule("core.bulk_edit_tickets", params={"pk": "bulk_job"}),
    "tickets:bulk_start": Rule("core.bulk_edit_tickets", "POST", {"pk": "bulk_job"}),
    "tickets:detail": Rule(VIEW, params=TICKET),
    "tickets:conversation_refresh": Rule(VIEW, "POST", TICKET),
    "tickets:presence": Rule(VIEW, "POST", TICKET),
    "tickets:status": Rule("core.close_tickets", "POST", TICKET),
    "tickets:priority": Rule("core.close_tickets", "POST", TICKET),
    "tickets:assign": Rule("core.assign_tickets", "POST", TICKET),
    "tickets:comment": Rule("core.comment_tickets", "POST", TICKET),
    "tickets:reply": Rule("core.reply_tickets", "POST", TICKET),
    "tickets:from_addresses_refresh": Rule(MANAGE, "POST", TICKET),
    "tickets:tags": Rule(VIEW, params=TICKET),
    "tickets:tag_suggestions": Rule(VIEW, params=TICKET),
    "tickets:tag_add": Rule("core.close_tickets", "POST", TICKET),
    "tickets:tag_remove": Rule("core.close_tickets", "POST", TICKET),
    "tickets:followers": Rule(VIEW, params=TICKET),
    "tickets:follower_add": Rule("core.assign_tickets", "POST", TICKET),
    "tickets:follower_remove": Rule("core.assign_tickets", "POST", TICKET),
    "tickets:merge": Rule("core.assign_tickets", params=TICKET),
    "tickets:edit": Rule("core.edit_tickets", params=TICKET),
    "tickets:trash": Rule("core.delete_tickets", "POST", TICKET),
    "tickets:attachment_upload": Rule("core.comment_tickets", "POST", TICKET),
    "tickets:canned_list": Rule("core.reply_tickets"),
    "tickets:canned_new": Rule("core.reply_tickets"),
    "tickets:canned_edit": Rule("core.reply_tickets", params={"pk": "canned_reply"}),
    "tickets:canned_delete": Rule("core.reply_tickets", "POST", {"pk": "canned_reply"}),
    "tickets:canned_for_ticket": Rule("core.reply_tickets", params=TICKET),
    "tickets:attachment_download": Rule(VIEW, params={"desk_id": "ticket", "attachment_id": "attachment"}),
    "tickets:attachment_delete": Rule(
        "core.comment_tickets", "POST", {"desk_id": "ticket", "attachment_id": "attachment"}
    ),
    "tickets:write_check": Rule(VIEW, "POST", {"pk": "unknown_write"}),
    # team
    "team:agents": Rule("core.view_team"),
    "team:agent": Rule("core.view_team", params={"desk_id": "agent"}),
    "team:agent_invite": Rule("core.manage_agents"),
    "team:agent_edit": Rule("core.manage_agents", params={"desk_id": "agent"}),
    "team:agent_deactivate": Rule("core.manage_agents", params={"desk_id": "agent"}),
    "team:agent_activate": Rule("core.manage_agents", "POST", {"desk_id": "agent"}),
    "team:agent_delete": Rule("core.manage_agents", params={"desk_id": "agent"}),
    "team:agent_console_user": Rule(USERS, params={"desk_id": "agent"}),
    "team:departments": Rule("core.view_team"),
    "team:department": Rule("core.view_team", params={"desk_id": "department"}),
    "team:teams": Rule("core.view_team"),
    "team:team": Rule("core.view_team", params={"desk_id": "team"}),
    # customers
    "customers:contacts": Rule("core.view_customers"),
    "customers:contact_new": Rule("core.edit_customers"),
    "customers:contact": Rule("core.view_customers", params={"desk_id": "contact"}),
    "customers:contact_edit": Rule("core.edit_customers", params={"desk_id": "contact"}),
    "customers:contact_trash": Rule("core.delete_customers", params={"desk_id": "contact"}),
    "customers:accounts": Rule("core.view_customers"),
    "customers:account_new": Rule("core.edit_customers"),
    "customers:account": Rule("core.view_customers", params={"desk_id": "account"}),
    "customers:account_edit": Rule("core.edit_customers", params={"desk_id": "account"}),
    "customers:account_trash": Rule("core.delete_customers", params={"desk_id": "account"}),
    # webhooks (admins; the receiver is in ALLOWED)
    "webhooks:list": Rule(WEBHOOKS),
    "webhooks:deliveries": Rule(WEBHOOKS),
    "webhooks:replay": Rule(WEBHOOKS, "POST", {"pk": "delivery"}),
    "webhooks:subscribe": Rule(WEBHOOKS, "POST"),
    "webhooks:refresh": Rule(WEBHOOKS, "POST"),
    "webhooks:create": Rule(WEBHOOKS, "POST"),
    "webhooks:edit": Rule(WEBHOOKS, "POST", {"webhook_id": "webhook"}),
    "webhooks:toggle": Rule(WEBHOOKS, "POST", {"webhook_id": "webhook"}),
    "webhooks:delete": Rule(WEBHOOKS, "POST", {"webhook_id": "webhook"}),
    "webhooks:live": Rule(VIEW),
    # the sandbox's own admin page (its Desk API and OAuth server are excluded above)
    "sandbox:admin": Rule(MANAGE),
}

# Views with a known hole, each with why (strict xfail: fixing the hole makes the test say so). None now.
KNOWN_HOLES: dict[str, str] = {}


def console_patterns() -> dict[str, str]:
    """Every named console URL pattern: ``namespace:name`` -> its route."""
    found: dict[str, str] = {}

    def walk(resolver: URLResolver, prefix: str, namespace: str) -> None:
        for pattern in resolver.url_patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                inner = ":".join(n for n in (namespace, pattern.namespace or "") if n)
                walk(pattern, route, inner)
            elif isinstance(pattern, URLPattern):
                if route.lstrip("^").startswith(EXCLUDED_PREFIXES) or "desk/api/v1" in route:
                    continue
                name = f"{namespace}:{pattern.name}" if namespace else str(pattern.name)
                found[name] = route

    walk(get_resolver(), "", "")
    return found


def expected(rule: Rule, role: str) -> str:
    """What a role gets from a view: "login", "403", "404" (an org-B object) or "ok"."""
    if role == "anonymous":
        return "login"
    if rule.permission:
        codename = rule.permission.split(".", 1)[1]
        held = () if role == "no role" else ROLE_PERMISSIONS[Role(role)]
        if codename not in held:
            return "403"
    if role in ("agent", "manager") and rule.org_scoped:
        return "404"
    return "ok"


# --- the world: org A (the members' org) and org B (nobody but admins may see it) ----------------------------


@dataclass
class World:
    users: dict[str, User]
    connections: dict[str, DeskConnection]
    objects: dict[str, str]  # object kind -> the path value naming org B's object


def _connection(org_id: str, name: str) -> DeskConnection:
    connection = DeskConnection(
        org_id=org_id,
        org_name=name,
        data_center="us",
        accounts_url="https://accounts.zoho.com",
        # Nothing listens here: a view that called Desk would fail fast instead of reaching the internet.
        api_domain="http://127.0.0.1:9",
        client_id="1000.CLIENT",
        scopes=["Desk.tickets.ALL"],
        last_synced_at=timezone.now(),
    )
    connection.set_refresh_token(f"1000.refresh-{org_id}")
    connection.set_access_token(
        f"1000.access-{org_id}", expires_at=timezone.now() + timezone.timedelta(hours=1)
    )
    connection.save()
    return connection


@pytest.fixture
def world(db) -> World:
    from apps.customers.models import Account, Contact
    from apps.team.models import Agent, Department, Team
    from apps.tickets.models import BulkJob, CannedReply, SavedView, Ticket, TicketAttachment, UnknownWrite

    users: dict[str, User] = {}
    for role in ("agent", "manager", "admin"):
        user = User.objects.create_user(username=f"{role}-user", password=PASSWORD, email=f"{role}@x.org")
        role_assign(user=user, role=Role(role))
        users[role] = user
    users["no role"] = User.objects.create_user(username="nobody", password=PASSWORD)
    a = _connection(ORG_A, "Aurora Visible Org")
    b = _connection(ORG_B, ORG_B_NAME)
    for role in ("agent", "manager"):
        OrgMembership.objects.create(user=users[role], org_id=ORG_A)
    for connection, subject in ((a, "Aurora printer jam"), (b, f"Borealis {B_SECRET}")):
        ticket = Ticket.objects.create(
            connection=connection, desk_id=f"{connection.org_id}001", ticket_number="101", subject=subject
        )
        TicketAttachment.objects.create(
            connection=connection, ticket=ticket, desk_id=f"{connection.org_id}900", name="a.txt"
        )
    b_ticket = Ticket.objects.get(connection=b)
    for connection, words in ((a, "Aurora"), (b, f"Borealis {B_SECRET}")):
        org = connection.org_id
        Account.objects.create(connection=connection, desk_id=f"{org}401", account_name=f"{words} Ltd")
        Contact.objects.create(
            connection=connection,
            desk_id=f"{org}301",
            last_name=f"{words} person",
            account_desk_id=f"{org}401",
        )
        Ticket.objects.filter(connection=connection).update(
            contact_desk_id=f"{org}301", account_desk_id=f"{org}401"
        )
    for connection, words in ((a, "Aurora"), (b, f"Borealis {B_SECRET}")):
        org = connection.org_id
        Department.objects.create(connection=connection, desk_id=f"{org}600", name=f"{words} support")
        Agent.objects.create(
            connection=connection,
            desk_id=f"{org}500",
            name=f"{words} agent",
            email=f"agent-{org}@x.org",
            status="ACTIVE",
            associated_department_ids=[f"{org}600"],
        )
        Team.objects.create(
            connection=connection,
            desk_id=f"{org}700",
            name=f"{words} team",
            department_desk_id=f"{org}600",
            member_ids=[f"{org}500"],
        )
    # Org B objects that belong to the members themselves (made before their access was taken away).
    saved_view = SavedView.objects.create(connection=b, owner=users["manager"], name="Mine in B")
    bulk_job = BulkJob.objects.create(connection=b, actor=users["manager"], action="close", total=1)
    unknown_write = UnknownWrite.objects.create(
        connection=b, actor=users["manager"], kind="comment", action="ticket.comment", sent_at=timezone.now()
    )
    canned = CannedReply.objects.create(
        connection=b, owner=users["manager"], title="B reply", body="Hi", is_shared=True
    )
    audit_record(actor=users["admin"], action="ticket.close", org_id=ORG_B, message=B_SECRET)
    return World(
        users=users,
        connections={"a": a, "b": b},
        objects={
            "connection": str(b.pk),
            "ticket": b_ticket.desk_id,
            "attachment": f"{ORG_B}900",
            "saved_view": str(saved_view.pk),
            "bulk_job": str(bulk_job.pk),
            "unknown_write": str(unknown_write.pk),
            "canned_reply": str(canned.pk),
            "contact": f"{ORG_B}301",
            "account": f"{ORG_B}401",
            "agent": f"{ORG_B}500",
            "department": f"{ORG_B}600",
            "team": f"{ORG_B}700",
            "org_id": ORG_B,
            "user": str(users["agent"].pk),
            "webhook": "1892000000099001",  # a Desk webhook id (only admins get past the permission)
            "delivery": "999999",
        },
    )


def _url(name: str, rule: Rule, world: World) -> str:
    return reverse(name, kwargs={param: world.objects[kind] for param, kind in rule.params.items()})


def _client(world: World, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
        session = client.session
        # The session points at org B: a page must not follow it for a user who cannot see org B.
        session[SESSION_KEY] = world.connections["b"].pk
        session.save()
    return client


def check_view(name: str, world: World) -> list[str]:
    """Call the view as every role; return what differed from the rule (empty: all as expected)."""
    rule = RULES[name]
    url = _url(name, rule, world)
    problems = []
    for role in ROLES:
        want = expected(rule, role)
        if want == "ok" and rule.method == "POST":
            continue  # a permitted write is not sent: the guard ran only for the refusals above
        client = _client(world, role)
        response = client.post(url, {}) if rule.method == "POST" else client.get(url)
        status = response.status_code
        location = response.get("Location", "")
        got = (
            "login"
            if status == 302 and location.startswith(resolve_url(settings.LOGIN_URL))
            else "403"
            if status == 403
            else "404"
            if status == 404
            else f"{status}"
        )
        if want in ("login", "403", "404"):
            if got != want:
                problems.append(f"{role}: expected {want}, got {got} {location}")
            continue
        if got in ("login", "403", "404") or status >= 500:
            problems.append(f"{role}: expected the page, got {got}")
            continue
        body = response.content.decode(errors="replace")
        if role != "admin" and (ORG_B_NAME in body or B_SECRET in body):
            problems.append(f"{role}: the page shows org B's data")
    return problems


# --- the tests ------------------------------------------------------------------------------------------------


def test_every_console_view_is_classified():
    names = set(console_patterns())
    unclassified = sorted(names - set(RULES) - set(ALLOWED))
    assert unclassified == [], f"add these views to RULES (or, with a reason, to ALLOWED): {unclassified}"
    gone = sorted(set(RULES) - names)
    assert gone == [], f"RULES names views that no longer exist: {gone}"


def _params() -> list:
    params = []
    for name in sorted(RULES):
        marks = [pytest.mark.xfail(reason=KNOWN_HOLES[name], strict=True)] if name in KNOWN_HOLES else []
        params.append(pytest.param(name, marks=marks, id=name))
    return params


@pytest.mark.parametrize("name", _params())
def test_view_refuses_whoever_may_not_see_it(name, world):
    assert check_view(name, world) == []


def test_allowed_views_answer_without_a_sign_in(client):
    assert client.get(reverse("login")).status_code == 200
    assert client.get(reverse("healthz")).status_code == 200


def test_summary(capsys):
    """The figures: views checked × roles, by expected outcome (printed with ``-s``, asserted here)."""
    outcomes: dict[str, int] = {}
    sent = 0
    for rule in RULES.values():
        for role in ROLES:
            want = expected(rule, role)
            outcomes[want] = outcomes.get(want, 0) + 1
            sent += not (want == "ok" and rule.method == "POST")
    pairs = len(RULES) * len(ROLES)
    with capsys.disabled():
        print(
            f"\nview authorization: {len(RULES)} views × {len(ROLES)} roles = {pairs} pairs, {sent} requests sent; "
            f"expected {outcomes}; {len(KNOWN_HOLES)} views with known holes (xfail); "
            f"{len(ALLOWED)} views open on purpose"
        )
    assert sum(outcomes.values()) == pairs and outcomes.get("404", 0) > 0
