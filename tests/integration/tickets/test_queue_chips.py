"""Insights' drill-down filters in the queue: shown as removable chips, carried by the filter bar, kept by sorting,
paging and saved views, dropped by "Clear filters"."""

from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.tickets.models import SavedView, Ticket
from apps.tickets.selectors.queue import SLA_FILTERS, sla_q

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)


class Page(HTMLParser):
    """What a browser would send for the filter bar (its own fields and those tied to it by form="…"), the
    chips' links and the table's sort links."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self.chips: dict[str, str] = {}
        self.chip_labels: dict[str, str] = {}
        self.sort_links: list[str] = []
        self.next_link = ""
        self._in_form = False
        self._select: str | None = None
        self._chip: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("id") == "queue-filters":
            self._in_form = True
        ours = self._in_form or a.get("form") == "queue-filters"
        if tag == "input" and ours and a.get("name"):
            boxed = a.get("type") in ("checkbox", "radio")
            if boxed and "checked" not in a:
                return
            self.fields.append((a["name"], a.get("value", "on" if boxed else "")))
        if tag == "select" and ours:
            self._select = a.get("name")
        if tag == "option" and self._select and "selected" in a:
            self.fields.append((self._select, a.get("value", "")))
        if tag == "a" and "data-chip" in a:
            self._chip = a["data-chip"]
            self.chips[self._chip] = a["href"]
            self.chip_labels[self._chip] = a["aria-label"]
        if tag == "a" and "sort-link" in a.get("class", ""):
            self.sort_links.append(a["href"])
        if tag == "a" and a.get("rel") == "next":
            self.next_link = a["href"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False
        if tag == "select":
            self._select = None


def params(link: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(link).query)


DRILL_KEYS = {"closed_from", "closed_to", "state", "responded", "sla"}


@pytest.fixture
def drill(world):
    """A drill-down that matches at least one closed ticket: closed at any time, state closed, its first
    reply known or not, its resolution SLA state."""
    ticket = Ticket.objects.filter(
        connection=world.connection, status_type="Closed", closed_time__isnull=False, is_deleted=False
    ).first()
    assert ticket is not None
    now = timezone.now()
    sla = next(
        code
        for code in SLA_FILTERS
        if code.startswith("resolution-")
        and Ticket.objects.filter(pk=ticket.pk)
        .filter(sla_q("resolution", code.split("-", 1)[1], now))
        .exists()
    )
    return {
        "closed_from": "2000-01-01",
        "closed_to": "2099-12-31",
        "state": "closed",
        "responded": "yes" if ticket.first_response_at else "no",
        "sla": sla,
    }


def test_drill_down_url_shows_its_chips_and_the_bar_carries_them(world, member, agent_user, drill):
    client = member(agent_user)
    response = client.get(reverse("tickets:queue"), drill)
    html = response.content.decode()
    page = Page(html)
    assert set(page.chips) == {"closed", "state", "responded", "sla"}
    assert page.chip_labels["closed"] == "Remove filter: Closed 1 Jan 2000 – 31 Dec 2099"
    assert page.chip_labels["state"] == "Remove filter: State: closed"
    assert page.chip_labels["sla"].startswith("Remove filter: Resolution SLA: ")
    assert "Also filtered by" in html and "Clear filters" in html
    assert "{#" not in html and "{%" not in html
    count = response.context["count"].value
    assert count >= 1

    # Submitting the bar (a filter changed there) sends the drill-down filters with it.
    sent = dict(page.fields)
    assert {key: sent[key] for key in DRILL_KEYS} == drill
    submitted = client.get(reverse("tickets:queue") + "?" + urlencode([*page.fields, ("per_page", "50")]))
    again = Page(submitted.content.decode())
    assert set(again.chips) == {"closed", "state", "responded", "sla"}
    assert submitted.context["count"].value == count
    assert submitted.context["filters"].page_size == 50

    # Without the drill-down, the same bar filters show no chip and carry nothing hidden.
    plain = client.get(reverse("tickets:queue"), {"per_page": "50"}).content.decode()
    assert Page(plain).chips == {} and "data-chip-param" not in plain
    assert world.api_calls() == 0


def test_removing_a_chip_drops_only_that_filter(world, member, agent_user, drill):
    client = member(agent_user)
    page = Page(client.get(reverse("tickets:queue"), {**drill, "sort": "subject"}).content.decode())
    removed = params(page.chips["sla"])
    assert "sla" not in removed
    assert {key: removed[key] for key in DRILL_KEYS - {"sla"}} == {
        k: [drill[k]] for k in DRILL_KEYS - {"sla"}
    }
    assert removed["sort"] == ["subject"]

    # Over HTMX (as the chip does it): the results without that chip, the focus on the chip that followed it.
    response = client.get(
        reverse("tickets:queue") + page.chips["state"],
        headers={"HX-Request": "true", "HX-Trigger": "chip-remove-state"},
    )
    html = response.content.decode()
    after = Page(html)
    assert set(after.chips) == {"closed", "responded", "sla"}
    assert 'id="chip-remove-responded"' in html
    assert (
        html.index("autofocus")
        > html.index('id="chip-remove-responded"')
        > html.index('id="chip-remove-closed"')
    )
    assert dict(after.fields).get("state") is None  # the hidden input went with it

    # "Clear filters" empties every filter but keeps the sort.
    clear = response.context["clear_query"]
    assert clear == "sort=subject"
    cleared = client.get(reverse("tickets:queue") + "?" + clear)
    assert Page(cleared.content.decode()).chips == {}
    assert not cleared.context["filters"].is_filtered


def test_sort_and_page_links_keep_the_drill_down(world, member, agent_user):
    # No first reply known on any ticket of the mirror: "responded=no" matches all 30, two pages of 25.
    Ticket.objects.filter(connection=world.connection).update(first_response_at=None)
    client = member(agent_user)
    page = Page(client.get(reverse("tickets:queue"), {"responded": "no"}).content.decode())
    assert page.sort_links
    for link in page.sort_links:
        assert params(link)["responded"] == ["no"]
    assert params(page.next_link)["responded"] == ["no"]
    second = client.get(reverse("tickets:queue") + page.next_link)
    assert set(Page(second.content.decode()).chips) == {"responded"}
    assert len(second.context["rows"]) == 30 - 25
    resorted = client.get(reverse("tickets:queue") + page.sort_links[0])
    assert set(Page(resorted.content.decode()).chips) == {"responded"}
    assert resorted.context["count"].value == 30


def test_saved_view_keeps_the_drill_down(world, member, agent_user, drill):
    client = member(agent_user)
    response = client.get(reverse("tickets:queue"), drill)
    query = response.context["view_form"].initial["query"]
    client.post(reverse("tickets:view_save"), {"name": "Closed, by SLA", "query": query})
    view = SavedView.objects.get()
    assert {key: value for key, value in parse_qs(view.query).items() if key in DRILL_KEYS} == {
        k: [v] for k, v in drill.items()
    }
    opened = Page(client.get(reverse("tickets:queue") + "?" + view.query).content.decode())
    assert set(opened.chips) == {"closed", "state", "responded", "sla"}
