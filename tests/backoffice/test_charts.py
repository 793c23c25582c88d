"""The dashboard's SVG charts: drawn on the server, readable figures, nothing outside the box."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from kiosk.backoffice import charts

SVG = "{http://www.w3.org/2000/svg}"


def _parse(markup):
    return ET.fromstring(str(markup))


def test_bars_scale_to_the_largest_value_and_say_their_figures():
    svg = _parse(charts.bars("每天兑出积分", ["1", "2", "3"], [("兑出积分", [0, 40, 170])]))
    heights = [float(r.get("height")) for r in svg.iter(f"{SVG}rect")]
    assert heights[0] == 0 and 0 < heights[1] < heights[2]
    assert "3 170" in svg.find(f"{SVG}desc").text
    labels = [t.text for t in svg.iter(f"{SVG}text")]
    assert "200" in labels  # the scale's top: the next 1, 2, 5 × 10ⁿ


def test_a_legend_in_any_language_stays_inside_the_chart():
    for names in (
        ["区财政预算", "村企结对", "捐赠"],
        ["District budget", "Partner company", "Donation"],
    ):
        svg = _parse(charts.shares("来源", [(n, 10.0) for n in names], width=300))
        width = float(svg.get("viewBox").split()[2])
        for text in svg.iter(f"{SVG}text"):
            assert float(text.get("x")) + charts._text_px(text.text) <= width + 1, text.text


def test_names_are_escaped_and_no_script_is_drawn():
    markup = str(charts.shares("x", [("<script>alert(1)</script>", 1.0)]))
    assert "<script" not in markup and re.search(r"&lt;script&gt;", markup)
