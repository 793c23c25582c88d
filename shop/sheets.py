"""The one writer for every table the shop hands out: XLSX workbooks and CSV files.

Every export (day close, balances, award and redemption lists, notice, ranking, year-end, donor
report) describes its columns and rows here and never touches openpyxl or csv itself, so the
rules below hold everywhere at once:

- headers are the column titles the caller gives, marked Chinese words (``N_``), written in the
  reader's language (``lang``, from the same catalogues as every page: shop.words.translator),
  and so are the sheet's name, the cells of "word" columns (a status, a kind) and a `Phrase` (a
  journal memo's sentence, by its own rule); one value per cell;
- numbers are stored as numbers, money (元) with two decimals, dates as dates, moments as local
  date-times on the business clock (shop.clock), never as text;
- column widths fit the content (a Hanzi counts twice), the header row is bold and frozen;
- CSV is UTF-8 with a byte-order mark, so Excel on a village office PC opens the Chinese right;
- **formula injection** is neutralised: a text cell that starts with ``= + - @``, a tab or a
  carriage return gets a leading apostrophe (OWASP's advice), in XLSX and in CSV alike, and XLSX
  text cells are always stored as strings, never as formulas;
- control characters (an ESC or a NUL in a product name) never make a file impossible to write:
  they are shown as "�" in the file. Inputs refuse them (shop.validation); this is for data that
  got in before, or through an import.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from shop import clock
from shop.words import translator

KINDS = ("text", "word", "int", "number", "money", "date", "datetime", "any")
DANGEROUS_LEADS = ("=", "+", "-", "@", "\t", "\r")
REPLACEMENT = "\ufffd"
MIN_WIDTH, MAX_WIDTH = 6, 60
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
MONEY_FORMAT = "#,##0.00"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"


class Word(str):
    """A cell that is one of the shop's marked words (N_), written in the reader's language
    whatever its column's kind."""


class Phrase(str):
    """A cell that reads in the reader's language by a rule of its own (a journal memo as its
    sentence, shop.ledger.sentences): the Chinese as the string, `words(tr)` in the language of
    the translator `tr`."""

    words: Callable[[Callable[[str], str]], str]

    def __new__(cls, words: Callable[[Callable[[str], str]], str]) -> Phrase:
        made = super().__new__(cls, words(translator("zh")))
        made.words = words
        return made


@dataclass(frozen=True)
class Column:
    """One column: its header, the kind of value in it, and optionally a fixed width."""

    title: str
    kind: str = "text"
    width: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column kind {self.kind!r} not one of {KINDS}")


@dataclass
class Sheet:
    """A table: a name (the XLSX tab), columns and rows (each a sequence of plain values)."""

    name: str
    columns: Sequence[Column]
    rows: list[Sequence] = field(default_factory=list)

    def add(self, *values) -> None:
        self.rows.append(values)


def neutral_text(value) -> str:
    """A text cell as it goes into any file: control characters shown as �, a formula lead
    (= + - @ tab CR) disarmed with an apostrophe."""
    text = str(value)
    if not text.isprintable():  # a quick look first: most names have nothing to replace
        text = "".join(
            REPLACEMENT if unicodedata.category(ch) == "Cc" and ch not in "\t\r\n" else ch
            for ch in text
        )
    if text.startswith(DANGEROUS_LEADS):
        text = "'" + text
    # Tabs and line breaks inside a cell are legal but break a row apart in naive readers.
    return text.replace("\r\n", " ").replace("\r", " ").replace("\n", " ").replace("\t", " ")


def _kind_of(value) -> str:
    """For an "any" column (a label/value list): the kind of this one value."""
    if isinstance(value, bool):
        return "text"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float | Decimal):
        return "number"
    if isinstance(value, dt.datetime):
        return "datetime"
    if isinstance(value, dt.date):
        return "date"
    return "text"


def _cell(value, kind: str):
    """The typed value of one cell (None stays empty)."""
    if value is None or value == "":
        return None
    if kind == "any":
        kind = _kind_of(value)
    if kind in ("text", "word"):
        return neutral_text(value)
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int | Decimal | float):
            raise TypeError(f"int column given {value!r}")
        return int(value)
    if kind in ("number", "money"):
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            raise TypeError(f"{kind} column given {value!r}")
        return round(float(value), 2) if kind == "money" else value
    if kind == "date":
        if isinstance(value, dt.datetime):
            return clock.local(value).date() if value.tzinfo else value.date()
        if isinstance(value, dt.date):
            return value
        return dt.date.fromisoformat(str(value))
    if kind == "datetime":
        if not isinstance(value, dt.datetime):
            value = dt.datetime.fromisoformat(str(value))
        if value.tzinfo is not None:
            value = clock.local(value)
        return value.replace(tzinfo=None, microsecond=0)
    raise ValueError(kind)


