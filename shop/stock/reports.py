"""The day close as files a clerk can sum: XLSX (summary, receipts, receipt lines, goods, voids,
stocktake) and CSV (the summary), written by the one export writer (shop.sheets) in the reader's
language, and the PDF beside them (the slip on A4, shop.stock.slips).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from shop import clock
from shop.sheets import Column, Sheet, to_csv, to_xlsx
from shop.stock.slips import _closed_at_local, day_close_pdf
from shop.words import N_, in_language

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
