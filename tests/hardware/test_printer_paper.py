"""Paper that never fails on layout and reads right (issue 13, items 4, 6 and 7): long names on
58 mm cards and slips, the reprint mark, 禁则 (no line starts with a Chinese comma), the day
close on the village's clock, and the test page that shows which mode a printer needs. Every
test reads the python-escpos bytes back."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hardware.printing import PrinterConfig, print_job, render_escpos
from kiosk.printing import printer_test_page
from shop.households.cards import Card
from shop.paper import Layout, Text, display_width, wrap
from shop.paper.text import NO_LINE_START
from shop.stock.slips import DayCloseSlip
from tests.hardware.conftest import CST, make_receipt, read_escpos

VILLAGE_17 = "江西省赣州市南康区唐江镇卢屋村委会"  # 17 Hanzi: 34 columns, wider than 58 mm
LONG_HEAD = "买买提·艾力·阿不都热合曼·司马义·吐尔逊"
TALL_ON = b"\x1d!\x01\x1c!\x08"


def _lines_of(data: bytes) -> list[bytes]:
    return data.split(b"\n")


@pytest.mark.parametrize("width_mm", [58, 80])
def test_a_card_with_a_17_hanzi_village_and_a_long_head_name_prints_whole(width_mm):
    card = Card(VILLAGE_17, "第三村民小组-0018", LONG_HEAD, "三组", dt.date(2026, 12, 4), 3, "JF1X")
    config = PrinterConfig.parse("dummy", width_mm=width_mm)
    result = print_job(config, card)  # raised "printer_failed" (请检查纸张) before
    layout = card.layout(config.columns)
    assert all(display_width(line) <= config.columns for line in layout.text_lines())
    paper = read_escpos(result.data, config.charset)
    printed = "".join(paper.hanzi_texts)
    assert VILLAGE_17 in printed.replace(" ", "") or all(ch in printed for ch in VILLAGE_17)
    assert all(ch in printed for ch in LONG_HEAD)  # wrapped, nothing cut off
    title = [row for row in layout.rows if getattr(row, "tall", False)]
    assert "".join(row.left.strip() for row in title) == VILLAGE_17  # the title stays a title


def test_a_row_too_wide_for_the_paper_is_wrapped_not_refused():
    rows = (Text("户主：" + LONG_HEAD * 2), Text("很长的左边" * 5, "9999分", bold=True))
    layout = Layout(32, rows, "wide")
    lines = layout.text_lines()
    assert all(display_width(line) <= 32 for line in lines)
    assert "".join(lines).replace(" ", "").startswith("户主：" + LONG_HEAD.replace(" ", ""))
    assert lines[-1].endswith("9999分")  # the figure is kept, on the right
    assert all(row.bold for row in layout.rows[-2:])
    render_escpos(layout, PrinterConfig.parse("dummy"))  # and it prints


def test_a_reprint_is_marked_as_large_as_a_void():
    config = PrinterConfig.parse("dummy")
    reprint = render_escpos(make_receipt(reprint_count=1).layout(32), config)
    void = render_escpos(make_receipt(is_void=True, void_reason="误选").layout(32), config)
    (reprint_line,) = [ln for ln in _lines_of(reprint) if "重打印".encode("gb18030") in ln]
    (void_line,) = [ln for ln in _lines_of(void) if "作废 *".encode("gb18030") in ln]
    assert TALL_ON in reprint_line and TALL_ON in void_line
    assert b"\x1bE\x01" in reprint_line and b"\x1bE\x01" in void_line  # both bold


_HANZI = st.text(alphabet="积分兑换超市洗衣液肥皂村委会农户", min_size=1, max_size=9)
_MARK = st.sampled_from(list("，。、；：？！）"))


@given(st.lists(st.tuples(_HANZI, _MARK), min_size=1, max_size=12), st.sampled_from([32, 48]))
def test_no_wrapped_line_starts_with_a_chinese_comma_or_closing_mark(clauses, width):
    text = "".join(words + mark for words, mark in clauses)
    lines = wrap(text, width)
    assert "".join(lines) == text  # nothing lost or added
    assert all(display_width(line) <= width for line in lines)
    assert not any(line[:1] in NO_LINE_START for line in lines)


def test_a_void_reason_full_of_commas_prints_no_line_starting_with_one():
    reason = "顾客误选商品，经村委会监督小组同意，作废并退回全部积分，请核对。" * 3
    for columns in (32, 48):
        layout = make_receipt(is_void=True, void_reason=reason).layout(columns)
        assert not any(line.lstrip()[:1] in "，。" for line in layout.text_lines())


def _report(closed_at: str, zone: str) -> dict:
    return {
        "village": {"name": VILLAGE_17},
        "date": "2026-12-04",
        "kiosk": {"name": "一号机", "code": "K01"},
        "clerk": "王会计",
        "closed_at": closed_at,
        "timezone": zone,
        "receipts": {
            "first": "K01-000001",
            "last": "K01-000009",
            "issued": 9,
            "issued_then_voided": 0,
            "reprinted": 1,
            "never_printed": [],
            "missing": 0,
            "gaps": [],
        },
        "voids": [],
        "points": {"redeemed": 300, "returned": 0, "net": 300},
        "goods": [],
        "stocktakes": [],
        "chain": {"seq": 42, "hash": "ab" * 32},
    }


@pytest.mark.parametrize(
    ("zone", "shown"),
    [("Asia/Shanghai", "2026-12-04 00:30"), ("Asia/Urumqi", "2026-12-03 22:30")],
)
def test_the_day_close_slip_prints_the_close_on_the_village_clock(zone, shown):
    """16:30 UTC is half past midnight in Jiangxi: the slip printed UTC before."""
    slip = DayCloseSlip(_report("2026-12-03T16:30:00+00:00", zone))
    config = PrinterConfig.parse("dummy")
    paper = read_escpos(print_job(config, slip).data, config.charset)
    assert f"日结时间：{shown}" in paper.hanzi_texts
    assert not any("16:30" in line for line in paper.hanzi_texts)


def test_the_test_page_shows_line_a_in_the_printers_font_and_line_b_drawn():
    now = dt.datetime(2026, 12, 4, 9, 0, tzinfo=CST)
    text_mode = PrinterConfig.parse("dummy")
    paper = read_escpos(print_job(text_mode, printer_test_page(text_mode, now=now)).data, "gb18030")
    assert "A 文字：积分超市 兑换小票" in paper.hanzi_texts  # the printer's own Hanzi
    assert not any(line.startswith("B ") for line in paper.hanzi_texts)  # B is a picture
    assert not any("图片模式" in line for line in paper.hanzi_texts)  # so is the advice
    assert "模式：文字" in paper.hanzi_texts
    drawn = len(paper.images)

    picture = PrinterConfig.parse("dummy", mode="picture")
    job = print_job(picture, printer_test_page(picture, now=now)).data
    pictures = read_escpos(job, "gb18030")
    assert pictures.hanzi_segments == []  # not one byte in the printer's font
    assert len(pictures.images) > drawn


def test_the_a4_card_sets_a_long_village_and_head_name_smaller_instead_of_cutting_them(tmp_path):
    """The A4 sheet cut the village to 12 characters and ran a long name over the card's edge."""
    import subprocess

    from shop.households.cards import CARD_W, cards_pdf

    font = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
    card = Card(VILLAGE_17, "0018", LONG_HEAD, "第三村民小组", dt.date(2026, 12, 4), 3, "JF1X")
    pdf = tmp_path / "cards.pdf"
    pdf.write_bytes(cards_pdf([card], font_path=font))
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = "".join(text.split())
    assert VILLAGE_17 in flat  # all 17 Hanzi, not the first 12
    assert LONG_HEAD.replace(" ", "") in flat.replace("户主", "", 1) or all(
        ch in flat for ch in LONG_HEAD
    )
    boxes = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    import re

    right_edges = [float(m) * 25.4 / 72 for m in re.findall(r'xMax="([0-9.]+)"', boxes)]
    left_card_edge = (210 - 2 * CARD_W) / 3 + CARD_W
    assert max(right_edges) <= left_card_edge + 0.5  # nothing runs past the card's edge


