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

DEFAULT_FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
MONO_IN_TTC = 1  # WenQuanYi Zen Hei Mono: every Hanzi exactly two Latin widths
DAY_CLOSE_QR_PREFIX = "JD1"

_L = {
    "zh": {
        "title": "日结单",
        "date": "日期：",
        "kiosk": "终端：",
        "clerk": "会计：",
        "closed_at": "日结时间：",
        "range": "小票号：",
        "to": " 至 ",
        "none": "无",
        "issued": "开出小票",
        "issued_voided": "其中已作废",
        "voids": "记入本日的作废",
        "reprinted": "重打印次数",
        "never_printed": "未打印小票",
        "gaps": "缺号：",
        "missing": "缺号张数",
        "redeemed": "兑出积分",
        "returned": "作废退回积分",
        "net": "净兑积分",
        "goods": "商品出库（出/退/净）",
        "stocktake": "盘点 #{id}（账/盘/差）",
        "void_list": "作废明细",
        "moved": "原单已日结，记入本日",
        "chain": "账本链头：",
        "sign": "会计签字：",
        "unit_receipts": "张",
        "points": "分",
        "receiving": "入库单",
        "doc_no": "单号：",
        "source": "来源：",
        "value": "价值：",
        "received_by": "经手：",
        "memo": "备注：",
        "lines": "品名 / 数量（入库后库存）",
    },
    "en": {
        "title": "Day close",
        "date": "Date: ",
        "kiosk": "Kiosk: ",
        "clerk": "Clerk: ",
        "closed_at": "Closed: ",
        "range": "Receipts: ",
        "to": " to ",
        "none": "none",
        "issued": "Receipts issued",
        "issued_voided": "of which voided",
        "voids": "Voids booked today",
        "reprinted": "Reprints",
        "never_printed": "Never printed",
        "gaps": "Missing numbers: ",
        "missing": "Numbers missing",
        "redeemed": "Points redeemed",
        "returned": "Points returned",
        "net": "Net points",
        "goods": "Goods out (out/back/net)",
        "stocktake": "Stocktake #{id} (books/count/diff)",
        "void_list": "Voids",
        "moved": "receipt's day closed, booked today",
        "chain": "Ledger chain head: ",
        "sign": "Clerk's signature: ",
        "unit_receipts": "",
        "points": " pts",
        "receiving": "Goods received",
        "doc_no": "No.: ",
        "source": "Source: ",
        "value": "Value: ",
        "received_by": "Received by: ",
        "memo": "Memo: ",
        "lines": "Item / qty (on hand after)",
    },
}
SOURCE_NAMES = {
    "zh": {"budget": "区财政预算", "partner": "村企结对", "donation": "捐赠"},
    "en": {"budget": "District budget", "partner": "Partner company", "donation": "Donation"},
}


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
        t = _L[self.lang]
        r = self.report
        pts = t["points"]
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
        b.pair(t["issued"], f"{rc['issued']}{t['unit_receipts']}")
        b.pair(t["issued_voided"], f"{rc['issued_then_voided']}{t['unit_receipts']}")
        b.pair(t["voids"], f"{len(r['voids'])}{t['unit_receipts']}")
        b.pair(t["reprinted"], str(rc["reprinted"]))
        b.pair(t["never_printed"], f"{len(rc['never_printed'])}{t['unit_receipts']}")
        for first, last in _number_ranges(rc["never_printed"]):
            b.text(f"  {first}" + ("" if first == last else f"{t['to']}{last}"))
        b.pair(t["missing"], str(rc["missing"]), bold=bool(rc["missing"]))
        if rc["gaps"]:
            for first, last in rc["gaps"]:
                b.text(f"{t['gaps']}{first}" + ("" if first == last else f"{t['to']}{last}"))
        b.rule()
        b.pair(t["redeemed"], f"{r['points']['redeemed']}{pts}")
        b.pair(t["returned"], f"{r['points']['returned']}{pts}")
        b.pair(t["net"], f"{r['points']['net']}{pts}", bold=True)
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
                b.pair(f"{v['receipt_no']} ({v['issued_on']})", f"-{v['points']}{pts}")
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
        t = _L[self.lang]
        b = _Rows(columns)
        b.title(self.village_name)
        b.title(t["receiving"])
        b.rule()
        b.text(f"{t['doc_no']}{self.doc_no}")
        b.text(self.created_at)
        source = SOURCE_NAMES[self.lang][self.source_kind]
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
        b.text(t["sign"].replace("会计", "经手人").replace("Clerk's", "Receiver's"))
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
    "zh": {
        "section": "分类",
        "item": "项目",
        "value": "数值",
        "note": "说明",
        "day": "日结",
        "village": "村",
        "kiosk": "终端",
        "date": "日期",
        "clerk": "会计",
        "closed_at": "日结时间",
        "receipts": "小票",
        "first": "首张小票号",
        "last": "末张小票号",
        "issued": "开出小票",
        "issued_then_voided": "其中已作废",
        "voids_booked": "记入本日的作废",
        "reprinted": "重打印次数",
        "never_printed": "未打印小票",
        "missing": "缺号张数",
        "gap": "缺号",
        "gap_from": "缺号起",
        "gap_to": "缺号止",
        "points": "积分",
        "redeemed": "兑出积分",
        "returned": "作废退回积分",
        "net": "净兑积分",
        "goods": "商品",
        "out": "出库",
        "back": "退回",
        "net_out": "净出库",
        "stocktake": "盘点",
        "void": "作废",
        "chain": "账本链头",
        "chain_seq": "链头序号",
        "chain_hash": "链头哈希",
        "moved": "原单已日结，记入本日",
        "tabs": ("汇总", "小票", "小票明细", "商品", "作废", "盘点"),
        "receipt_no": "小票号",
        "time": "时间",
        "household": "户号",
        "head": "户主",
        "items": "件数",
        "state": "状态",
        "print": "打印",
        "sku": "商品编码",
        "name": "品名",
        "unit": "单位",
        "qty": "数量",
        "each": "单价（积分）",
        "line_points": "积分",
        "issued_on": "原单日期",
        "reason": "原因",
        "by": "经手",
        "moved_col": "原单已日结",
        "take": "盘点号",
        "books": "账面",
        "counted": "实盘",
        "difference": "差异",
        "yes": "是",
        "states": {"completed": "正常", "voided": "已作废"},
        "prints": {
            "pending": "未打印",
            "sent": "已发送",
            "printed": "已打印",
            "failed": "打印失败",
        },
    },
    "en": {
        "section": "Section",
        "item": "Item",
        "value": "Value",
        "note": "Note",
        "day": "Day close",
        "village": "Village",
        "kiosk": "Kiosk",
        "date": "Date",
        "clerk": "Clerk",
        "closed_at": "Closed at",
        "receipts": "Receipts",
        "first": "First receipt",
        "last": "Last receipt",
        "issued": "Receipts issued",
        "issued_then_voided": "of which voided",
        "voids_booked": "Voids booked today",
        "reprinted": "Reprints",
        "never_printed": "Never printed",
        "missing": "Numbers missing",
        "gap": "Missing numbers",
        "gap_from": "Missing from",
        "gap_to": "Missing to",
        "points": "Points",
        "redeemed": "Points redeemed",
        "returned": "Points returned",
        "net": "Net points",
        "goods": "Goods",
        "out": "Out",
        "back": "Back",
        "net_out": "Net out",
        "stocktake": "Stocktake",
        "void": "Void",
        "chain": "Ledger chain head",
        "chain_seq": "Chain head row",
        "chain_hash": "Chain head hash",
        "moved": "receipt's day closed, booked today",
        "tabs": ("Summary", "Receipts", "Receipt lines", "Goods", "Voids", "Stocktake"),
        "receipt_no": "Receipt",
        "time": "Time",
        "household": "Household",
        "head": "Head",
        "items": "Items",
        "state": "State",
        "print": "Printed",
        "sku": "Code",
        "name": "Name",
        "unit": "Unit",
        "qty": "Qty",
        "each": "Points each",
        "line_points": "Points",
        "issued_on": "Receipt date",
        "reason": "Reason",
        "by": "By",
        "moved_col": "Receipt's day closed",
        "take": "Stocktake",
        "books": "Books",
        "counted": "Counted",
        "difference": "Difference",
        "yes": "yes",
        "states": {"completed": "ok", "voided": "voided"},
        "prints": {
            "pending": "not printed",
            "sent": "sent",
            "printed": "printed",
            "failed": "failed",
        },
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
    x = _X[lang]
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
    x = _X[lang]
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
