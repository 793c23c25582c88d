"""Reading uploaded tables (CSV in UTF-8 or GBK, XLSX) into rows of text, for the imports.

Caps are checked before and while parsing, never after: an XLSX is a zip, and 226 KB of one once
unpacked to 1.7 GB in 64 s. So the zip's declared sizes are summed first (and its compression
ratio), then rows are streamed (openpyxl read-only, csv reader) and reading stops at the first
row, column or cell beyond the caps with `DomainError("import_too_large")`. A village's roster is
hundreds of rows; the caps leave a district's room.
"""

from __future__ import annotations

import csv
import io
import zipfile

from shop.errors import DomainError

MAX_ROWS = 20_000  # data rows
MAX_COLUMNS = 40
MAX_CELL = 2_000  # characters in one cell
MAX_UNPACKED = 40 * 1024 * 1024  # an XLSX's parts, uncompressed
MAX_RATIO = 200  # uncompressed / compressed, for the whole archive


def _too_large(why: str) -> DomainError:
    return DomainError("import_too_large", why)


def read_table(filename: str, data: bytes) -> list[dict[str, str]]:
    """Rows as {header: text}, header and cells stripped. Raises invalid_input if unreadable."""
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        rows = _xlsx_rows(data)
    elif name.endswith(".csv") or name.endswith(".txt"):
        rows = _csv_rows(data)
    else:
        raise DomainError("unreadable_file", "CSV or XLSX only")
    if not rows:
        return []
    header = [str(h or "").strip() for h in rows[0]]
    out = []
    for raw in rows[1:]:
        cells = ["" if c is None else _cell(c) for c in raw]
        if not any(cells):
            out.append({})  # keep line numbers honest; blank lines are skipped by callers
            continue
        cells += [""] * (len(header) - len(cells))
        out.append({h: cells[i] for i, h in enumerate(header) if h})
    return out


def _cell(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _csv_rows(data: bytes) -> list[list]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise DomainError("unreadable_file", "CSV: neither UTF-8 nor GBK")
    try:
        return _capped(csv.reader(io.StringIO(text)))
    except csv.Error as exc:  # e.g. a field longer than csv's own limit (131,072)
        raise _too_large(f"CSV: {exc}") from exc


def _capped(rows) -> list[list]:
    out = []
    for n, row in enumerate(rows):
        if n > MAX_ROWS:
            raise _too_large(f"more than {MAX_ROWS} rows")
        row = list(row)
        while row and (row[-1] is None or row[-1] == ""):
            row.pop()  # trailing empty cells (a sheet's formatted but empty columns)
        if len(row) > MAX_COLUMNS:
            raise _too_large(f"more than {MAX_COLUMNS} columns")
        for cell in row:
            if isinstance(cell, str) and len(cell) > MAX_CELL:
                raise _too_large(f"a cell longer than {MAX_CELL} characters")
        out.append(row)
    return out


def _check_zip(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise DomainError("unreadable_file", "XLSX: not a workbook") from exc
    unpacked = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members) or 1
    if unpacked > MAX_UNPACKED or unpacked / packed > MAX_RATIO:
        raise _too_large(f"XLSX unpacks to {unpacked} bytes")


def _xlsx_rows(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    _check_zip(data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise DomainError("unreadable_file", f"XLSX: {exc}") from exc
    try:
        sheet = book.worksheets[0]
        # Streamed: rows one at a time, never more columns than the cap (plus one to notice).
        return _capped(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1))
    except DomainError:
        raise
    except Exception as exc:  # a damaged part inside an otherwise valid zip
        raise DomainError("unreadable_file", f"XLSX: {exc}") from exc
    finally:
        book.close()


def pick(row: dict[str, str], *names: str) -> str:
    """The first of several accepted column names (中文 or English) present in the row."""
    for name in names:
        if name in row:
            return row[name]
    return ""
