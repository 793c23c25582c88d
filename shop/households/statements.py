"""A household's points statement (积分明细): every entry with its running balance.

The running balance is each entry's `balance_after`, written by the ledger when it was posted, so
the statement needs no arithmetic of its own and agrees with `kiosk verify`.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from shop import clock
from shop.households.cards import qr_png
from shop.households.models import Household
from shop.ledger import sentences
from shop.ledger.models import Journal, PointsEntry
from shop.paper import StatementRow, StatementSlip
from shop.regions.models import Village
from shop.regions.operations import shop_title
from shop.words import N_, translator

KIND_ZH = {
    "award": N_("加分"),
    "deduction": N_("扣分"),
    "redemption": N_("兑换商品"),
    "void": N_("小票作废退回"),
    "year_end": N_("年终结转"),
    "genesis": N_("期初积分"),
    "transfer": N_("分户合户转移"),
}


PDF_COLUMNS = (N_("日期"), N_("项目"), N_("说明"), N_("积分"), N_("余额"))
PDF_WORDS = {
    "title": N_("积分明细"),
    "number": N_("户号"),
    "head": N_("户主"),
    "balance": N_("当前积分"),
    "printed": N_("打印时间"),
    "phone": N_("手机扫码查看我家积分（只能查看，不能兑换）"),
}


@dataclass(frozen=True)
class StatementLine:
    journal_id: int
    seq: int
    at: dt.datetime
    kind: str
    item: str
    memo: str
    actor: str
    delta: int
    balance: int

    word: str = ""  # the entry's kind in words (N_-marked) when no points item names it
    ref: str = ""  # the receipt number of a redemption or a void
    item_en: str | None = None  # the points item's English name, where it has one
    journal_memo: str = ""  # the memo as the journal keeps it (`memo` is its Chinese sentence)

    @property
    def reversible(self) -> bool:
        return self.kind in ("award", "deduction")

    def memo_in(self, lang: str = "zh") -> str:
        """The memo as a sentence in `lang` (shop.ledger.sentences), a person's own text as
        written."""
        return sentences.read(self.kind, "", self.journal_memo, lang)

    def item_in(self, lang: str = "zh") -> str:
        """What the entry was for in `lang`: the points item (its English name where it has
        one), else the kind of entry, with a receipt's number."""
        if self.word:
            return " ".join(p for p in (translator(lang)(self.word), self.ref) if p)
        if lang == "en" and self.item_en:
            return self.item_en
        return self.item


def statement_lines(
    session: Session,
    household: Household,
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    tz: dt.tzinfo | None = None,
) -> list[StatementLine]:
    """The household's entries, oldest first, optionally within [date_from, date_to] (local)."""
    stmt = (
        select(PointsEntry)
        .join(Journal, Journal.id == PointsEntry.journal_id)
        .options(joinedload(PointsEntry.journal), joinedload(PointsEntry.rule))
        .where(PointsEntry.household_id == household.id)
        .order_by(PointsEntry.id)
    )
    if date_from:
        stmt = stmt.where(Journal.created_at >= clock.midnight(date_from, tz))
    if date_to:
        stmt = stmt.where(Journal.created_at < clock.midnight(date_to + dt.timedelta(days=1), tz))
    lines = []
    for e in session.scalars(stmt):
        j = e.journal
        word = "" if e.rule else KIND_ZH.get(j.kind, j.kind)
        item = e.rule.name if e.rule else word
        ref = j.ref if j.kind in ("redemption", "void") and j.ref else ""
        if ref:
            item = f"{item} {ref}"
        lines.append(
            StatementLine(
                j.id,
                j.seq,
                j.created_at,
                j.kind,
                item,
                sentences.read(j.kind, j.ref, j.memo),
                j.actor,
                e.delta,
                e.balance_after,
                word=word,
                ref=ref,
                item_en=e.rule.name_en if e.rule else None,
                journal_memo=j.memo or "",
            )
        )
    return lines


def statement_slip(
    session: Session,
    household: Household,
    lines: list[StatementLine],
    *,
    tz: dt.tzinfo,
    now: dt.datetime,
    title: str = "",
    lang: str = "zh",
    phone_link: str = "",
) -> StatementSlip:
    village = session.get(Village, household.village_id)
    return StatementSlip(
        shop_name=shop_title(village, lang),
        household_no=household.number,
        head_name=household.head_name,
        rows=[
            StatementRow(
                line.at.astimezone(tz).date(), line.item_in(lang), line.delta, line.balance
            )
            for line in lines
        ],
        printed_at=now.astimezone(tz),
        lang=lang,
        title=title,
        phone_link=phone_link,
    )


def statement_pdf(
    session: Session,
    household: Household,
    lines: list[StatementLine],
    *,
    tz: dt.tzinfo,
    now: dt.datetime,
    font_path: str,
    title: str = "",
    phone_link: str = "",
    lang: str = "zh",
) -> bytes:
    """The statement as an A4 PDF (for the household or the public notice file), in `lang`."""
    from fpdf import FPDF, FontFace

    tr = translator(lang)
    village = session.get(Village, household.village_id)
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_font("cjk", "", font_path)
    pdf.add_page()
    pdf.set_font("cjk", size=16)
    heading = f"{shop_title(village, lang)} {tr(PDF_WORDS['title'])}"
    pdf.cell(0, 10, heading, new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.set_font("cjk", size=10)
    pdf.cell(
        0,
        7,
        f"{tr(PDF_WORDS['number'])} {household.number}  {tr(PDF_WORDS['head'])} "
        f"{household.head_name}  {household.group_name}  {tr(PDF_WORDS['balance'])} "
        f"{household.balance}",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    if title:
        pdf.cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
    printed = f"{tr(PDF_WORDS['printed'])} {now.astimezone(tz):%Y-%m-%d %H:%M}"
    pdf.cell(0, 7, printed, new_x="LMARGIN", new_y="NEXT")
    widths = (28, 62, 50, 22, 22)
    pdf.set_font("cjk", size=9)
    with pdf.table(
        col_widths=widths,
        text_align=("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT"),
        first_row_as_headings=True,
        headings_style=FontFace(emphasis=None, fill_color=(235, 238, 242)),
    ) as table:
        table.row(tuple(tr(word) for word in PDF_COLUMNS))
        for line in lines:
            table.row(
                (
                    f"{line.at.astimezone(tz):%Y-%m-%d}",
                    line.item_in(lang),
                    line.memo_in(lang)[:60],
                    f"{line.delta:+d}",
                    str(line.balance),
                )
            )
    if phone_link:
        # The household's phone page (its query code, 查询码): scan to see points; never redeems.
        pdf.ln(4)
        pdf.set_font("cjk", size=9)
        y = pdf.get_y()
        if y + 30 > pdf.h - 15:
            pdf.add_page()
            y = pdf.get_y()
        pdf.image(qr_png(phone_link), x=pdf.l_margin, y=y, w=26, h=26)
        pdf.set_xy(pdf.l_margin + 30, y + 9)
        pdf.cell(0, 6, tr(PDF_WORDS["phone"]))
    out = io.BytesIO()
    pdf.output(out)
    return out.getvalue()
