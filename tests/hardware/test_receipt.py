"""The receipt model: layout, masking, marks, and the bytes it becomes (read back, not mocked)."""

from __future__ import annotations

import base64
import html
import io
import re
from datetime import date, datetime

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from hardware.printing import (
    PrinterConfig,
    close_printer,
    open_printer,
    preview_of,
    render_escpos,
    to_escpos,
    to_html,
)
from kiosk.printing import print_test_page
from shop.paper import (
    ReceiptLine,
    StatementRow,
    StatementSlip,
    TestPage,
    display_width,
    format_datetime,
    mask_name,
    wrap,
)
from tests.hardware.conftest import CST, decode_qr, make_receipt, read_escpos

LONG_NAME = "村企共建捐赠超浓缩薰衣草香型洗衣液家庭装大瓶特惠组合" * 2
MIXED_NAME = (
    "Super Long English Product Name 超级长的中文名字 mixed 1234567890123456789012345678901234"
)
ONE_WORD = "X" * 80


def printed(document, width_mm: int = 58, charset: str = "gb18030", **options):
    """Print on python-escpos's Dummy printer; return (config, layout, bytes)."""
    config = PrinterConfig.parse("dummy", width_mm=width_mm, charset=charset, **options)
    layout = document.layout(config.columns)
    printer = open_printer(config)
    try:
        to_escpos(printer, layout, config)
        data = printer.output
    finally:
        close_printer(printer)
    return config, layout, data


def long_receipt(**overrides):
    fields = dict(
        shop_name="江西省赣州市南康区某某镇某某村乡村治理积分兑换超市（第一分店）",
        kiosk_name="一号机 Kiosk-01 村委会大厅入口左侧",
        household_no="第三村民小组-0000000018",
        head_name="欧阳娜娜",
        lines=[
            ReceiptLine(LONG_NAME, 12, "瓶", 1234, 14808),
            ReceiptLine(MIXED_NAME, 1, "pcs", 5, 5),
            ReceiptLine(ONE_WORD, 3, "个", 99999, 299997),
        ],
        total=314810,
        balance_after=1_000_000_000,
        verify_code="0123456789ab",
        reprint_count=12,
        is_void=True,
        void_reason="顾客误选商品，经村委会监督小组同意后作废并退回全部积分 " * 2,
    )
    fields.update(overrides)
    return make_receipt(**fields)


# --- names and dates -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三丰", "张*丰"),
        ("张三", "张*"),
        ("欧阳娜娜", "欧**娜"),
        ("张", "张"),
        ("买买提·艾力", "买**·*力"),
        ("John Smith", "J*** S****"),
        ("Li", "L*"),
        ("", ""),
    ],
)
def test_head_name_is_masked(name, masked):
    assert mask_name(name) == masked


def test_receipt_never_prints_the_full_head_name(receipt):
    config, layout, data = printed(receipt)
    paper = read_escpos(data, config.charset)
    assert any("张*丰" in line for line in paper.lines)
    assert not any("张三丰" in line for line in paper.lines + paper.hanzi_segments)
    assert "张三丰" not in to_html(layout)


def test_dates_are_written_the_way_chinese_shops_write_them():
    moment = datetime(2026, 11, 23, 14, 5, tzinfo=CST)
    assert format_datetime(moment, "zh") == "2026年11月23日 14:05"
    assert format_datetime(moment, "en") == "2026-11-23 14:05"


def test_receipt_requires_an_aware_time():
    with pytest.raises(ValueError, match="timezone-aware"):
        make_receipt(printed_at=datetime(2026, 11, 23, 14, 5))


def test_receipt_number_with_a_colon_is_refused_because_the_qr_uses_colons():
    with pytest.raises(ValueError):
        make_receipt(receipt_no="K1:7")


# --- bytes on paper ------------------------------------------------------------------------------


def test_chinese_lines_decode_back_from_the_hanzi_mode_segments(receipt):
    config, layout, data = printed(receipt)
    paper = read_escpos(data, config.charset)

    assert paper.lines == layout.text_lines()  # every line printed as text, in order
    non_ascii = [line for line in layout.text_lines() if not line.isascii()]
    assert paper.hanzi_segments == non_ascii
    for expected in ("兑换小票", "时间：2026年11月23日 14:05", "户号：0012  户主：张*丰"):
        assert expected in paper.hanzi_texts
    assert re.search(r"^合计 +87分$", "\n".join(paper.lines), re.M)
    assert re.search(r"^余额 +313分$", "\n".join(paper.lines), re.M)
    assert re.search(r"^校验码 +a1b2c3d4e5$", "\n".join(paper.lines), re.M)


