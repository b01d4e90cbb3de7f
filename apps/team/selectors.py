"""Team reads from the mirror (0 API calls): agents, departments and teams as the pages show them, and the
support addresses a reply may come from."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q
from django.http import QueryDict
from django.urls import reverse

from apps.connections.models import DeskConnection
from apps.team.models import Agent, Department, SupportAddress, Team
from apps.team.workload import Figure, WorkloadTable, figures_for


def support_addresses_for_department(
    *, connection: DeskConnection, department_desk_id: str
) -> list[SupportAddress]:
    """The active addresses a reply on a ticket of this department may come from, default first (0 calls)."""
    if not department_desk_id:
        return []
    return list(
        SupportAddress.objects.filter(
            connection=connection,
            department_desk_id=department_desk_id,
            is_deleted=False,
            is_active=True,
        ).order_by("-is_department_default", "address", "desk_id")
    )


def support_addresses_mirrored(connection: DeskConnection) -> bool:
    return SupportAddress.objects.filter(connection=connection, is_deleted=False).exists()


# -- agents, departments and teams as the team pages show them (0 API calls) ---------------------------------

STATUS_ACTIVE, STATUS_DEACTIVATED, STATUS_UNCONFIRMED = "active", "deactivated", "unconfirmed"
STATUS_LABELS = {
    STATUS_ACTIVE: "Active",
    STATUS_DEACTIVATED: "Deactivated",
    STATUS_UNCONFIRMED: "Not yet confirmed",
}
# Sortable columns that are not workload figures; a workload column's key sorts by that figure.
AGENT_SORTS = ("name", "email", "role", "status")


def agent_status(agent: Agent) -> str:
    """Active, deactivated (Desk's DISABLED) or not yet confirmed (invited, the invitation not accepted)."""
    if agent.status == "DISABLED":
        return STATUS_DEACTIVATED
    if agent.is_confirmed is False:
        return STATUS_UNCONFIRMED
    return STATUS_ACTIVE


def agent_role_label(agent: Agent) -> str:
    """The role and profile as Desk names them (the mirror keeps Desk's JSON in ``raw``)."""
    raw = agent.raw if isinstance(agent.raw, dict) else {}
    role = agent.role_name or str(raw.get("rolePermissionType") or "")
    profile = str(raw.get("profileName") or "")
    if profile and profile != role:
        return f"{role} · {profile}" if role else profile
    return role


def agent_display_name(agent: Agent) -> str:
    return agent.name or " ".join(p for p in (agent.first_name, agent.last_name) if p) or agent.email


@dataclass
class AgentRow:
    agent: Agent
    status: str
    role: str
    departments: list[Department]
    teams: list[Team]
    figures: list[Figure] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def name(self) -> str:
        return agent_display_name(self.agent)

    @property
    def url(self) -> str:
        return page_url("agent", self.agent.desk_id)

    @property
    def department_links(self) -> list[tuple[str, str]]:
        return [(d.name or d.desk_id, page_url("department", d.desk_id)) for d in self.departments]

    @property
    def team_links(self) -> list[tuple[str, str]]:
        return [(t.name or t.desk_id, page_url("team", t.desk_id)) for t in self.teams]


_PAGE_URLS: dict[str, str] = {}


def page_url(kind: str, desk_id: str) -> str:
    """``team:agent``/``department``/``team`` for a Desk id, reversed once per kind (a page lists 200 agents)."""
    if kind not in _PAGE_URLS:
        _PAGE_URLS[kind] = reverse(f"team:{kind}", args=["0"])[: -len("0/")]
    return f"{_PAGE_URLS[kind]}{desk_id}/"


@dataclass
class AgentFilters:
    query: str = ""
    department: str = ""
    team: str = ""
    status: str = ""
    sort: str = "name"

    def to_query(self, **overrides: str) -> str:
        values = {
            "q": self.query,
            "department": self.department,
            "team": self.team,
            "status": self.status,
            "sort": "" if self.sort == "name" else self.sort,
        }
        values.update(overrides)
        query = QueryDict(mutable=True)
        for key, value in values.items():
            if value:
                query[key] = value
        return query.urlencode()

    def sort_query(self, column: str, *, descending_first: bool = False) -> str:
        """The URL sorting by ``column``; a second click reverses it. Figures sort largest first."""
        first, second = (f"-{column}", column) if descending_first else (column, f"-{column}")
        return self.to_query(sort=second if self.sort == first else first)


def departments_of(connection: DeskConnection) -> dict[str, Department]:
    return {d.desk_id: d for d in Department.objects.filter(connection=connection, is_deleted=False)}


def teams_of(connection: DeskConnection) -> list[Team]:
    return list(Team.objects.filter(connection=connection, is_deleted=False))


def _teams_by_member(teams: list[Team]) -> dict[str, list[Team]]:
    by_member: dict[str, list[Team]] = {}
    for team in teams:
        for member in team.member_ids or []:
            by_member.setdefault(str(member), []).append(team)
    return by_member


def agent_rows(
    *, connection: DeskConnection, filters: AgentFilters, workload: WorkloadTable | None = None
) -> list[AgentRow]:
    """The org's agents, filtered and sorted as the URL says, with their workload when given."""
    departments = departments_of(connection)
    teams = teams_of(connection)
    by_member = _teams_by_member(teams)
    agents = Agent.objects.filter(connection=connection, is_deleted=False)
    if filters.query:
        words = filters.query.strip()
        agents = agents.filter(
            Q(name__icontains=words)
            | Q(email__icontains=words)
            | Q(first_name__icontains=words)
            | Q(last_name__icontains=words)
        )
    rows = []
    team_members = None
    if filters.team:
        team = next((t for t in teams if t.desk_id == filters.team), None)
        team_members = {str(m) for m in (team.member_ids if team else [])}
    for agent in agents:
        dept_ids = [str(d) for d in agent.associated_department_ids or []]
        if filters.department and filters.department not in dept_ids:
            continue
        if team_members is not None and agent.desk_id not in team_members:
            continue
        status = agent_status(agent)
        if filters.status and status != filters.status:
            continue
        row = AgentRow(
            agent=agent,
            status=status,
            role=agent_role_label(agent),
            departments=[departments[d] for d in dept_ids if d in departments],
            teams=by_member.get(agent.desk_id, []),
        )
        row.figures = figures_for(workload, agent.desk_id, row.name)
        rows.append(row)
    return _sorted_rows(rows, filters.sort)


def _sorted_rows(rows: list[AgentRow], sort: str) -> list[AgentRow]:
    descending = sort.startswith("-")
    key = sort.lstrip("-")

    def text_key(row: AgentRow) -> tuple:
        value = {
            "name": row.name.lower(),
            "email": row.agent.email.lower(),
            "role": row.role.lower(),
            "status": row.status,
        }.get(key, row.name.lower())
        return (value, row.name.lower(), row.agent.desk_id)

    if key in AGENT_SORTS or not rows or not any(f.column.key == key for f in rows[0].figures):
        return sorted(rows, key=text_key, reverse=descending)
    # A figure: agents without one (no tickets measured) last, whichever the direction.
    measured = [r for r in rows if _figure(r, key) is not None]
    unmeasured = [r for r in rows if _figure(r, key) is None]
    measured.sort(key=lambda r: (r.name.lower(), r.agent.desk_id))
    measured.sort(key=lambda r: _figure(r, key) or 0, reverse=descending)
    return measured + sorted(unmeasured, key=text_key)


def _figure(row: AgentRow, key: str) -> float | int | None:
    return next((f.value for f in row.figures if f.column.key == key), None)


def agent_for_connection(*, connection: DeskConnection, desk_id: str) -> Agent | None:
    """One agent of this org's mirror (deleted ones too: their page says so); None for any other org's."""
    if not desk_id.isdigit():
        return None
    return Agent.objects.filter(connection=connection, desk_id=desk_id).first()


def agents_to_hand_off_to(*, connection: DeskConnection, agent: Agent) -> list[Agent]:
    """Who may take over a leaving agent's tickets: the org's other active agents who accepted the invitation."""
    return list(
        Agent.objects.filter(connection=connection, is_deleted=False, status="ACTIVE")
        .exclude(desk_id=agent.desk_id)
        .exclude(is_confirmed=False)
        .order_by("name", "desk_id")
    )


def agent_detail(*, connection: DeskConnection, agent: Agent) -> AgentRow:
    departments = departments_of(connection)
    dept_ids = [str(d) for d in agent.associated_department_ids or []]
    teams = [t for t in teams_of(connection) if agent.desk_id in {str(m) for m in t.member_ids or []}]
    return AgentRow(
        agent=agent,
        status=agent_status(agent),
        role=agent_role_label(agent),
        departments=[departments[d] for d in dept_ids if d in departments],
        teams=teams,
    )


def agents_by_id(connection: DeskConnection) -> dict[str, Agent]:
    return {a.desk_id: a for a in Agent.objects.filter(connection=connection, is_deleted=False)}


@dataclass
class GroupRow:
    """A department or a team with its members and workload figures."""

    obj: Department | Team
    members: list[Agent]
    figures: list[Figure] = field(default_factory=list)
    department: Department | None = None
    teams: list[Team] = field(default_factory=list)


def _figures(workload: WorkloadTable | None, owner: Department | Team) -> list[Figure]:
    return figures_for(workload, owner.desk_id, owner.name or owner.desk_id)


def department_rows(*, connection: DeskConnection, workload: WorkloadTable | None = None) -> list[GroupRow]:
    agents = list(Agent.objects.filter(connection=connection, is_deleted=False))
    teams = teams_of(connection)
    rows = []
    for department in Department.objects.filter(connection=connection, is_deleted=False):
        members = [
            a for a in agents if department.desk_id in {str(d) for d in a.associated_department_ids or []}
        ]
        rows.append(
            GroupRow(
                obj=department,
                members=members,
                figures=_figures(workload, department),
                teams=[t for t in teams if t.department_desk_id == department.desk_id],
            )
        )
    return rows


def department_for_connection(*, connection: DeskConnection, desk_id: str) -> Department | None:
    if not desk_id.isdigit():
        return None
    return Department.objects.filter(connection=connection, desk_id=desk_id, is_deleted=False).first()


def department_detail(
    *, connection: DeskConnection, department: Department, workload: WorkloadTable | None = None
) -> GroupRow:
    agents = Agent.objects.filter(connection=connection, is_deleted=False)
    members = [a for a in agents if department.desk_id in {str(d) for d in a.associated_department_ids or []}]
    return GroupRow(
        obj=department,
        members=members,
        figures=_figures(workload, department),
        teams=[t for t in teams_of(connection) if t.department_desk_id == department.desk_id],
    )


def department_business_hours(department: Department) -> list[str]:
    """The department's business hours as the mirror has them (Desk's JSON), in words; [] when unknown."""
    raw = department.raw if isinstance(department.raw, dict) else {}
    hours = raw.get("businessHours")
    if not hours:
        return []
    if isinstance(hours, str):
        return [hours]
    if isinstance(hours, dict):
        lines = []
        name = hours.get("name")
        if name:
            lines.append(str(name))
        for key, value in hours.items():
            if key in ("name", "id"):
                continue
            if isinstance(value, str | int | float):
                lines.append(f"{key}: {value}")
            elif isinstance(value, list):
                lines.append(f"{key}: " + ", ".join(_hours_item(v) for v in value))
        return lines
    if isinstance(hours, list):
        return [_hours_item(v) for v in hours]
    return []


def _hours_item(value: object) -> str:
    if isinstance(value, dict):
        return " ".join(str(v) for v in value.values() if v not in (None, ""))
    return str(value)


def support_addresses_of_department(
    *, connection: DeskConnection, department: Department
) -> list[SupportAddress]:
    return list(
        SupportAddress.objects.filter(
            connection=connection, department_desk_id=department.desk_id, is_deleted=False
        ).order_by("-is_department_default", "address")
    )


def team_rows(*, connection: DeskConnection, workload: WorkloadTable | None = None) -> list[GroupRow]:
    agents = agents_by_id(connection)
    departments = departments_of(connection)
    return [
        GroupRow(
            obj=team,
            members=[agents[str(m)] for m in team.member_ids or [] if str(m) in agents],
            figures=_figures(workload, team),
            department=departments.get(team.department_desk_id),
        )
        for team in teams_of(connection)
    ]


def team_for_connection(*, connection: DeskConnection, desk_id: str) -> Team | None:
    if not desk_id.isdigit():
        return None
    return Team.objects.filter(connection=connection, desk_id=desk_id, is_deleted=False).first()


def team_detail(*, connection: DeskConnection, team: Team, workload: WorkloadTable | None = None) -> GroupRow:
    agents = agents_by_id(connection)
    return GroupRow(
        obj=team,
        members=[agents[str(m)] for m in team.member_ids or [] if str(m) in agents],
        figures=_figures(workload, team),
        department=departments_of(connection).get(team.department_desk_id),
    )
