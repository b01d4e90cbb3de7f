"""The two-series chart (created vs closed) and linked columns: each series its colour, legend and table
column; linked columns are focusable links named by label, series and value; plain charts stay one image."""

from django.template.loader import render_to_string

from apps.core.charts import column_chart, series_chart


def test_series_chart_scales_both_series_to_the_largest_value_and_tables_them():
    chart = series_chart(
        title="Created and closed per day",
        labels=["Mon", "Tue"],
        series=[("Created", [4, 2], ["/a?d=1", "/a?d=2"]), ("Closed", [1, 0], ["/b?d=1", ""])],
        label_heading="Day",
    )
    assert chart.summary == "Totals: Created 6, Closed 1."
    mon, tue = chart.groups
    assert [b.height for b in mon.bars] == ["100", "25"] and [b.height for b in tue.bars] == ["50", "0"]
    html = render_to_string("core/charts/series.html", {"chart": chart, "csv_url": "/x.csv?chart=volume"})
    assert 'role="group"' in html and 'aria-label="Mon, Created: 4"' in html
    assert 'data-tip="Tue, Closed: 0"' not in html  # no link: a plain column with its title
    assert "<title>Tue, Closed: 0</title>" in html
    assert html.count('<th scope="col" class="num">') == 2 and 'href="/x.csv?chart=volume"' in html


def test_a_column_chart_with_links_is_a_group_of_named_links_without_links_one_image():
    linked = column_chart(
        title="Backlog", data=[("Mon", 3, "/q?open_on=1")], label_heading="Day", value_heading="Open"
    )
    html = render_to_string("core/charts/columns.html", {"chart": linked})
    assert 'role="group"' in html and 'aria-label="Mon: 3"' in html and "data-chart-readout" in html
    plain = column_chart(title="Backlog", data=[("Mon", 3)], label_heading="Day", value_heading="Open")
    assert 'role="img"' in render_to_string("core/charts/columns.html", {"chart": plain})
