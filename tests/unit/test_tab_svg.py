"""The tab's trend chart: a hidden value is a gap in the line, never a point at zero, and the chart names
itself for screen readers."""

from bot.tab.svg import trend_legend, trend_lines


def test_a_hidden_round_breaks_the_line_instead_of_drawing_a_value():
    chart = trend_lines(["2024", "2025", "2026", "2027"], [("Stockholm", [3.0, None, 4.0, 4.5])],
                        title="Digital förmåga", description="2024: 3; 2025: –; 2026: 4; 2027: 4,5", chart_id="c")
    assert chart.count("<circle") == 3
    assert chart.count("<polyline") == 1, "only 2026-2027 are joined; 2024 stands alone"
    assert 'role="img"' in chart and '<title id="c-t">Digital förmåga</title>' in chart


def test_the_reference_is_the_dashed_second_series_in_the_shared_legend():
    legend = trend_legend(["Stockholm", "Nacka <kultur>"])
    assert 'class="line series1"' in legend and "Nacka &lt;kultur&gt;" in legend
