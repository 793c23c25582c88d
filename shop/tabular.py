"""Reading uploaded tables (CSV in UTF-8 or GBK, XLSX) into rows of text, for the imports."""

from __future__ import annotations

import csv
import io

from shop.errors import DomainError


def read_table(filename: str, data: bytes) -> list[dict[str, str]]:
    """Rows as {header: text}, header and cells stripped. Raises invalid_input if unreadable."""
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        rows = _xlsx_rows(data)
    elif name.endswith(".csv") or name.endswith(".txt"):
        rows = _csv_rows(data)
    else:
        raise DomainError("invalid_input", "CSV or XLSX only")
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
        raise DomainError("invalid_input", "CSV: neither UTF-8 nor GBK")
    return list(csv.reader(io.StringIO(text)))


def _xlsx_rows(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise DomainError("invalid_input", f"XLSX: {exc}") from exc
    try:
        return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def pick(row: dict[str, str], *names: str) -> str:
    """The first of several accepted column names (中文 or English) present in the row."""
    for name in names:
        if name in row:
            return row[name]
    return ""