def test_the_qr_image_in_the_bytes_decodes_to_the_receipt_number_and_verify_code(receipt):
    config, _, data = printed(receipt)
    paper = read_escpos(data, config.charset)

    assert receipt.qr_payload == "JR1:K1-000123:a1b2c3d4e5"
    assert len(paper.images) == 1
    assert paper.images[0].shape[1] <= config.dots
    assert decode_qr(paper.images[0]) == [receipt.qr_payload]


def test_receipt_ends_with_a_cut_or_with_a_feed_when_there_is_no_cutter(receipt):
    assert read_escpos(printed(receipt)[2], "gb18030").cuts == 1
    _, _, data = printed(receipt, can_cut=False)
    assert read_escpos(data, "gb18030").cuts == 0
    assert data.endswith(b"\x1bd\x04")


@pytest.mark.parametrize(("width_mm", "columns"), [(58, 32), (80, 48)])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_printed_line_is_wider_than_the_paper(width_mm, columns, lang):
    documents = [
        make_receipt(lang=lang),
        long_receipt(lang=lang),
        long_receipt(lang=lang, shop_name=ONE_WORD, head_name="Alexander Maximilian Smith"),
        StatementSlip(
            shop_name=LONG_NAME,
            household_no="0012",
            head_name="张三丰",
            rows=[
                StatementRow(date(2026, 10, 2), "垃圾分类 积美 环境整治 门前三包 " * 3, 10, 123456),
                StatementRow(date(2026, 11, 23), MIXED_NAME, -999999, 0),
            ],
            printed_at=datetime(2026, 11, 23, 14, 5, tzinfo=CST),
            lang=lang,
        ),
        TestPage(printed_at=datetime(2026, 11, 23, 14, 5, tzinfo=CST), printer_url=ONE_WORD),
    ]
    for document in documents:
        config, layout, data = printed(document, width_mm=width_mm)
        assert config.columns == columns
        paper = read_escpos(data, config.charset)
        assert paper.lines, "nothing printed as text"
        for line in layout.text_lines() + paper.lines:
            assert display_width(line) <= columns, line
        for image in paper.images:
            assert image.shape[1] <= config.dots


def test_long_names_wrap_instead_of_being_cut_off():
    receipt = long_receipt(is_void=False, reprint_count=0)
    layout = receipt.layout(32)
    joined = "".join(layout.text_lines()).replace(" ", "")
    assert LONG_NAME.replace(" ", "") in joined
    assert ONE_WORD in joined
    assert "14808分" in joined and "299997分" in joined