def test_a_slip_that_cannot_be_drawn_fails_without_blaming_the_paper(tcp_stub):
    """A QR too big for 58 mm paper: nothing reaches the printer, and the message does not send
    staff to check paper that is fine."""
    from hardware.printing import PrinterError
    from shop.paper import QR

    class HugeQR:
        def layout(self, columns):
            return Layout(columns, (Text("卡"), QR("JF1" + "X" * 600, module_mm=2)), "huge")

    stub = tcp_stub()
    with pytest.raises(PrinterError) as caught:
        print_job(PrinterConfig.parse(stub.url), HugeQR())
    assert caught.value.code == "printer_failed"
    assert "纸" not in caught.value.message("zh") and "没有打印" in caught.value.message("zh")
    assert stub.jobs == []  # rendering comes before the printer is opened


def test_a_wrapped_title_is_split_evenly_not_leaving_one_hanzi_alone():
    card = Card(VILLAGE_17, "1", "张三", "三组", dt.date(2026, 1, 1), 1, "JF1X").layout(32)
    receipt = make_receipt(shop_name=VILLAGE_17 + "积分超市").layout(32)
    for layout in (card, receipt):
        title = [row.left.strip() for row in layout.rows if getattr(row, "tall", False)]
        assert len(title) == 2
        assert abs(display_width(title[0]) - display_width(title[1])) <= 2


def test_picture_mode_draws_every_hanzi_line_but_keeps_ascii_as_text():
    """Picture mode is for printers without a Chinese font: no Hanzi byte reaches them; rules and
    ASCII they print themselves, and each drawn line is its glyph band with the rest fed, so a
    58 mm receipt went from 30 KB to about 22 KB (31 s to 23 s at 9600 baud)."""
    config = PrinterConfig.parse("dummy", mode="picture")
    receipt = make_receipt(reprint_count=1)
    data = render_escpos(receipt.layout(32), config)
    paper = read_escpos(data, "gb18030")
    assert paper.hanzi_segments == []
    assert "-" * 32 in paper.lines
    assert all(line.isascii() for line in paper.lines)
    assert len(data) < 24_000
    drawn = [image for image in paper.images if image.shape[0] in (24, 30, 48, 60)]
    assert len(drawn) >= 10 and any(image.shape[0] == 24 for image in drawn)
