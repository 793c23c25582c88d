"""How many columns text takes on receipt paper: the one rule the slips' layout (shop.paper) and
the printer adapters (hardware) both count with.

The paper is a grid of columns (32 on 58 mm, 48 on 80 mm): an ASCII character takes one column,
every double-byte character two (a 24-dot Hanzi cell). This package imports nothing of the
shop, the web or the devices, so both layers may import it (pyproject.toml's import contracts).
"""

from __future__ import annotations

import unicodedata


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
