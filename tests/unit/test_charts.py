"""The shared chart partials: every chart has its title, a summary and the numbers as a table."""

from django.template.loader import render_to_string

from apps.core.charts import bar_chart, column_chart


def test_bar_chart_scales_to_the_largest_value_and_says_the_extremes_when_given_no_summary():
    chart = bar_chart(
        title="Open tickets per agent",
        data=[("Ana", 20), ("Ben", 5, "/tickets/?assignee=2"), ("Cy", 0)],
        label_heading="Agent",
        value_heading="Open tickets",
    )
    assert [row.bar_width for row in chart.rows] == ["100%", "25%", "0%"]
    assert chart.summary == "Open tickets: highest Ana (20), lowest Cy (0), total 25."
    html = render_to_string("core/charts/bar.html", {"chart": chart})
    assert 'aria-labelledby="chart-open-tickets-per-agent-title"' in html
    assert 'aria-describedby="chart-open-tickets-per-agent-summary"' in html
    assert '<th scope="row"><a href="/tickets/?assignee=2">Ben</a></th>' in html
    assert html.count('<th scope="row">') == 3 and 'width="25%"' in html


def test_column_chart_draws_an_svg_named_by_its_title_and_summary_with_the_numbers_as_a_table():
    chart = column_chart(
        title="New tickets per day",
        summary="A peak on Tuesday.",
        data=[("Mon", 1204), ("Tue", 2408), ("Wed", 0)],
        label_heading="Day",
        value_heading="New tickets",
        chart_id="volume",
    )
    assert [(row.x, row.y, row.height) for row in chart.rows] == [
        ("1", "50", "50"),
        ("11", "0", "100"),
        ("21", "100", "0"),
    ]
    html = render_to_string("core/charts/columns.html", {"chart": chart})
    assert 'role="img" aria-labelledby="volume-title volume-summary"' in html
    assert 'viewBox="0 0 30 100"' in html
    assert "<title>Tue: 2,408</title>" in html
    assert "<summary>Show the numbers</summary>" in html and '<td class="num">1,204</td>' in html


def test_an_empty_chart_says_so_and_draws_nothing():
    html = render_to_string(
        "core/charts/bar.html",
        {"chart": bar_chart(title="Load", data=[], label_heading="Agent", value_heading="Open")},
    )
    assert "No data yet." in html and "<table" not in html
