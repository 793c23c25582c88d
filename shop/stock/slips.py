"""Paper for the stock work: the day-close slip (日结单) and the receiving slip (入库单) for the
thermal printer, and the same slips as PDF on A4.

The slips are paper documents (``layout(columns)``, see shop/paper/): pure layout, no I/O, so the
kiosk prints them with ``hardware.printing.print_job`` and the screen shows them with ``to_html``.
The PDF is the same slip laid out 80 columns wide on A4 in the CJK monospace face, so paper,
screen and file say the same thing. Their words are marked for the catalogues and read in the
slip's language (shop.words.in_language).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from shop import clock
from shop.paper import QR, Layout, Rule, Text, clean_text, display_width, wrap
from shop.words import N_, in_language, translator

DEFAULT_FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
MONO_IN_TTC = 1  # WenQuanYi Zen Hei Mono: every Hanzi exactly two Latin widths
DAY_CLOSE_QR_PREFIX = "JD1"

_L = {
    "title": N_("日结单"),
    "date": N_("日期："),
    "kiosk": N_("终端："),
    "clerk": N_("会计："),
    "closed_at": N_("日结时间："),
    "range": N_("小票号："),
    "to": N_(" 至 "),
    "none": N_("无"),
    "issued": N_("开出小票"),
    "issued_voided": N_("其中已作废"),
    "voids": N_("记入本日的作废"),
    "reprinted": N_("重打印次数"),
    "never_printed": N_("未打印小票"),
    "gaps": N_("缺号："),
    "missing": N_("缺号张数"),
    "redeemed": N_("兑出积分"),
    "returned": N_("作废退回积分"),
    "net": N_("净兑积分"),
    "goods": N_("商品出库（出/退/净）"),
    "stocktake": N_("盘点 #{id}（账/盘/差）"),
    "void_list": N_("作废明细"),
    "moved": N_("原单已日结，记入本日"),
    "chain": N_("账本链头："),
    "sign": N_("会计签字："),
    "n_receipts": N_("{n}张"),
    "n_points": N_("{n}分"),
    "receiver_sign": N_("经手人签字："),
    "receiving": N_("入库单"),
    "doc_no": N_("单号："),
    "source": N_("来源："),
    "value": N_("价值："),
    "received_by": N_("经手："),
    "memo": N_("备注："),
    "lines": N_("品名 / 数量（入库后库存）"),
}
SOURCE_NAMES = {"budget": N_("区财政预算"), "partner": N_("村企结对"), "donation": N_("捐赠")}


class _Rows:
    """Rows wrapped to the paper width (the same rules as shop.paper's receipts)."""

    def __init__(self, columns: int) -> None:
        self.columns = columns
        self.rows: list = []

    def title(self, text: str) -> None:
        for line in wrap(text, self.columns):
            self.rows.append(Text(line, align="center", bold=True, tall=True))

    def text(self, text: str, *, align: str = "left", bold: bool = False) -> None:
        for line in wrap(clean_text(text), self.columns):
            self.rows.append(Text(line, align=align, bold=bold))

    def pair(self, left: str, right: str, *, bold: bool = False) -> None:
        left, right = clean_text(left), clean_text(right)
        if display_width(left) + 1 + display_width(right) <= self.columns:
            self.rows.append(Text(left, right, bold=bold))
        else:
            self.text(left, bold=bold)
            self.text(right, align="right", bold=bold)

    def rule(self) -> None:
        self.rows.append(Rule("-"))

    def build(self, slug: str) -> Layout:
        return Layout(self.columns, tuple(self.rows), slug)


def _number_ranges(numbers: list[str]) -> list[tuple[str, str]]:
    """K01-000003, K01-000004, K01-000005, K01-000009 -> (…03, …05), (…09, …09)."""
    out: list[list] = []
    for number in numbers:
        prefix, _, digits = number.rpartition("-")
        n = int(digits) if digits.isdigit() else None
        last = out[-1] if out else None
        if last and n is not None and last[2] == prefix and last[3] == n - 1:
            last[1], last[3] = number, n
        else:
            out.append([number, number, prefix, n])
    return [(first, last) for first, last, _, _ in out]


@dataclass(frozen=True)
class DayCloseSlip:
    """The day close (日结单) for the thermal printer, from the frozen report."""

    report: dict
    lang: str = "zh"

    @property
    def slug(self) -> str:
        return f"dayclose-{self.report['kiosk']['code']}-{self.report['date']}"

    @property
    def qr_payload(self) -> str:
        chain = self.report.get("chain") or {}
        return (
            f"{DAY_CLOSE_QR_PREFIX}:{self.report['kiosk']['code']}:{self.report['date']}:"
            f"{chain.get('seq', 0)}:{(chain.get('hash') or '')[:16]}"
        )

    def layout(self, columns: int) -> Layout:
        t = in_language(_L, self.lang)
        r = self.report
        pts = t["n_points"].format
        sheets = t["n_receipts"].format
        b = _Rows(columns)
        b.title(r["village"]["name"])
        b.title(t["title"])
        b.rule()
        b.text(f"{t['date']}{r['date']}")
        b.text(f"{t['kiosk']}{r['kiosk']['name']} ({r['kiosk']['code']})")
        b.text(f"{t['clerk']}{r.get('clerk') or '-'}")
        closed_at = _closed_at_local(r)
        if closed_at is not None:
            b.text(f"{t['closed_at']}{closed_at:%Y-%m-%d %H:%M}")
        b.rule()
        rc = r["receipts"]
        if rc["first"]:
            b.text(f"{t['range']}{rc['first']}{t['to']}{rc['last']}")
        else:
            b.text(f"{t['range']}{t['none']}")
        b.pair(t["issued"], sheets(n=rc["issued"]))
        b.pair(t["issued_voided"], sheets(n=rc["issued_then_voided"]))
        b.pair(t["voids"], sheets(n=len(r["voids"])))
        b.pair(t["reprinted"], str(rc["reprinted"]))
        b.pair(t["never_printed"], sheets(n=len(rc["never_printed"])))
        for first, last in _number_ranges(rc["never_printed"]):
            b.text(f"  {first}" + ("" if first == last else f"{t['to']}{last}"))
        b.pair(t["missing"], str(rc["missing"]), bold=bool(rc["missing"]))
        if rc["gaps"]:
            for first, last in rc["gaps"]:
                b.text(f"{t['gaps']}{first}" + ("" if first == last else f"{t['to']}{last}"))
        b.rule()
        b.pair(t["redeemed"], pts(n=r["points"]["redeemed"]))
        b.pair(t["returned"], pts(n=r["points"]["returned"]))
        b.pair(t["net"], pts(n=r["points"]["net"]), bold=True)
        if r["goods"]:
            b.rule()
            b.text(t["goods"])
            for g in r["goods"]:
                b.pair(f"{g['name']}", f"{g['out']}/{g['returned']}/{g['net']} {g['unit']}")
        for take in r["stocktakes"]:
            b.rule()
            b.text(t["stocktake"].format(id=take["id"]))
            for line in take["lines"]:
                b.pair(
                    line["name"],
                    f"{line['expected']}/{line['counted']}/{line['difference']:+d}",
                )
        if r["voids"]:
            b.rule()
            b.text(t["void_list"])
            for v in r["voids"]:
                b.pair(f"{v['receipt_no']} ({v['issued_on']})", pts(n=-v["points"]))
                if v["reason"]:
                    b.text(f"  {v['reason']}")
                if v["moved_from_closed_day"]:
                    b.text(f"  {t['moved']}")
        chain = r.get("chain")
        if chain:
            b.rule()
            b.text(f"{t['chain']}#{chain['seq']}")
            b.text(chain["hash"])
            b.rows.append(QR(self.qr_payload))
        b.rule()
        b.text(f"{t['sign']}")
        b.text("")
        b.text("_" * min(columns, 24))
        return b.build(self.slug)


@dataclass(frozen=True)
class ReceivingSlip:
    """The receiving document (入库单), for the volunteer to sign and file."""

    village_name: str
    doc_no: str
    created_at: str  # local time, already formatted
    source_kind: str
    source_name: str
    value_fen: int
    received_by: str
    lines: tuple[tuple[str, int, str, int], ...] = field(default=())  # name, qty, unit, after
    memo: str = ""
    lang: str = "zh"

    @property
    def slug(self) -> str:
        return f"receiving-{self.doc_no}"

    def layout(self, columns: int) -> Layout:
        t = in_language(_L, self.lang)
        b = _Rows(columns)
        b.title(self.village_name)
        b.title(t["receiving"])
        b.rule()
        b.text(f"{t['doc_no']}{self.doc_no}")
        b.text(self.created_at)
        source = translator(self.lang)(SOURCE_NAMES[self.source_kind])
        b.text(f"{t['source']}{source}" + (f" · {self.source_name}" if self.source_name else ""))
        b.text(f"{t['value']}¥{self.value_fen / 100:,.2f}")
        b.text(f"{t['received_by']}{self.received_by}")
        if self.memo:
            b.text(f"{t['memo']}{self.memo}")
        b.rule()
        b.text(t["lines"])
        for name, qty, unit, after in self.lines:
            b.pair(name, f"{qty}{unit} ({after})")
        b.rule()
        b.text(t["receiver_sign"])
        b.text("")
        b.text("_" * min(columns, 24))
        return b.build(self.slug)


# --- files ---------------------------------------------------------------------------------------


def layout_pdf(layouts: Iterable[Layout], font_path: str | None = None) -> bytes:
    """Laid-out documents on A4, one per page, in the CJK monospace face."""
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_font("cjkmono", "", font_path or DEFAULT_FONT, collection_font_number=MONO_IN_TTC)
    for layout in layouts:
        pdf.add_page()
        # 186 mm of text across the layout's columns; a column is half an em (1 pt = 0.3528 mm).
        size = min(11.0, 186 / layout.columns * 2 / 0.3528)
        pdf.set_font("cjkmono", size=size)
        height = size * 0.3528 * 1.45
        for row in layout.rows:
            if isinstance(row, QR):
                _qr_image(pdf, row.payload)
                continue
            pdf.cell(0, height, row.render(layout.columns), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _qr_image(pdf, payload: str, size_mm: float = 32) -> None:
    """A QR code drawn as a picture (scannable from the paper), on its own lines."""
    import qrcode

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2, box_size=6)
    qr.add_data(payload)
    qr.make(fit=True)
    if pdf.get_y() + size_mm > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.image(qr.make_image().get_image(), x=pdf.l_margin, y=pdf.get_y(), w=size_mm, h=size_mm)
    pdf.set_y(pdf.get_y() + size_mm + 1)


def day_close_pdf(report: dict, *, lang: str = "zh", font_path: str | None = None) -> bytes:
    return layout_pdf([DayCloseSlip(report, lang).layout(80)], font_path)


def receiving_pdf(slip: ReceivingSlip, font_path: str | None = None) -> bytes:
    return layout_pdf([slip.layout(80)], font_path)


def _closed_at_local(report: dict):
    """The close's moment on the village's clock (the report names its zone)."""
    if not report.get("closed_at"):
        return None
    moment = dt.datetime.fromisoformat(report["closed_at"])
    return clock.local(moment, clock.named(report.get("timezone"))).replace(tzinfo=None)
