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


def test_the_paper_and_the_printer_count_columns_alike():
    """The domain lays slips out (shop.paper) and the printer draws them (hardware.escpos_cjk)
    with two copies of one rule (hardware/ may not import the domain): they must agree."""
    import hardware.escpos_cjk as printer
    import shop.paper.text as paper

    for code in [*range(0x20, 0x3400), *range(0xFF00, 0xFFF0), 0x20BB7, 0x4DAE, 0x1F600]:
        ch = chr(code)
        assert paper.char_width(ch) == printer.char_width(ch), hex(code)
        assert paper.clean_text(ch) == printer.clean_text(ch), hex(code)
