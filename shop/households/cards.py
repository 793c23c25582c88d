"""Passbook cards (积分存折卡): an A4 sheet of cards to cut out, or one card on receipt paper.

A passbook's code exists in clear only when it is issued (the database keeps its hash), so cards
are made right after issue or reissue from the codes that call returned, and never stored.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import qrcode
from qrcode.constants import ERROR_CORRECT_M

from shop.paper import QR, Layout, Text
from shop.paper import Rule as PaperRule

# Credit-card size, 2 across and 5 down on A4 with room to cut.
CARD_W, CARD_H = 85.6, 54.0
COLS, ROWS = 2, 5
MARGIN_X, MARGIN_Y = (210 - COLS * CARD_W) / 3, (297 - ROWS * CARD_H) / 6
# The QR on every card: at least 1 mm a module with a 4-module quiet zone, so a 640x480 webcam
# at 15-20 cm sees 3-4 pixels a module (0.625 mm was too small to aim). A passbook code is a
# version-2 QR: 25 modules, 33 with the quiet zone, so 38 mm on the A4 card is 1.15 mm a module.
CARD_MODULE_MM = 1.0
QUIET_MODULES = 4
A4_QR_MM = 38


@dataclass(frozen=True)
class Card:
    village: str
    household_no: str
    head_name: str
    group_name: str
    issued_on: dt.date
    serial: int
    code: str
    # The household's phone page link (its query code, 查询码), printed as a second, smaller QR
    # marked 手机查询: it opens the phone page and can never redeem.
    phone_link: str = ""

    @property
    def slug(self) -> str:
        return f"passbook-{self.household_no}-{self.serial}"

    def layout(self, columns: int) -> Layout:
        """The card on receipt paper (hardware.printing.print_job)."""
        rows = [
            Text(self.village, align="center", bold=True, tall=True),
            Text("积分存折", align="center"),
            PaperRule(),
            QR(self.code, module_mm=CARD_MODULE_MM),
            Text(f"户号：{self.household_no}"),
            Text(f"户主：{self.head_name}"),
            Text(f"发放：{self.issued_on:%Y-%m-%d}  No.{self.serial}"),
            PaperRule(),
            *(
                (Text("手机查询（不能兑换）", align="center"), QR(self.phone_link), PaperRule())
                if self.phone_link
                else ()
            ),
            Text("请妥善保管，遗失请到村委会补办", align="center")
            if columns >= 32
            else Text("遗失请补办", align="center"),
        ]
        return Layout(columns, tuple(rows), self.slug)


PHONE_QR_MM = 17  # the phone link's QR: a phone's camera reads 0.5 mm modules easily


def qr_png(code: str) -> io.BytesIO:
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=8, border=QUIET_MODULES)
    qr.add_data(code)
    qr.make(fit=True)
    out = io.BytesIO()
    qr.make_image(fill_color="black", back_color="white").save(out, format="PNG")
    out.seek(0)
    return out


def _shrunk_cell(pdf, width: float, height: float, text: str, size: float) -> None:
    """One line of the card in at most ``width`` mm: a long village or head's name is set
    smaller (down to 5 pt), never cut off or run over the card's edge; past that it wraps."""
    while size > 5 and _text_width(pdf, text, size) > width:
        size -= 0.5
    pdf.set_font("cjk", size=size)
    if pdf.get_string_width(text) <= width:
        pdf.cell(width, height, text)
    else:
        x = pdf.get_x()
        pdf.multi_cell(width, height / 2, text)
        pdf.set_x(x)


def _text_width(pdf, text: str, size: float) -> float:
    pdf.set_font("cjk", size=size)
    return pdf.get_string_width(text)


def cards_pdf(cards: list[Card], *, font_path: str) -> bytes:
    """An A4 PDF with 10 cards a page: QR, village, household number, head's name, date, serial."""
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    pdf.add_font("cjk", "", font_path)
    pdf.set_title("积分存折卡")
    per_page = COLS * ROWS
    for i, card in enumerate(cards):
        if i % per_page == 0:
            pdf.add_page()
        slot = i % per_page
        x = MARGIN_X + (slot % COLS) * (CARD_W + MARGIN_X)
        y = MARGIN_Y + (slot // COLS) * (CARD_H + MARGIN_Y)
        pdf.set_draw_color(150, 150, 150)
        pdf.set_line_width(0.2)
        pdf.rect(x, y, CARD_W, CARD_H, round_corners=True, corner_radius=3)
        pdf.image(qr_png(card.code), x=x + 3, y=y + 8, w=A4_QR_MM, h=A4_QR_MM)
        tx = x + 44
        text_w = CARD_W - 46
        pdf.set_xy(tx, y + 5)
        _shrunk_cell(pdf, text_w, 6, card.village, 12)
        pdf.set_font("cjk", size=9)
        pdf.set_xy(tx, y + 11)
        pdf.cell(text_w, 5, "积分存折")
        for n, text in enumerate(
            (
                f"户号 {card.household_no}",
                f"户主 {card.head_name}",
                card.group_name,
                f"发放 {card.issued_on:%Y-%m-%d}",
                f"No. {card.serial}",
            )
        ):
            pdf.set_xy(tx, y + 18 + n * 6)
            # The phone QR takes the card's lower right corner: the lines beside it are narrower.
            beside = card.phone_link and n >= 2
            _shrunk_cell(pdf, text_w - PHONE_QR_MM - 1 if beside else text_w, 6, text, 11)
        if card.phone_link:
            qx, qy = x + CARD_W - PHONE_QR_MM - 2, y + CARD_H - PHONE_QR_MM - 5
            pdf.image(qr_png(card.phone_link), x=qx, y=qy, w=PHONE_QR_MM, h=PHONE_QR_MM)
            pdf.set_font("cjk", size=5)
            pdf.set_xy(qx - 2, qy + PHONE_QR_MM)
            pdf.cell(PHONE_QR_MM + 4, 3, "手机查询 不能兑换", align="C")
        pdf.set_font("cjk", size=6)
        pdf.set_xy(x + 3, y + 47)
        pdf.cell(38, 4, card.code, align="C")
    out = io.BytesIO()
    pdf.output(out)
    return out.getvalue()
