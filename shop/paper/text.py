"""Column arithmetic for receipt paper: how wide a string prints, wrapping, padding.

The paper is a grid of columns (32 on 58 mm, 48 on 80 mm): an ASCII character takes one column,
every double-byte character two (a 24-dot Hanzi cell). The printer adapters (hardware/) count
the same way; tests/shop/test_paper_text.py checks the two agree character by character.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator


def char_width(ch: str) -> int:
    """Columns a character takes on paper: 0, 1 or 2.

    East Asian Wide/Fullwidth characters take two columns, and so do Ambiguous ones (×, ·, ①, —):
    a GB printer prints every double-byte character in a full 24-dot cell.
    """
    if " " <= ch <= "~":
        return 1
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    if unicodedata.east_asian_width(ch) in ("W", "F", "A"):
        return 2
    return 1


def display_width(text: str) -> int:
    """Columns a string takes on paper (a Hanzi counts two)."""
    return sum(char_width(ch) for ch in text)


def clean_text(text: str) -> str:
    """One printable line: control characters become spaces.

    Product and household names come from users and imports; an ESC byte in a name must not reach
    the printer as a command.
    """
    return "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in str(text))


def _tokens(text: str) -> Iterator[str]:
    """Split into wrap units: runs of ASCII non-space characters, single spaces, single others."""
    word = ""
    for ch in text:
        if " " < ch <= "~":
            word += ch
            continue
        if word:
            yield word
            word = ""
        yield ch
    if word:
        yield word


def wrap(text: str, width: int) -> list[str]:
    """Wrap to lines of at most ``width`` columns.

    Hanzi may break anywhere; ASCII words break at spaces unless a word alone is too wide.
    Always returns at least one line.
    """
    if width < 2:
        raise ValueError("width must be at least 2 columns")
    lines: list[str] = []
    line = ""
    used = 0
    for token in _tokens(clean_text(text)):
        w = display_width(token)
        if used + w <= width:
            line += token
            used += w
            continue
        if token == " ":
            lines.append(line)
            line, used = "", 0
            continue
        if w > width:  # a word longer than the line: cut it character by character
            for ch in token:
                cw = char_width(ch)
                if used + cw > width:
                    lines.append(line)
                    line, used = "", 0
                line += ch
                used += cw
            continue
        lines.append(line)
        line, used = token, w
    lines.append(line)
    return [ln.rstrip() for ln in lines] or [""]


def fit(text: str, width: int) -> str:
    """Cut a string to ``width`` columns, marking the cut with an ellipsis when there is room."""
    text = clean_text(text)
    if display_width(text) <= width:
        return text
    out, used = "", 0
    for ch in text:
        cw = char_width(ch)
        if used + cw > width - 2:
            break
        out += ch
        used += cw
    return out + "…"


def pad_right(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def pad_left(text: str, width: int) -> str:
    return " " * max(0, width - display_width(text)) + text


def center(text: str, width: int) -> str:
    spare = max(0, width - display_width(text))
    return " " * (spare // 2) + text + " " * (spare - spare // 2)
