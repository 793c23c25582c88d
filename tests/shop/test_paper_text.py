"""Columns on paper (shop.paper.text): a Chinese printer's font draws East Asian "ambiguous"
characters (×, ·, ①, —, “ ”, °) full width, two columns like a Hanzi; counted as one, a line
would run past the edge of a 58 mm slip."""

from __future__ import annotations

import pytest

from shop.paper import display_width, wrap


@pytest.mark.parametrize("char", ["×", "·", "①", "—", "“", "”", "°"])
def test_ambiguous_width_characters_take_two_columns(char):
    assert display_width(char) == 2
    assert display_width(f"a{char}b") == 4


def test_a_line_of_ambiguous_characters_wraps_inside_32_columns():
    lines = wrap("洗衣液×2·肥皂×3①②③④⑤⑥⑦⑧⑨⑩——“好”", 32)
    assert all(display_width(line) <= 32 for line in lines)
    assert "".join(lines).replace(" ", "") == "洗衣液×2·肥皂×3①②③④⑤⑥⑦⑧⑨⑩——“好”"


def test_the_paper_and_the_printer_count_columns_with_one_rule():
    """The domain lays slips out (shop.paper) and the printer draws them (hardware): both count
    with cjkwidth's one function, not with copies that could drift apart."""
    import cjkwidth
    import hardware.escpos_cjk as printer
    import hardware.printing.render as render
    import shop.paper.text as paper

    assert paper.char_width is printer.char_width is render.char_width is cjkwidth.char_width
    assert paper.display_width is cjkwidth.display_width
    assert paper.clean_text is render.clean_text is cjkwidth.clean_text