def _width_of(text: str) -> int:
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _shown(value, kind: str) -> str:
    if value is None:
        return ""
    if kind == "any":
        kind = _kind_of(value)
    if kind == "money":
        return f"{value:,.2f}"
    if kind == "date":
        return value.isoformat()
    if kind == "datetime":
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def _csv_value(value, kind: str) -> str:
    if kind == "money" and value is not None:
        return f"{value:.2f}"  # no thousands separator: a spreadsheet reads it as a number
    return _shown(value, kind)


def typed_rows(sheet: Sheet) -> list[list]:
    """The sheet's rows with every cell typed and neutralised (what both formats write)."""
    kinds = [c.kind for c in sheet.columns]
    out = []
    for row in sheet.rows:
        if len(row) != len(kinds):
            raise ValueError(f"{sheet.name}: row of {len(row)} cells for {len(kinds)} columns")
        out.append([_cell(v, k) for v, k in zip(row, kinds, strict=True)])
    return out


def in_language(sheet: Sheet, lang: str = "zh") -> Sheet:
    """The sheet with its name, its titles, its "word" cells and its phrases in `lang` (Chinese
    as written)."""
    tr = translator(lang)
    words = {i for i, c in enumerate(sheet.columns) if c.kind == "word"}
    rows = [
        [
            v.words(tr)
            if isinstance(v, Phrase)
            else tr(v)
            if v and (isinstance(v, Word) or (i in words and isinstance(v, str)))
            else v
            for i, v in enumerate(row)
        ]
        for row in sheet.rows
    ]
    columns = [Column(tr(c.title), c.kind, c.width) for c in sheet.columns]
    return Sheet(tr(sheet.name), columns, rows)


def to_xlsx(sheets: Iterable[Sheet], lang: str = "zh") -> bytes:
    """A workbook with one tab per sheet, in the reader's language.

    Written with XlsxWriter: each cell by its kind (write_string never makes a formula, whatever
    the text; numbers and dates with their formats), rows streamed in constant memory. It writes
    about five times faster than openpyxl (docs/BENCHMARKS.md); openpyxl stays for reading."""
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(
        out,
        {
            "constant_memory": True,
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    bold = book.add_format({"bold": True})
    formats = {kind: book.add_format({"num_format": fmt}) for kind, fmt in _FORMATS.items()}
    taken: list[str] = []
    for sheet in sheets:
        sheet = in_language(sheet, lang)
        name = _tab_name(sheet.name, taken)
        taken.append(name)
        ws = book.add_worksheet(name)
        rows = typed_rows(sheet)
        kinds = [c.kind for c in sheet.columns]
        widths = [_width_of(neutral_text(c.title)) for c in sheet.columns]
        for row in rows:
            for i, value in enumerate(row):
                if value is not None:
                    widths[i] = max(widths[i], _width_of(_shown(value, kinds[i])))
        for col, column in enumerate(sheet.columns):
            width = column.width or min(MAX_WIDTH, max(MIN_WIDTH, widths[col] + 2))
            ws.set_column(col, col, width)
        ws.freeze_panes(1, 0)
        for col, column in enumerate(sheet.columns):
            ws.write_string(0, col, neutral_text(column.title), bold)
        for r, row in enumerate(rows, start=1):
            for col, (value, kind) in enumerate(zip(row, kinds, strict=True)):
                if value is None:
                    continue
                kind = _kind_of(value) if kind == "any" else kind
                if kind in ("text", "word"):
                    ws.write_string(r, col, value)
                elif kind in ("date", "datetime"):
                    if not isinstance(value, dt.datetime):
                        value = dt.datetime.combine(value, dt.time())
                    ws.write_datetime(r, col, value, formats[kind])
                elif kind == "money":
                    ws.write_number(r, col, value, formats[kind])
                else:
                    ws.write_number(r, col, value)
    if not taken:
        book.add_worksheet("Sheet1")
    book.close()
    return out.getvalue()


_FORMATS = {"money": MONEY_FORMAT, "date": DATE_FORMAT, "datetime": DATETIME_FORMAT}


def to_csv(sheet: Sheet, lang: str = "zh") -> bytes:
    """One sheet as CSV: UTF-8 with a BOM, CRLF line ends, typed values written plainly."""
    sheet = in_language(sheet, lang)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutral_text(c.title) for c in sheet.columns])
    kinds = [c.kind for c in sheet.columns]
    for row in typed_rows(sheet):
        writer.writerow([_csv_value(v, k) for v, k in zip(row, kinds, strict=True)])
    return out.getvalue().encode("utf-8-sig")


def _tab_name(name: str, taken: list[str]) -> str:
    """Excel's rules for a tab: at most 31 characters, none of []:*?/\\, unique."""
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in neutral_text(name)).strip("'")
    clean = (clean or "Sheet")[:31]
    candidate, n = clean, 2
    while candidate in taken:
        suffix = f" ({n})"
        candidate, n = clean[: 31 - len(suffix)] + suffix, n + 1
    return candidate


def filename(stem: str, ext: str) -> str:
    """A download name: the stem without path or quote characters, and the extension."""
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in stem).strip(".-")
    return f"{safe or 'export'}.{ext}"