@given(st.text(alphabet=st.sampled_from("积分超市洗衣液ab cdXYZ0123 ,.-（）￥"), max_size=120))
def test_wrapping_keeps_every_character_and_fits(text):
    lines = wrap(text, 32)
    assert all(display_width(line) <= 32 for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_a_character_outside_gb2312_sends_its_line_as_a_picture():
    receipt = make_receipt(lines=[ReceiptLine("堃牌洗衣液", 1, "瓶", 30, 30)], total=30)

    config, layout, data = printed(receipt, charset="gb2312")
    paper = read_escpos(data, "gb2312")
    assert not any("堃" in segment for segment in paper.hanzi_segments)
    assert "兑换小票" in paper.hanzi_texts  # the other lines stay text
    assert len(paper.images) == 2  # the product line and the QR
    line_image = paper.images[0]
    # no blank raster: the picture stops after its last character, on a byte boundary
    assert line_image.shape[1] == -(-display_width("堃牌洗衣液") * 12 // 8) * 8
    inked_columns = np.nonzero((line_image < 128).any(axis=0))[0]
    assert inked_columns.max() < display_width("堃牌洗衣液") * 12  # drawn in the column grid
    row_index = next(i for i, row in enumerate(layout.rows) if "堃" in getattr(row, "left", ""))
    assert paper.items[row_index] is line_image  # in its place among the text lines

    config, layout, data = printed(receipt, charset="gb18030")
    paper = read_escpos(data, "gb18030")
    assert "堃牌洗衣液" in paper.hanzi_segments
    assert len(paper.images) == 1  # only the QR


def test_characters_no_printer_font_has_are_drawn_even_in_gb18030():
    receipt = make_receipt(lines=[ReceiptLine("礼品😀 䶮", 1, "份", 1, 1)], total=1)
    config, _, data = printed(receipt, charset="gb18030")
    paper = read_escpos(data, config.charset)
    assert not any("😀" in s or "䶮" in s for s in paper.hanzi_segments)
    assert len(paper.images) == 2


def test_control_characters_in_names_never_reach_the_printer_as_commands():
    receipt = make_receipt(lines=[ReceiptLine("坏名字\x1b@\x1dV\x00", 1, "个", 1, 1)], total=1)
    _, _, data = printed(receipt)
    assert data.count(b"\x1b@") == 1  # only our own reset at the start
    read_escpos(data, "gb18030")  # and nothing unexpected


def test_layout_and_printer_width_must_agree(receipt):
    config = PrinterConfig.parse("dummy", width_mm=80)
    printer = open_printer(config)
    with pytest.raises(ValueError, match="columns"):
        to_escpos(printer, receipt.layout(32), config)
    close_printer(printer)


# --- reprints and voids --------------------------------------------------------------------------


def test_a_reprint_says_so_with_its_count():
    receipt = make_receipt(reprint_count=2)
    _, _, data = printed(receipt)
    assert "** 重打印（第2次） **" in read_escpos(data, "gb18030").hanzi_texts
    assert receipt.slug == "receipt-K1-000123-r2"

    english = make_receipt(reprint_count=1, lang="en")
    lines = read_escpos(printed(english)[2], "gb18030").lines
    assert "** REPRINT #1 **" in [line.strip() for line in lines]


def test_a_reprint_shows_both_the_redemption_time_and_the_print_time():
    receipt = make_receipt(
        reprint_count=1,
        redeemed_at=datetime(2026, 11, 23, 14, 5, tzinfo=CST),
        printed_at=datetime(2026, 11, 24, 9, 30, tzinfo=CST),
    )
    lines = receipt.layout(32).text_lines()
    assert "时间：2026年11月23日 14:05" in lines
    assert "打印：2026年11月24日 09:30" in lines


def test_an_original_receipt_carries_no_reprint_or_void_mark(receipt):
    text = "\n".join(receipt.layout(32).text_lines())
    assert "重打印" not in text and "作废" not in text


def test_a_void_slip_carries_the_mark_the_reason_and_the_refund():
    receipt = make_receipt(is_void=True, void_reason="顾客选错商品")
    paper = read_escpos(printed(receipt)[2], "gb18030")
    segments = paper.hanzi_texts
    assert "*** 作废 ***" in segments
    assert "作废原因：顾客选错商品" in segments
    assert any(re.fullmatch(r"退回积分 +\+87分", s) for s in segments)
    assert receipt.slug == "void-K1-000123"

    english = make_receipt(is_void=True, void_reason="wrong item", lang="en")
    lines = [line.strip() for line in read_escpos(printed(english)[2], "gb18030").lines]
    assert "*** Void ***" in lines
    assert "Void reason: wrong item" in lines


def test_english_receipt_uses_english_labels_and_points(receipt):
    lines = make_receipt(lang="en").layout(48).text_lines()
    text = "\n".join(lines)
    assert "Time: 2026-11-23 14:05" in lines
    assert re.search(r"^Total +87 pts$", text, re.M)
    assert "合计" not in text


# --- statements and the test page ----------------------------------------------------------------


def test_statement_lists_signed_points_and_running_balance():
    slip = StatementSlip(
        shop_name="示范村积分超市",
        household_no="0012",
        head_name="张三丰",
        rows=[
            StatementRow(date(2026, 11, 2), "垃圾分类", 10, 110),
            StatementRow(date(2026, 11, 23), "兑换 洗衣液", -60, 50),
        ],
        printed_at=datetime(2026, 11, 23, 14, 5, tzinfo=CST),
    )
    config, layout, data = printed(slip)
    lines = read_escpos(data, config.charset).lines
    assert re.search(r"^11-02 垃圾分类 +\+10 +110$", "\n".join(lines), re.M)
    assert re.search(r"^11-23 兑换 洗衣液 +-60 +50$", "\n".join(lines), re.M)
    assert re.search(r"^当前余额 +50分$", "\n".join(lines), re.M)
    assert "户号：0012  户主：张*丰" in lines


def test_test_page_prints_ascii_gbk_gb18030_a_qr_and_a_cut():
    config = PrinterConfig.parse("dummy", charset="gb18030")
    now = datetime(2026, 11, 23, 14, 5, tzinfo=CST)
    result = print_test_page(config, now=now)
    paper = read_escpos(result.data, config.charset)

    assert "ASCII: Kiosk 0123456789 #$%&@" in paper.lines
    assert "GBK: 积分超市 洗衣液 ￥12.50" in paper.hanzi_segments
    assert "GB18030: 堃 喆 犇 镕" in paper.hanzi_segments
    assert paper.cuts == 1
    assert ["JT1:20261123140500"] in [decode_qr(image) for image in paper.images]

    gb2312 = print_test_page(PrinterConfig.parse("dummy", charset="gb2312"), now=now)
    paper = read_escpos(gb2312.data, "gb2312")
    assert not any("堃" in segment for segment in paper.hanzi_segments)
    assert "GBK: 积分超市 洗衣液 ￥12.50" in paper.hanzi_segments  # all of it is in GB2312 too


# --- the screen ---------------------------------------------------------------------------------


def _html_rows(markup: str) -> list[str]:
    rows = re.findall(r'<div class="receipt-row[^"]*">(.*?)</div>', markup)
    return [html.unescape(row) for row in rows]


@pytest.mark.parametrize("columns", [32, 48])
def test_html_preview_shows_the_same_rows_as_the_paper(columns):
    receipt = long_receipt(head_name="<script>alert(1)</script>")
    layout = receipt.layout(columns)
    markup = str(to_html(layout))

    assert _html_rows(markup) == layout.text_lines()
    assert "<script>" not in markup  # names are escaped
    assert 'id="receipt-preview"' in markup
    assert f'data-columns="{columns}"' in markup


def test_html_preview_qr_is_a_local_image_that_decodes_to_the_payload(receipt):
    markup = str(to_html(receipt.layout(32)))
    assert "http" not in markup.split("<style>")[0] + markup.split("</style>")[1]
    src = re.search(r'<img src="data:image/png;base64,([^"]+)"', markup).group(1)
    image = Image.open(io.BytesIO(base64.b64decode(src))).convert("L")
    image = image.resize((image.width * 4, image.height * 4), Image.Resampling.NEAREST)
    assert decode_qr(np.array(image)) == [receipt.qr_payload]


def test_preview_model_matches_the_partial_context(receipt):
    view = preview_of(receipt.layout(32))
    assert view.columns == 32
    assert [row.kind for row in view.rows].count("qr") == 1
    assert view.slug == "receipt-K1-000123"


def test_the_same_layout_gives_the_same_bytes_every_time(receipt):
    config = PrinterConfig.parse("dummy")
    layout = receipt.layout(config.columns)
    assert render_escpos(layout, config) == render_escpos(layout, config)


def test_without_any_cjk_font_unprintable_characters_become_placeholders(monkeypatch):
    import hardware.escpos_cjk

    monkeypatch.setattr(hardware.escpos_cjk, "FALLBACK_FONTS", ())
    receipt = make_receipt(lines=[ReceiptLine("堃牌洗衣液", 1, "瓶", 30, 30)], total=30)
    config, _, data = printed(receipt, charset="gb2312", font_path="/nonexistent/font-a.ttc")
    paper = read_escpos(data, "gb2312")
    assert "□牌洗衣液" in paper.hanzi_texts  # the receipt still prints, columns intact
    assert len(paper.images) == 1  # the QR only


def test_the_cjk_font_is_configurable(monkeypatch):
    import hardware.escpos_cjk

    # No fallbacks: a glyph on paper can only come from the configured font (the one
    # scripts/system-deps.sh installs; the test above shows a missing one prints placeholders).
    monkeypatch.setattr(hardware.escpos_cjk, "FALLBACK_FONTS", ())
    font = hardware.escpos_cjk.DEFAULT_CJK_FONT
    receipt = make_receipt(lines=[ReceiptLine("堃牌洗衣液", 1, "瓶", 30, 30)], total=30)
    _, _, data = printed(receipt, charset="gb2312", font_path=font)
    paper = read_escpos(data, "gb2312")
    assert len(paper.images) == 2  # the line drawn as a picture, then the QR
    assert "□" not in "".join(paper.hanzi_texts)
    assert (paper.images[0] < 128).sum() > 200  # ink: five glyphs drawn


@pytest.mark.parametrize("rare", ["䶮", "㑳"])
def test_a_gb18030_character_printer_fonts_disagree_about_goes_as_a_picture(rare):
    """䶮 is FE9F in GB18030, a code the 2000 and 2005 editions map differently: a printer's own
    font shows a box or another character, so its line is drawn (issue 13, item 5)."""
    receipt = make_receipt(lines=[ReceiptLine(f"{rare}牌香皂", 1, "块", 5, 5)], total=5)
    _config, _layout, data = printed(receipt, charset="gb18030")
    paper = read_escpos(data, "gb18030")
    assert not any(rare in segment for segment in paper.hanzi_segments)
    assert len(paper.images) == 2  # the product line and the QR


def test_rare_characters_come_from_the_font_chain_and_a_missing_one_is_logged(caplog):
    from hardware.escpos_cjk import missing_glyphs

    assert missing_glyphs("𠮷䶮㐀𪚥𫠠堃喆★😀") == []  # CJK Ext A and B, emoji: all drawable
    with caplog.at_level("WARNING"):
        assert missing_glyphs("\U0003134a") == ["\U0003134a"]  # Ext G: no font here has it
        config = PrinterConfig.parse("dummy")
        lines = [ReceiptLine("\U0003134a牌香皂", 1, "块", 5, 5)]
        render_escpos(make_receipt(lines=lines, total=5).layout(32), config)
    assert "U+3134A" in caplog.text


SIX_LINES = [
    ReceiptLine("洗衣液 2kg 薰衣草香型", 1, "瓶", 30, 30),
    ReceiptLine("肥皂", 3, "块", 5, 15),
    ReceiptLine("Colgate 牙膏 120g", 1, "支", 12, 12),
    ReceiptLine("洗发水", 1, "瓶", 25, 25),
    ReceiptLine("食盐", 2, "袋", 3, 6),
    ReceiptLine("扫帚", 1, "把", 10, 10),
]


@pytest.mark.parametrize(("width_mm", "budget"), [(58, 4096), (80, 6144)])
def test_a_receipt_is_small_enough_for_a_slow_serial_printer(width_mm, budget):
    """At 9600 baud a byte takes about a millisecond: an 80 mm receipt was 19.7 KB (20 s), most
    of it a paper-wide QR picture. The QR goes as a tight image of the code (issue 13, item 3)."""
    receipt = make_receipt(lines=SIX_LINES, total=98)
    config = PrinterConfig.parse("dummy", width_mm=width_mm)
    data = render_escpos(receipt.layout(config.columns), config)
    assert len(data) <= budget
    paper = read_escpos(data, config.charset)
    (qr,) = paper.images
    assert decode_qr(qr) == [receipt.qr_payload]
    assert qr.shape[1] < config.dots // 2  # the code itself, no blank canvas around it
    qr_index = next(n for n, item in enumerate(paper.items) if item is qr)
    above, below = paper.white_around(qr_index)
    assert above >= 4 * 5 and below >= 4 * 5  # the quiet zone, fed as paper


def test_the_printers_own_qr_command_when_configured():
    receipt = make_receipt()
    native = PrinterConfig.parse("tcp://127.0.0.1:9?qr=native")
    assert native.native_qr and not PrinterConfig.parse("tcp://127.0.0.1:9").native_qr
    printer = open_printer(PrinterConfig.parse("dummy", width_mm=58))
    try:
        to_escpos(printer, receipt.layout(32), native)
        data = printer.output
    finally:
        close_printer(printer)
    assert b"\x1d(k" in data  # GS ( k: the printer draws the code
    assert len(data) < 1024
