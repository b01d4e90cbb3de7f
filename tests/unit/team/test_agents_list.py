"""The agents page without a database: its URL parsed (bad input dropped), figures in words, sorting."""

from apps.team.forms.agents import agent_filters_from
from apps.team.models import Agent
from apps.team.selectors import AgentFilters, AgentRow, _sorted_rows
from apps.team.workload import WorkloadColumn, WorkloadTable, duration_text, figures_for

OPEN = WorkloadColumn("open", "Open")
OVERDUE = WorkloadColumn("overdue", "Overdue")
FIRST = WorkloadColumn("first_response", "1st reply", kind="duration")


def test_agents_url_keeps_what_it_understands_and_drops_the_rest():
    filters = agent_filters_from(
        {"q": "  ann ", "department": "12", "team": "x1", "status": "gone", "sort": "-overdue"},
        figure_keys={"overdue"},
    )
    assert filters == AgentFilters(query="ann", department="12", team="", status="", sort="-overdue")
    assert agent_filters_from({"sort": "-password"}, figure_keys=set()).sort == "name"
    assert filters.to_query() == "q=ann&department=12&sort=-overdue"
    # A figure sorts largest first; the second click reverses it.
    assert "sort=-open" in AgentFilters().sort_query("open", descending_first=True)
    assert "sort=open" in AgentFilters(sort="-open").sort_query("open", descending_first=True)


def test_durations_read_as_people_say_them():
    assert [duration_text(s) for s in (None, 59, 2700, 3600, 4800, 90000)] == [
        "—",
        "1 min",
        "45 min",
        "1 h",
        "1 h 20 min",
        "1 d 1 h",
    ]


def test_figures_link_to_the_queue_and_unmeasured_agents_sort_last():
    table = WorkloadTable(
        columns=[OPEN, OVERDUE, FIRST],
        values={"1": {"open": 4, "overdue": 2, "first_response": 600}, "2": {"open": 9, "overdue": 0}},
        link=lambda key, owner: f"/tickets/?assignee={owner}&{key}=1",
    )
    rows = []
    for desk_id, name in (("1", "Ann"), ("2", "Bob"), ("3", "Cy")):
        agent = Agent(desk_id=desk_id, name=name)
        rows.append(AgentRow(agent=agent, status="active", role="", departments=[], teams=[]))
        rows[-1].figures = figures_for(table, desk_id, name)
    ann = rows[0].figures
    assert (
        ann[1].url == "/tickets/?assignee=1&overdue=1"
        and ann[1].alert
        and ann[1].label.startswith("2 overdue")
    )
    assert ann[2].text == "10 min" and ann[2].url == ""
    assert [f.text for f in rows[2].figures] == ["0", "0", "—"]  # no tickets: zero counts, nothing measured

    assert [r.name for r in _sorted_rows(rows, "-open")] == ["Bob", "Ann", "Cy"]
    assert [r.name for r in _sorted_rows(rows, "first_response")] == ["Ann", "Bob", "Cy"]
    assert [r.name for r in _sorted_rows(rows, "-first_response")] == ["Ann", "Bob", "Cy"]
    assert [r.name for r in _sorted_rows(rows, "-name")] == ["Cy", "Bob", "Ann"]
