"""Paper and files for the stock work: the day-close slip (日结单) and the receiving slip (入库单)
for the thermal printer, and the day close as PDF, XLSX and CSV.

The slips are paper documents (``layout(columns)``, see shop/paper/): pure
layout, no I/O, so the kiosk prints them with ``hardware.printing.print_job`` and the screen shows
them with ``to_html``. The PDF is the same slip laid out 80 columns wide on A4 in the CJK
monospace face, so paper, screen and file say the same thing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from shop import clock
from shop.paper import QR, Layout, Rule, Text, clean_text, display_width, wrap
from shop.sheets import Column, Sheet, to_csv, to_xlsx
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


_X = {
    "section": N_("分类"),
    "item": N_("项目"),
    "value": N_("数值"),
    "note": N_("说明"),
    "day": N_("日结"),
    "village": N_("村"),
    "kiosk": N_("终端"),
    "date": N_("日期"),
    "clerk": N_("会计"),
    "closed_at": N_("日结时间"),
    "receipts": N_("小票"),
    "first": N_("首张小票号"),
    "last": N_("末张小票号"),
    "issued": N_("开出小票"),
    "issued_then_voided": N_("其中已作废"),
    "voids_booked": N_("记入本日的作废"),
    "reprinted": N_("重打印次数"),
    "never_printed": N_("未打印小票"),
    "missing": N_("缺号张数"),
    "gap": N_("缺号"),
    "gap_from": N_("缺号起"),
    "gap_to": N_("缺号止"),
    "points": N_("积分"),
    "redeemed": N_("兑出积分"),
    "returned": N_("作废退回积分"),
    "net": N_("净兑积分"),
    "goods": N_("商品"),
    "out": N_("出库"),
    "back": N_("退回"),
    "net_out": N_("净出库"),
    "stocktake": N_("盘点"),
    "void": N_("作废"),
    "chain": N_("账本链头"),
    "chain_seq": N_("链头序号"),
    "chain_hash": N_("链头哈希"),
    "moved": N_("原单已日结，记入本日"),
    "tabs": (N_("汇总"), N_("小票"), N_("小票明细"), N_("商品"), N_("作废"), N_("盘点")),
    "receipt_no": N_("小票号"),
    "time": N_("时间"),
    "household": N_("户号"),
    "head": N_("户主"),
    "items": N_("件数"),
    "state": N_("状态"),
    "print": N_("打印"),
    "sku": N_("商品编码"),
    "name": N_("品名"),
    "unit": N_("单位"),
    "qty": N_("数量"),
    "each": N_("单价（积分）"),
    "line_points": N_("积分"),
    "issued_on": N_("原单日期"),
    "reason": N_("原因"),
    "by": N_("经手"),
    "moved_col": N_("原单已日结"),
    "take": N_("盘点号"),
    "books": N_("账面"),
    "counted": N_("实盘"),
    "difference": N_("差异"),
    "yes": N_("是"),
    "states": {"completed": N_("正常"), "voided": N_("已作废")},
    "prints": {
        "pending": N_("未打印"),
        "sent": N_("已发送"),
        "printed": N_("已打印"),
        "failed": N_("打印失败"),
    },
}


def _closed_at_local(report: dict):
    """The close's moment on the village's clock (the report names its zone)."""
    if not report.get("closed_at"):
        return None
    moment = dt.datetime.fromisoformat(report["closed_at"])
    return clock.local(moment, clock.named(report.get("timezone"))).replace(tzinfo=None)


def day_close_summary(report: dict, lang: str = "zh") -> Sheet:
    """The whole report as (分类, 项目, 数值, 说明) rows, one value per cell: the CSV, and the
    XLSX's first sheet."""
    x = in_language(_X, lang)
    r, rc = report, report["receipts"]
    sheet = Sheet(
        x["tabs"][0],
        [Column(x["section"]), Column(x["item"]), Column(x["value"], "any"), Column(x["note"])],
    )
    day, rec, pts = x["day"], x["receipts"], x["points"]
    sheet.add(day, x["village"], r["village"]["name"], r["village"]["code"])
    sheet.add(day, x["kiosk"], r["kiosk"]["name"], r["kiosk"]["code"])
    sheet.add(day, x["date"], dt.date.fromisoformat(r["date"]), r["timezone"])
    sheet.add(day, x["clerk"], r.get("clerk") or "", "")
    sheet.add(day, x["closed_at"], _closed_at_local(r), r["timezone"])
    sheet.add(rec, x["first"], rc["first"] or "", "")
    sheet.add(rec, x["last"], rc["last"] or "", "")
    sheet.add(rec, x["issued"], rc["issued"], "")
    sheet.add(rec, x["issued_then_voided"], rc["issued_then_voided"], "")
    sheet.add(rec, x["voids_booked"], len(r["voids"]), "")
    sheet.add(rec, x["reprinted"], rc["reprinted"], "")
    sheet.add(rec, x["never_printed"], len(rc["never_printed"]), " ".join(rc["never_printed"]))
    sheet.add(rec, x["missing"], rc["missing"], "")
    for first, last in rc["gaps"]:
        sheet.add(x["gap"], x["gap_from"], first, "")
        sheet.add(x["gap"], x["gap_to"], last, "")
    sheet.add(pts, x["redeemed"], r["points"]["redeemed"], "")
    sheet.add(pts, x["returned"], r["points"]["returned"], "")
    sheet.add(pts, x["net"], r["points"]["net"], "")
    for g in r["goods"]:
        label = f"{g['name']}（{g['unit']}）"
        sheet.add(x["goods"], f"{label} {x['out']}", g["out"], g["sku"])
        sheet.add(x["goods"], f"{label} {x['back']}", g["returned"], g["sku"])
        sheet.add(x["goods"], f"{label} {x['net_out']}", g["net"], g["sku"])
    for take in r["stocktakes"]:
        for line in take["lines"]:
            sheet.add(
                f"{x['stocktake']} {take['id']}", line["name"], line["difference"], line["sku"]
            )
    for v in r["voids"]:
        note = f"{v['issued_on']} {v['reason']}".strip()
        if v["moved_from_closed_day"]:
            note += f"（{x['moved']}）"
        sheet.add(x["void"], v["receipt_no"], -v["points"], note)
    chain = r.get("chain")
    if chain:
        sheet.add(x["chain"], x["chain_seq"], chain["seq"], "")
        sheet.add(x["chain"], x["chain_hash"], chain["hash"], "")
    return sheet


