"""Passbook card QR codes big enough for a webcam: >= 1 mm a module, a 4-module quiet zone, on
the thermal card and on the A4 sheet (issue 13, item 11).

Both are measured on what is printed, not on the picture the code starts from: the thermal
card's real python-escpos bytes are read back and laid out on a strip of paper as the printer
would (its printable width, the alignment the job sets, the paper it feeds), the A4 sheet is the
real PDF rasterised by poppler at 300 dpi. The code is then read back from that paper, with no
white added around it.
"""

from __future__ import annotations

import datetime as dt
import subprocess

import numpy as np
import pytest
import zxingcpp
from PIL import Image

from hardware.escpos_cjk import DOTS_PER_MM
from hardware.printing import PrinterConfig, close_printer, open_printer, to_escpos
from hardware.printing.render import render_escpos
from shop.households import cards
from shop.households.codes import new_code

from .conftest import read_escpos

CJK_FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
DPI = 300
SYMBOL_MODULES = 25  # a passbook code is a version-2 QR


def _card(code: str) -> cards.Card:
    return cards.Card("幸福村", "01-002", "谢秀英", "第一村民小组", dt.date(2026, 12, 3), 3, code)


def _read(paper: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """The QR codes zxing reads on the paper as it is: (text, the symbol's four corners)."""
    found = []
    for r in zxingcpp.read_barcodes(paper, formats=zxingcpp.BarcodeFormat.QRCode):
        if r.valid:
            p = r.position
            corners = [p.top_left, p.top_right, p.bottom_right, p.bottom_left]
            found.append((r.text, np.array([(c.x, c.y) for c in corners], float)))
    return found


def _module_and_quiet(paper: np.ndarray, corners: np.ndarray) -> tuple[float, float]:
    """(module size in pixels, the narrowest white margin around the symbol, in modules).

    The symbol's side comes from zxing's corners (the outer edge of the finder patterns); the
    margin is how far the paper stays white (no dark pixel) outward from each side of it.
    """
    x0, y0 = np.floor(corners.min(axis=0)).astype(int)
    x1, y1 = np.ceil(corners.max(axis=0)).astype(int)  # zxing's far corners lie just outside
    module = ((x1 - x0) + (y1 - y0)) / 2 / SYMBOL_MODULES
    dark = paper < 128
    rows, cols = slice(y0, y1), slice(x0, x1)

    def white_run(lines) -> int:
        run = 0
        for line in lines:
            if line.any():
                break
            run += 1
        return run

    margins = [
        white_run(dark[y, cols] for y in range(y0 - 1, -1, -1)),  # above
        white_run(dark[y, cols] for y in range(y1, paper.shape[0])),  # below
        white_run(dark[rows, x] for x in range(x0 - 1, -1, -1)),  # left
        white_run(dark[rows, x] for x in range(x1, paper.shape[1])),  # right
    ]
    return module, min(margins) / module


def _thermal_paper(data: bytes, config: PrinterConfig) -> tuple[np.ndarray, int]:
    """The card's QR on a strip of paper as the printer lays it: its printable width, the
    raster placed as the job's alignment (ESC a) says, the paper fed above and below it.

    Returns the strip (255 = white) and the raster's index among the job's items.
    """
    paper = read_escpos(data, config.charset)
    rasters = [n for n, item in enumerate(paper.items) if not isinstance(item, str)]
    qr_items = [n for n in rasters if _read(np.pad(paper.items[n], 40, constant_values=255))]
    assert len(qr_items) == 1, "the card carries its code as one QR picture"
    item = qr_items[0]
    image = paper.items[item]
    # Which alignment is in force where the raster starts: the last ESC a before it.
    starts = [i for i in range(len(data)) if data.startswith(b"\x1dv0", i)]
    start = starts[rasters.index(item)]
    align = data[data.rfind(b"\x1ba", 0, start) + 2]
    above, below = paper.white_around(item)
    height, width = image.shape
    strip = np.full((above + height + below, config.dots), 255, np.uint8)
    left = {0: 0, 1: (config.dots - width) // 2, 2: config.dots - width}[align]
    strip[above : above + height, left : left + width] = image
    return strip, item


@pytest.mark.parametrize("width_mm", [58, 80])
def test_the_thermal_card_prints_its_qr_at_a_millimetre_a_module_with_a_quiet_zone(width_mm):
    code = new_code()
    config = PrinterConfig.parse("dummy", width_mm=width_mm)
    printer = open_printer(config)
    try:
        to_escpos(printer, _card(code).layout(config.columns), config)
        data = printer.output
    finally:
        close_printer(printer)
    strip, _item = _thermal_paper(data, config)
    found = _read(strip)
    assert [text for text, _ in found] == [code], "the printed card reads back as its code"
    module, quiet = _module_and_quiet(strip, found[0][1])
    assert module / DOTS_PER_MM >= 1.0, f"{module / DOTS_PER_MM:.3f} mm a module"
    assert quiet >= 4, f"{quiet:.1f} modules of white around the code"


def test_the_thermal_card_in_native_qr_mode_asks_the_printer_for_a_millimetre_a_module():
    """With ?qr=native the printer draws the code itself: the job sets its module size (GS ( k,
    function 167) to 8 dots, 1 mm, and feeds 4 modules of paper above and below."""
    code = new_code()
    config = PrinterConfig.parse("tcp://127.0.0.1:9?qr=native", width_mm=58)
    data = render_escpos(_card(code).layout(config.columns), config)  # the job's bytes, unsent
    size_command = b"\x1d(k\x03\x001C"  # GS ( k pL pH cn=49 fn=67 n: module size in dots
    at = data.find(size_command)
    assert at >= 0, "the job sets the QR's module size"
    assert data[at + len(size_command)] / DOTS_PER_MM >= 1.0
    assert code.encode() in data
    feed = b"\x1bJ" + bytes([4 * 8])
    assert data.count(feed) >= 2, "4 modules of paper fed above and below the code"


def test_the_a4_card_prints_its_qr_at_a_millimetre_a_module_with_a_quiet_zone(tmp_path):
    code = new_code()
    pdf = tmp_path / "cards.pdf"
    pdf.write_bytes(cards.cards_pdf([_card(code)], font_path=CJK_FONT))
    subprocess.run(
        ["pdftoppm", "-r", str(DPI), "-gray", "-png", str(pdf), str(tmp_path / "sheet")],
        check=True,
        timeout=60,
    )
    (png,) = sorted(tmp_path.glob("sheet*.png"))
    page = np.asarray(Image.open(png).convert("L"))
    found = _read(page)
    assert [text for text, _ in found] == [code], "the printed sheet reads back as its code"
    module, quiet = _module_and_quiet(page, found[0][1])
    mm = module * 25.4 / DPI
    assert mm >= 1.0, f"{mm:.3f} mm a module"
    assert quiet >= 4, f"{quiet:.1f} modules of white around the code"
