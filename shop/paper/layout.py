"""A slip laid out for a paper width: rows already wrapped and padded to the column count.

What a slip says is domain data (shop/paper/documents.py builds receipts, statements, cards and
the day close as a :class:`Layout`); the printer adapters render a layout to ESC/POS bytes and
the screen to HTML (hardware/printing/render.py), reading each row by its ``kind``: ``text``,
``rule`` or ``qr``. Nothing here draws or prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal, Protocol

from shop.paper.text import center, clean_text, display_width, pad_left, wrap

Align = Literal["left", "center", "right"]


# --- layout rows ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """One printed line: ``left`` aligned per ``align``, or ``left`` … ``right`` across the line."""

    left: str = ""
    right: str = ""
    align: Align = "left"
    bold: bool = False
    tall: bool = False  # double height: titles and the reprint/void marks
    picture: bool = False  # drawn as a picture whatever the printer's mode (the test page)
    kind: ClassVar[str] = "text"

    def render(self, columns: int) -> str:
        """The line as printed, without trailing spaces. Raises ValueError if it does not fit."""
        if self.right:
            gap = columns - display_width(self.left) - display_width(self.right)
            if gap < (1 if self.left else 0):
                raise ValueError(
                    f"row does not fit {columns} columns: {self.left!r} {self.right!r}"
                )
            return self.left + " " * gap + self.right
        if display_width(self.left) > columns:
            raise ValueError(f"row does not fit {columns} columns: {self.left!r}")
        if self.align == "center":
            return center(self.left, columns).rstrip()
        if self.align == "right":
            return pad_left(self.left, columns)
        return self.left.rstrip()


@dataclass(frozen=True)
class Rule:
    """A separator line across the paper."""

    char: str = "-"
    kind: ClassVar[str] = "rule"

    def render(self, columns: int) -> str:
        return self.char * (columns // display_width(self.char))


@dataclass(frozen=True)
class QR:
    """A QR code, printed as a picture (cheap 58 mm printers have no QR command).

    `module_mm`: the smallest module on paper (0: whatever fits half the paper). Passbook cards
    ask for 1 mm, so a webcam at arm's length sees several pixels a module.
    """

    payload: str
    module_mm: float = 0.0
    kind: ClassVar[str] = "qr"


Row = Text | Rule | QR


@dataclass(frozen=True)
class Layout:
    """A document laid out for ``columns`` columns. ``slug`` names saved previews."""

    columns: int
    rows: tuple[Row, ...]
    slug: str

    def __post_init__(self) -> None:
        # Never fail a print on layout: a row too wide for the paper (a 17-Hanzi village name,
        # "户主：" and a long name on 58 mm) is wrapped here, whoever built it.
        rows: list[Row] = []
        for row in self.rows:
            rows.extend(_fitted(row, self.columns))
        object.__setattr__(self, "rows", tuple(rows))

    def text_lines(self) -> list[str]:
        """Every printed text line (QR rows left out), as on paper."""
        return [row.render(self.columns) for row in self.rows if not isinstance(row, QR)]

    @property
    def qr_payloads(self) -> list[str]:
        return [row.payload for row in self.rows if isinstance(row, QR)]


def _fitted(row: Row, columns: int) -> list[Row]:
    """The row as it is when it fits, else wrapped into rows that do (same style)."""
    if isinstance(row, QR):
        return [row]
    try:
        row.render(columns)
        return [row]
    except ValueError:
        pass
    if isinstance(row, Rule):  # a rule of wide characters: plain dashes
        return [Rule("-")]
    style = {"bold": row.bold, "tall": row.tall, "picture": row.picture}
    lines = [Text(line, align=row.align, **style) for line in _balanced(row, columns)]
    if row.right:
        lines = [Text(line, **style) for line in wrap(row.left, columns)] if row.left else []
        last = lines.pop() if lines else Text("", **style)
        right_w = display_width(row.right)
        if last.left and display_width(last.left) + 1 + right_w <= columns:
            lines.append(Text(last.left, row.right, **style))
        else:
            if last.left:
                lines.append(last)
            lines += [Text(line, align="right", **style) for line in wrap(row.right, columns)]
    return lines


def _balanced(row: Text, columns: int) -> list[str]:
    """A centred title wrapped into lines of even length (卢屋村委 / 会 reads badly); other
    rows wrapped as full as they go."""
    lines = wrap(row.left, columns)
    if row.align != "center" or len(lines) < 2:
        return lines
    width = -(-display_width(row.left) // len(lines))
    while width < columns:
        even = wrap(row.left, width)
        if len(even) == len(lines):
            return even
        width += 1
    return lines


class Document(Protocol):
    """Anything printable: lays itself out for a paper width."""

    def layout(self, columns: int) -> Layout: ...


class Builder:
    """Collects rows, wrapping every piece of text to the paper width."""

    def __init__(self, columns: int) -> None:
        if columns < 16:
            raise ValueError("paper narrower than 16 columns")
        self.columns = columns
        self.rows: list[Row] = []

    def title(self, text: str, *, tall: bool = True) -> None:
        for line in _balanced(Text(clean_text(text), align="center"), self.columns):
            self.rows.append(Text(line, align="center", bold=True, tall=tall))

    def text(
        self, text: str, *, align: Align = "left", bold: bool = False, picture: bool = False
    ) -> None:
        for line in wrap(text, self.columns):
            self.rows.append(Text(line, align=align, bold=bold, picture=picture))

    def pair(self, left: str, right: str, *, bold: bool = False) -> None:
        """``left`` and ``right`` on one line when they fit, else ``left`` wrapped above."""
        left, right = clean_text(left), clean_text(right)
        right_w = display_width(right)
        if right_w >= self.columns:  # nonsense width; never lose the figure
            self.text(left, bold=bold)
            self.text(right, align="right", bold=bold)
            return
        lines = wrap(left, self.columns) if left else [""]
        last = lines.pop()
        for line in lines:
            self.rows.append(Text(line, bold=bold))
        if display_width(last) + 1 + right_w <= self.columns:
            self.rows.append(Text(last, right, bold=bold))
        else:
            self.rows.append(Text(last, bold=bold))
            self.rows.append(Text(right, align="right", bold=bold))

    def field(self, label: str, value: str) -> None:
        """``label：value``, the way Chinese receipts list their header fields."""
        self.text(f"{label}{value}")

    def fields(self, *pairs: tuple[str, str]) -> None:
        """Several short fields on one line when they fit, else one per line."""
        joined = "  ".join(f"{label}{value}" for label, value in pairs)
        if display_width(joined) <= self.columns:
            self.rows.append(Text(clean_text(joined)))
        else:
            for label, value in pairs:
                self.field(label, value)

    def rule(self, char: str = "-") -> None:
        self.rows.append(Rule(char))

    def blank(self) -> None:
        self.rows.append(Text(""))

    def qr(self, payload: str) -> None:
        self.rows.append(QR(payload))

    def build(self, slug: str) -> Layout:
        return Layout(self.columns, tuple(self.rows), slug)
