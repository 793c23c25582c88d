"""Imports refuse what would swamp the box, before parsing it (findings 11 and 21): a zip bomb,
too many rows, a field over csv's own limit; odd digits and huge numbers in a roster are row
errors, not crashes; household numbers are identifiers (finding 20)."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from openpyxl import Workbook

from shop import households
from shop.errors import DomainError
from shop.households import roster_import
from shop.tabular import MAX_ROWS, read_table


def _xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _bomb(padding_mb: int = 60) -> bytes:
    """A valid workbook whose sheet XML carries tens of MB of whitespace, small when zipped."""
    source = zipfile.ZipFile(io.BytesIO(_xlsx([["户号", "户主"], ["01-001", "张三"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * (padding_mb << 20))
            bomb.writestr(item.filename, data)
    return out.getvalue()


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    data = _bomb()
    assert len(data) < 1_000_000
    started = time.perf_counter()
    with pytest.raises(DomainError) as refused:
        read_table("roster.xlsx", data)
    assert refused.value.code == "import_too_large"
    assert time.perf_counter() - started < 1.0


def test_too_many_rows_are_refused():
    text = "户号,户主\n" + "".join(f"{i},张{i}\n" for i in range(MAX_ROWS + 5))
    with pytest.raises(DomainError) as refused:
        read_table("roster.csv", text.encode())
    assert refused.value.code == "import_too_large"


def test_a_field_beyond_csvs_limit_is_refused_not_a_crash():
    text = "户号,户主\n01-001," + "张" * 140_000 + "\n"
    with pytest.raises(DomainError) as refused:
        read_table("roster.csv", text.encode())
    assert refused.value.code == "import_too_large"


def test_a_normal_workbook_still_reads():
    rows = read_table("r.xlsx", _xlsx([["户号", "户主", "人口"], ["01-001", "张三", 3]]))
    assert rows == [{"户号": "01-001", "户主": "张三", "人口": "3"}]


def test_odd_digits_and_huge_numbers_are_row_errors(session, village):
    rows = [
        {"户号": "01-001", "户主": "张三", "人口": "²"},
        {"户号": "01-002", "户主": "李四", "人口": "9" * 30},
        {"户号": '01"003', "户主": "王五", "人口": "2"},
        {"户号": "01-004", "户主": "赵六", "人口": "4"},
    ]
    preview = roster_import.preview_roster(session, village, rows)
    assert [line for line, _ in preview.errors] == [2, 3, 4]
    assert [r.number for r in preview.rows] == ["01-004"]


@pytest.mark.parametrize("number", ['01"1', "01\r\n1", "01 1", "a;b", "x" * 33])
def test_household_numbers_are_identifiers(session, village, number):
    with pytest.raises(DomainError) as refused:
        households.create_household(session, village, number, "张三", actor="test")
    control = "\r" in number
    assert refused.value.code == ("invalid_characters" if control else "invalid_household_number")
