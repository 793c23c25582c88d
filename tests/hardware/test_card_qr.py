"""Passbook card QR codes big enough for a webcam: >= 1 mm a module, a 4-module quiet zone, on
the thermal card (real python-escpos bytes read back) and on the A4 sheet (issue 13, item 11)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from PIL import Image

from hardware.escpos_cjk import DOTS_PER_MM
from hardware.printing import PrinterConfig, close_printer, open_printer, to_escpos
from shop.households import cards
from shop.households.codes import new_code

from .conftest import decode_qr, read_escpos


def _card(code: str) -> cards.Card:
    return cards.Card("幸福村", "01-002", "谢秀英", "第一村民小组", dt.date(2026, 12, 3), 3, code)


def _geometry(image: np.ndarray) -> tuple[float, int, int]:
    """(module size in pixels, white rows above the code, white columns left of it).

    The module size comes from the top-left finder pattern: its first dark run is 7 modules.
    """
    dark = image < 128
    rows = np.flatnonzero(dark.any(axis=1))
    cols = np.flatnonzero(dark.any(axis=0))
    top, left = int(rows[0]), int(cols[0])
    run = 0
    while dark[top, left + run]:
        run += 1
    return run / 7, top, left


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
    paper = read_escpos(data, config.charset)
    found = [
        n
        for n, item in enumerate(paper.items)
        if not isinstance(item, str) and decode_qr(item) == [code]
    ]
    assert len(found) == 1, "the card carries its code as one QR picture"
    module, _top, _left = _geometry(paper.items[found[0]])
    assert module / DOTS_PER_MM >= 1.0, f"{module / DOTS_PER_MM:.3f} mm a module"
    # The quiet zone is paper fed above and below the code (ESC J), not blank raster.
    above, below = paper.white_around(found[0])
    assert above >= 4 * module, "4 modules of white above the code"
    assert below >= 4 * module, "4 modules of white below the code"


def test_the_a4_card_prints_its_qr_at_a_millimetre_a_module_with_a_quiet_zone():
    code = new_code()
    png = Image.open(cards.qr_png(code)).convert("L")
    image = np.array(png)
    module, top, left = _geometry(image)
    mm_per_pixel = cards.A4_QR_MM / image.shape[1]  # the picture is placed A4_QR_MM wide
    assert module * mm_per_pixel >= 1.0, f"{module * mm_per_pixel:.3f} mm a module"
    assert top >= 4 * module and left >= 4 * module
    assert decode_qr(image) == [code]