def day_close_sheets(report: dict, lang: str = "zh") -> list[Sheet]:
    """汇总 summary, 小票 one row per receipt, 小票明细 one row per receipt line, 商品 goods,
    作废 voids, 盘点 stocktake."""
    x = in_language(_X, lang)
    tabs = x["tabs"]
    receipts = Sheet(
        tabs[1],
        [
            Column(x["receipt_no"]),
            Column(x["time"], "datetime"),
            Column(x["household"]),
            Column(x["head"]),
            Column(x["items"], "int"),
            Column(x["line_points"], "int"),
            Column(x["state"]),
            Column(x["print"]),
        ],
    )
    lines = Sheet(
        tabs[2],
        [
            Column(x["receipt_no"]),
            Column(x["sku"]),
            Column(x["name"]),
            Column(x["unit"]),
            Column(x["qty"], "int"),
            Column(x["each"], "int"),
            Column(x["line_points"], "int"),
        ],
    )
    tz = clock.named(report.get("timezone"))
    for rec in report.get("receipt_list", []):
        at = clock.local(dt.datetime.fromisoformat(rec["at"]), tz).replace(tzinfo=None)
        receipts.add(
            rec["receipt_no"],
            at,
            rec["household"],
            rec["head_name"],
            sum(ln["qty"] for ln in rec["lines"]),
            rec["points"],
            x["states"].get(rec["state"], rec["state"]),
            x["prints"].get(rec["print_state"], rec["print_state"]),
        )
        for ln in rec["lines"]:
            lines.add(
                rec["receipt_no"],
                ln["sku"],
                ln["name"],
                ln["unit"],
                ln["qty"],
                ln["points_each"],
                ln["qty"] * ln["points_each"],
            )
    goods = Sheet(
        tabs[3],
        [
            Column(x["sku"]),
            Column(x["name"]),
            Column(x["unit"]),
            Column(x["out"], "int"),
            Column(x["back"], "int"),
            Column(x["net_out"], "int"),
        ],
    )
    for g in report["goods"]:
        goods.add(g["sku"], g["name"], g["unit"], g["out"], g["returned"], g["net"])
    voids = Sheet(
        tabs[4],
        [
            Column(x["receipt_no"]),
            Column(x["issued_on"], "date"),
            Column(x["returned"], "int"),
            Column(x["reason"]),
            Column(x["by"]),
            Column(x["moved_col"]),
        ],
    )
    for v in report["voids"]:
        voids.add(
            v["receipt_no"],
            v["issued_on"],
            v["points"],
            v["reason"],
            v["by"],
            x["yes"] if v["moved_from_closed_day"] else "",
        )
    takes = Sheet(
        tabs[5],
        [
            Column(x["take"], "int"),
            Column(x["sku"]),
            Column(x["name"]),
            Column(x["books"], "int"),
            Column(x["counted"], "int"),
            Column(x["difference"], "int"),
        ],
    )
    for take in report["stocktakes"]:
        for line in take["lines"]:
            takes.add(
                take["id"],
                line["sku"],
                line["name"],
                line["expected"],
                line["counted"],
                line["difference"],
            )
    return [day_close_summary(report, lang), receipts, lines, goods, voids, takes]


def day_close_csv(report: dict, lang: str = "zh") -> bytes:
    """The summary as CSV (UTF-8 with a BOM, see shop.sheets)."""
    return to_csv(day_close_summary(report, lang))


def day_close_xlsx(report: dict, lang: str = "zh") -> bytes:
    return to_xlsx(day_close_sheets(report, lang))


def write_day_close_files(
    report: dict, directory: str | Path, *, lang: str = "zh", font_path: str | None = None
) -> dict[str, Path]:
    """dayclose-<kiosk>-<date>.pdf/.xlsx/.csv in `directory`; returns the paths by extension."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"dayclose-{report['kiosk']['code']}-{report['date']}"
    made = {
        "pdf": day_close_pdf(report, lang=lang, font_path=font_path),
        "xlsx": day_close_xlsx(report),
        "csv": day_close_csv(report),
    }
    paths = {}
    for ext, data in made.items():
        path = directory / f"{stem}.{ext}"
        path.write_bytes(data)
        paths[ext] = path
    return paths
