"""Columns on paper: a Chinese printer's font draws East Asian "ambiguous" characters (×, ·, ①,
—, “ ”, °) full width, two columns like a Hanzi; counted as one, a line would run past the edge
of a 58 mm slip."""

from __future__ import annotations

import pytest

from hardware.escpos_cjk import display_width, wrap


@pytest.mark.parametrize("char", ["×", "·", "①", "—", "“", "”", "°"])
def test_ambiguous_width_characters_take_two_columns(char):
    assert display_width(char) == 2
    assert display_width(f"a{char}b") == 4


def test_a_line_of_ambiguous_characters_wraps_inside_32_columns():
    lines = wrap("洗衣液×2·肥皂×3①②③④⑤⑥⑦⑧⑨⑩——“好”", 32)
    assert all(display_width(line) <= 32 for line in lines)
    assert "".join(lines).replace(" ", "") == "洗衣液×2·肥皂×3①②③④⑤⑥⑦⑧⑨⑩——“好”"
