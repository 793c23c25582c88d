"""Printable A4 reports for the notice board (公示栏): the monthly notice and the annual ranking.

Chinese text needs a CJK font (config CJK_FONT, e.g. WenQuanYi Zen Hei); fpdf2 embeds only the
glyphs used. Every page's footer carries the chain head, and the last block explains in plain
words how anyone can check it, with the head as a QR code.
"""

from __future__ import annotations

import datetime as dt
import logging

import qrcode
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from shop import clock
from shop.transparency.common import ChainHead
from shop.transparency.notice import MonthlyNotice
from shop.transparency.ranking import Ranking

FONT = "cjk"
# fontTools says so for every subset of WenQuanYi (its bitmap strikes are dropped): noise.
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)

# Headings shaded, not bold: the CJK font has no bold face.
HEADINGS = FontFace(emphasis="", fill_color=(230, 230, 230))


class _Sheet(FPDF):
    def __init__(self, font_path: str, footer_text: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.add_font(FONT, "", str(font_path))
        self.footer_text = footer_text
        self.set_auto_page_break(auto=True, margin=16)
        self.set_margins(14, 14, 14)
        self.set_creator("Points Kiosk 积分超市")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.set_text_color(90)
        self.cell(0, 5, f"{self.footer_text}    第 {self.page_no()}/{{nb}} 页", align="C")
        self.set_text_color(0)

    def line_text(self, text: str, size: float = 10, h: float = 6, align: str = "L") -> None:
        self.set_font(FONT, size=size)
        self.multi_cell(0, h, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _local(value: dt.datetime, tz: str) -> str:
    return clock.local(value, clock.named(tz)).strftime("%Y-%m-%d %H:%M")


def _signed(value: int) -> str:
    return f"+{value}" if value > 0 else str(value)


def _head_block(pdf: _Sheet, head: ChainHead, what: str, until: str) -> None:
    """The chain head in large type, its QR code, and how to check it."""
    if pdf.get_y() > pdf.h - 95:
        pdf.add_page()
    pdf.ln(4)
    top = pdf.get_y()
    pdf.set_draw_color(120)
    pdf.rect(pdf.l_margin, top, pdf.w - pdf.l_margin - pdf.r_margin, 78)
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2, box_size=6)
    qr.add_data(head.text)
    qr.make(fit=True)
    pdf.image(qr.make_image().get_image(), x=pdf.w - pdf.r_margin - 44, y=top + 3, w=40)
    pdf.set_xy(pdf.l_margin + 3, top + 3)
    width = pdf.w - pdf.l_margin - pdf.r_margin - 52
    pdf.set_font(FONT, size=12)
    pdf.multi_cell(width, 7, f"账本链头（截至 {until}）", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_x(pdf.l_margin + 3)
    pdf.set_font(FONT, size=16)
    pdf.multi_cell(width, 9, f"第 {head.seq} 条  {head.short}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_x(pdf.l_margin + 3)
    pdf.set_font(FONT, size=7)
    pdf.multi_cell(width, 4, f"完整哈希：{head.hash}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_x(pdf.l_margin + 3)
    pdf.set_font(FONT, size=9)
    explanation = (
        f"怎样核对：{what}的每一条都记在村里的积分账本上。账本的每一条记录都和前一条用"
        "“哈希”锁在一起，改动任何一条，后面的号码就全都对不上。任何人都可以向村委会要一份"
        "账本导出文件，在自己的电脑上运行公开的核对程序："
        f"python3 verify_ledger.py ledger.jsonl --expect-head {head.seq}:{head.short}。"
        "显示 OK，说明这张纸打印以后账本没有被改过；显示 FAILED，会指出第一条出问题的记录。"
        "右边的二维码里就是这个链头。"
    )
    pdf.multi_cell(width, 5, explanation, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(top + 80)


def notice_pdf(notice: MonthlyNotice, font_path: str) -> bytes:
    """积分公示 for one month, grouped by villager group, as A4 PDF bytes."""
    title = f"{notice.village_name} {notice.year}年{notice.month}月 积分公示"
    pdf = _Sheet(font_path, f"{title}  链头 {notice.head.seq}:{notice.head.short}")
    pdf.set_title(title)
    pdf.add_page()
    pdf.line_text(title, size=18, h=10, align="C")
    last_day = (notice.end - dt.timedelta(microseconds=1)).astimezone(clock.named(notice.tz))
    pdf.line_text(
        f"公示范围：{notice.year}年{notice.month}月1日至{last_day.day}日的加分、扣分"
        f"（兑换商品不在此列）。打印时间：{_local(notice.generated_at, notice.tz)}",
        size=9,
        h=5,
        align="C",
    )
    summary = (
        f"全村本月加分 {notice.awarded} 分，扣分 {notice.deducted} 分"
        + (f"，年终处理 {notice.cleared} 分" if notice.cleared else "")
        + f"；有变动 {len(notice.active_households)} 户，共 {len(notice.households)} 户。"
    )
    if notice.is_empty:
        summary += "本月没有加分和扣分。"
    pdf.ln(2)
    pdf.line_text(summary, size=11)
    widths = (18, 22, 24, 70, 20, 28)
    for group in notice.groups:
        pdf.ln(3)
        pdf.line_text(
            f"{group.name or '未分组'}：加分 {group.awarded}，扣分 {group.deducted}"
            + (f"，年终处理 {group.cleared}" if group.cleared else ""),
            size=12,
            h=8,
        )
        pdf.set_font(FONT, size=9)
        with pdf.table(
            col_widths=widths,
            text_align=("LEFT", "LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT"),
            line_height=5.5,
            headings_style=HEADINGS,
        ) as table:
            table.row(["户号", "户主", "日期", "项目", "分值", "本月合计"])
            for home in group.households:
                if not home.items:
                    table.row([home.number, home.head_name, "", "本月无变动", "", "0"])
                    continue
                for n, item in enumerate(home.items):
                    label = item.item if item.kind != "year_end" else f"{item.item}（年终）"
                    if item.category:
                        label = f"{item.category}·{label}"
                    table.row(
                        [
                            home.number if n == 0 else "",
                            home.head_name if n == 0 else "",
                            item.at.strftime("%m-%d"),
                            label,
                            _signed(item.delta),
                            _signed(home.net) if n == len(home.items) - 1 else "",
                        ]
                    )
    _head_block(pdf, notice.head, "本公示", f"{notice.year}年{notice.month}月底")
    return bytes(pdf.output())


def ranking_pdf(
    ranking: Ranking,
    font_path: str,
    *,
    groups: list[Ranking] | None = None,
    top: int | None = None,
) -> bytes:
    """积分排名 for one year as A4 PDF bytes: overall (or `top` places), then each group's."""
    scope = f" {ranking.group}" if ranking.group else ""
    title = f"{ranking.village_name}{scope} {ranking.year}年度 积分排名"
    pdf = _Sheet(font_path, f"{title}  链头 {ranking.head.seq}:{ranking.head.short}")
    pdf.set_title(title)
    pdf.add_page()
    pdf.line_text(title, size=18, h=10, align="C")
    pdf.line_text(
        "排名规则：按全年获得的积分排名，即全年加分减去扣分；兑换商品花掉的积分和年终清零"
        "不影响排名。积分相同的户名次相同，下一名次顺延（例如 1、2、2、4）；同名次内按户号排列。"
        f"打印时间：{_local(ranking.generated_at, ranking.tz)}",
        size=9,
        h=5,
    )
    sections = [(None, ranking)] + [(g.group, g) for g in (groups or [])]
    for name, part in sections:
        rows = part.top(top) if top else part.rows
        pdf.ln(3)
        if name is not None:
            pdf.line_text(f"{name}（组内排名）", size=13, h=8)
        elif ranking.group is None:
            pdf.line_text("全村排名" + (f"（前 {top} 名）" if top else ""), size=13, h=8)
        pdf.set_font(FONT, size=9)
        with pdf.table(
            col_widths=(14, 22, 28, 36, 22, 22, 22),
            text_align=("CENTER", "LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT"),
            line_height=5.5,
            headings_style=HEADINGS,
        ) as table:
            table.row(["名次", "户号", "户主", "村民小组", "加分", "扣分", "积分"])
            for r in rows:
                table.row(
                    [
                        str(r.rank),
                        r.number,
                        r.head_name,
                        r.group_name,
                        str(r.earned),
                        str(r.deducted),
                        str(r.points),
                    ]
                )
    _head_block(pdf, ranking.head, "本排名", f"{ranking.year}年底")
    return bytes(pdf.output())


def year_end_pdf(report, font_path: str) -> bytes:
    """年终积分处理 for one year (shop.transparency.files.YearEndReport) as A4 PDF bytes: the
    policy, its day, and every household that loses points, with balances before and after."""
    title = f"{report.village_name} {report.year}年度 年终积分处理"
    state = {
        "applied": "已执行",
        "announced": "已公布，尚未执行（按今天的余额预计）",
        "preview": "预览：尚未公布（按今天的余额预计）",
    }[report.state]
    footer = title + (f"  链头 {report.head.seq}:{report.head.short}" if report.head else "")
    pdf = _Sheet(font_path, footer)
    pdf.set_title(title)
    pdf.add_page()
    pdf.line_text(title, size=18, h=10, align="C")
    when = f"，执行日期 {report.effective_on.isoformat()}" if report.effective_on else ""
    pdf.line_text(f"处理办法：{report.policy_name}{when}。状态：{state}。", size=11)
    pdf.line_text(
        f"涉及 {len(report.rows)} 户（全村 {report.households} 户），"
        f"扣减积分合计 {report.total} 分。"
        "积分保留的年度不扣减任何积分；年终处理不影响年度排名。",
        size=10,
    )
    pdf.ln(2)
    if report.rows:
        pdf.set_font(FONT, size=9)
        with pdf.table(
            col_widths=(22, 28, 36, 28, 24, 28),
            text_align=("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT"),
            line_height=5.5,
            headings_style=HEADINGS,
        ) as table:
            table.row(["户号", "户主", "村民小组", "处理前余额", "扣减", "处理后余额"])
            for r in report.rows:
                table.row(
                    [
                        r.number,
                        r.head_name,
                        r.group_name,
                        str(r.balance),
                        str(r.deduct),
                        str(r.keeps),
                    ]
                )
    else:
        pdf.line_text("没有户需要扣减积分。", size=11)
    if report.head is not None:
        _head_block(pdf, report.head, "本次年终处理", f"{report.year}年度年终处理")
    return bytes(pdf.output())
