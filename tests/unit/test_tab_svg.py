"""The tab's charts: a hidden value is a gap in the line, never a point at zero; the chart names itself for
screen readers; the bar chart's legend wraps instead of running off the chart."""

import re

from bot.tab.svg import LEGEND_ITEM, grouped_bars, trend_legend, trend_lines


def test_a_hidden_round_breaks_the_line_instead_of_drawing_a_value():
    chart = trend_lines(["2024", "2025", "2026", "2027"], [("Stockholm", [3.0, None, 4.0, 4.5])],
                        title="Digital förmåga", description="2024: 3; 2025: –; 2026: 4; 2027: 4,5", chart_id="c")
    assert chart.count("<circle") == 3
    assert chart.count("<polyline") == 1, "only 2026-2027 are joined; 2024 stands alone"
    assert 'role="img"' in chart and '<title id="c-t">Digital förmåga</title>' in chart


def test_the_reference_is_the_dashed_second_series_in_the_shared_legend():
    legend = trend_legend(["Stockholm", "Nacka <kultur>"])
    assert 'class="line series1"' in legend and "Nacka &lt;kultur&gt;" in legend


def test_the_participation_legend_wraps_so_every_kind_is_inside_the_chart():
    kinds = ["Självskattningar", "Planer skickade", "Planer godkända", "Anmälningar", "Genomförda aktiviteter"]
    chart = grouped_bars(["2026-03"], [(kind, [3]) for kind in kinds], title="Deltagande", description="–",
                         chart_id="p")
    width, height = (float(v) for v in re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', chart).groups())
    swatches = [(float(x), float(y)) for x, y in re.findall(r'<rect class="bar series\d" x="([\d.]+)" y="([\d.]+)" '
                                                            r'width="10" height="10"/>', chart)]
    assert len(swatches) == len(kinds)
    assert all(x + LEGEND_ITEM <= width and y + 10 <= height for x, y in swatches)
    assert len({y for _, y in swatches}) > 1, "five kinds do not fit one row of a 360 px chart"
