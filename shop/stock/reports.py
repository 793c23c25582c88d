"""Paper and files for the stock work: the day-close slip (日结单) and the receiving slip (入库单)
for the thermal printer, and the day close as PDF, XLSX and CSV.

The slips are hardware-style documents (``layout(columns)``, see hardware/receipt.py): pure
layout, no I/O, so the kiosk prints them with ``hardware.printing.print_job`` and the screen shows
them with ``to_html``. The PDF is the same slip laid out 80 columns wide on A4 in the CJK
monospace face, so paper, screen and file say the same thing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from hardware.escpos_cjk import clean_text, display_width, wrap
from hardware.receipt import QR, Layout, Rule, Text

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
    """Rows wrapped to the paper width (the same rules as hardware.receipt's receipts)."""

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
        if r.get("closed_at"):
            b.text(f"{t['closed_at']}{r['closed_at'][:16].replace('T', ' ')} UTC")
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
                pdf.cell(0, height, f"[{row.payload}]", new_x="LMARGIN", new_y="NEXT")
                continue
            pdf.cell(0, height, row.render(layout.columns), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def day_close_pdf(report: dict, *, lang: str = "zh", font_path: str | None = None) -> bytes:
    return layout_pdf([DayCloseSlip(report, lang).layout(80)], font_path)


def receiving_pdf(slip: ReceivingSlip, font_path: str | None = None) -> bytes:
    return layout_pdf([slip.layout(80)], font_path)


def day_close_rows(report: dict) -> list[tuple[str, str, str, str]]:
    """The report as (section, item, value, note) rows: the CSV, and the XLSX summary sheet."""
    r, rc = report, report["receipts"]
    rows = [
        ("day", "village", r["village"]["name"], r["village"]["code"]),
        ("day", "kiosk", r["kiosk"]["code"], r["kiosk"]["name"]),
        ("day", "date", r["date"], r["timezone"]),
        ("day", "clerk", r.get("clerk") or "", ""),
        ("day", "closed_at", r.get("closed_at") or "", "UTC"),
        ("receipts", "first", rc["first"] or "", ""),
        ("receipts", "last", rc["last"] or "", ""),
        ("receipts", "issued", str(rc["issued"]), ""),
        ("receipts", "issued_then_voided", str(rc["issued_then_voided"]), ""),
        ("receipts", "voids_booked", str(len(r["voids"])), ""),
        ("receipts", "reprinted", str(rc["reprinted"]), ""),
        ("receipts", "never_printed", str(len(rc["never_printed"])), " ".join(rc["never_printed"])),
        ("receipts", "missing", str(rc["missing"]), ""),
    ]
    rows += [("gap", first, last, "") for first, last in rc["gaps"]]
    rows += [
        ("points", "redeemed", str(r["points"]["redeemed"]), ""),
        ("points", "returned", str(r["points"]["returned"]), ""),
        ("points", "net", str(r["points"]["net"]), ""),
    ]
    rows += [
        ("goods", g["sku"], f"{g['out']}/{g['returned']}/{g['net']}", f"{g['name']} ({g['unit']})")
        for g in r["goods"]
    ]
    for take in r["stocktakes"]:
        rows += [
            (
                f"stocktake {take['id']}",
                line["sku"],
                f"{line['expected']}/{line['counted']}/{line['difference']}",
                line["name"],
            )
            for line in take["lines"]
        ]
    rows += [
        (
            "void",
            v["receipt_no"],
            str(v["points"]),
            f"{v['issued_on']} {v['reason']}"
            + (" [receipt's day closed, booked here]" if v["moved_from_closed_day"] else ""),
        )
        for v in r["voids"]
    ]
    chain = r.get("chain")
    if chain:
        rows.append(("chain", str(chain["seq"]), chain["hash"], ""))
    return rows


def day_close_csv(report: dict) -> bytes:
    """UTF-8 with a BOM, so Excel on a village office PC opens the Chinese right."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["section", "item", "value", "note"])
    writer.writerows(day_close_rows(report))
    return out.getvalue().encode("utf-8-sig")


def day_close_xlsx(report: dict) -> bytes:
    """Sheets: 汇总 summary, 商品 goods, 作废 voids, 盘点 stocktake."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    summary = book.active
    summary.title = "汇总"
    summary.append(["section", "item", "value", "note"])
    for row in day_close_rows(report):
        summary.append(list(row))
    goods = book.create_sheet("商品")
    goods.append(["SKU", "品名", "单位", "出库", "退回", "净出库"])
    for g in report["goods"]:
        goods.append([g["sku"], g["name"], g["unit"], g["out"], g["returned"], g["net"]])
    voids = book.create_sheet("作废")
    voids.append(["小票号", "原单日期", "退回积分", "原因", "经手", "原单已日结"])
    for v in report["voids"]:
        voids.append(
            [
                v["receipt_no"],
                v["issued_on"],
                v["points"],
                v["reason"],
                v["by"],
                "是" if v["moved_from_closed_day"] else "",
            ]
        )
    takes = book.create_sheet("盘点")
    takes.append(["盘点", "SKU", "品名", "账面", "实盘", "差异"])
    for take in report["stocktakes"]:
        for line in take["lines"]:
            takes.append(
                [
                    take["id"],
                    line["sku"],
                    line["name"],
                    line["expected"],
                    line["counted"],
                    line["difference"],
                ]
            )
    for sheet in book.worksheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


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
