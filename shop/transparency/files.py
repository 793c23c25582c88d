"""The notice, the ranking and the year-end as spreadsheets (through shop.sheets), and the
year-end's figures for its page and paper.

The XLSX says what the PDF says, one value per cell: a clerk can sort, filter and add it up.
Each workbook ends with a 链头 sheet carrying the chain head the paper prints.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop.households.models import Household
from shop.ledger.models import PointsEntry
from shop.regions.models import Village
from shop.sheets import Column, Sheet, Word
from shop.transparency.common import ChainHead, village_of
from shop.transparency.models import YearEndPolicy
from shop.transparency.notice import MonthlyNotice
from shop.transparency.ranking import Ranking
from shop.transparency.year_end import plan_year_end
from shop.words import N_

POLICY_NAMES = {"keep": N_("积分保留"), "expire": N_("积分清零"), "cap": N_("封顶结转")}


def _head_sheet(head: ChainHead, until: dt.date) -> Sheet:
    sheet = Sheet(N_("链头"), [Column(N_("项目"), "word"), Column(N_("内容"), "any")])
    sheet.add(N_("截至"), until)
    sheet.add(N_("链头序号"), head.seq)
    sheet.add(N_("链头哈希"), head.hash)
    sheet.add(
        N_("核对命令"),
        f"python3 verify_ledger.py ledger.jsonl --expect-head {head.seq}:{head.short}",
    )
    return sheet


def notice_sheets(notice: MonthlyNotice) -> list[Sheet]:
    """公示 one row per award or deduction (a household without any: one row, 本月无变动),
    户合计 one row per household, and the chain head."""
    items = Sheet(
        N_("公示明细"),
        [
            Column(N_("村民小组")),
            Column(N_("户号")),
            Column(N_("户主")),
            Column(N_("日期"), "date"),
            Column(N_("类别")),
            Column(N_("项目")),
            Column(N_("分值"), "int"),
            Column(N_("说明")),
        ],
    )
    totals = Sheet(
        N_("户合计"),
        [
            Column(N_("村民小组")),
            Column(N_("户号")),
            Column(N_("户主")),
            Column(N_("加分"), "int"),
            Column(N_("扣分"), "int"),
            Column(N_("年终处理"), "int"),
            Column(N_("本月合计"), "int"),
        ],
    )
    for group in notice.groups:
        name = group.name or "未分组"
        for home in group.households:
            totals.add(
                name,
                home.number,
                home.head_name,
                home.awarded,
                home.deducted,
                home.cleared,
                home.net,
            )
            if not home.items:
                items.add(
                    name, home.number, home.head_name, None, "", "", None, Word(N_("本月无变动"))
                )
            for item in home.items:
                items.add(
                    name,
                    home.number,
                    home.head_name,
                    item.at.date(),
                    item.category,
                    item.item,
                    item.delta,
                    Word(N_("年终")) if item.kind == "year_end" else "",
                )
    next_month = dt.date(notice.year + notice.month // 12, notice.month % 12 + 1, 1)
    head = _head_sheet(notice.head, next_month - dt.timedelta(days=1))
    return [items, totals, head]


def ranking_sheets(ranking: Ranking, groups: list[Ranking] | None = None) -> list[Sheet]:
    """全村排名, then one sheet per villager group, then the chain head."""
    columns = [
        Column(N_("名次"), "int"),
        Column(N_("户号")),
        Column(N_("户主")),
        Column(N_("村民小组")),
        Column(N_("加分"), "int"),
        Column(N_("扣分"), "int"),
        Column(N_("积分"), "int"),
    ]
    out = []
    for name, part in [(ranking.group or N_("全村排名"), ranking)] + [
        (g.group or N_("未分组"), g) for g in (groups or [])
    ]:
        sheet = Sheet(name, columns)
        for r in part.rows:
            sheet.add(r.rank, r.number, r.head_name, r.group_name, r.earned, r.deducted, r.points)
        out.append(sheet)
    out.append(_head_sheet(ranking.head, dt.date(ranking.year, 12, 31)))
    return out


@dataclass(frozen=True)
class YearEndRow:
    number: str
    head_name: str
    group_name: str
    balance: int  # before the year-end (applied: as it was; otherwise today's)
    deduct: int

    @property
    def keeps(self) -> int:
        return self.balance - self.deduct


@dataclass(frozen=True)
class YearEndReport:
    """The year-end of one points year as its page and paper show it.

    state: 'applied' (what was taken, from the ledger), 'announced' (what the announced policy
    would take at today's balances) or 'preview' (nothing announced: what a chosen policy would
    take today)."""

    village_name: str
    year: int
    state: str
    policy: str
    cap: int | None
    effective_on: dt.date | None
    rows: list[YearEndRow]
    head: ChainHead | None  # the year_end journal row, once applied
    households: int  # all households of the village

    @property
    def total(self) -> int:
        return sum(r.deduct for r in self.rows)

    @property
    def policy_name(self) -> str:
        name = POLICY_NAMES.get(self.policy, self.policy)
        return f"{name}（上限 {self.cap} 分）" if self.policy == "cap" else name


def year_end_report(
    session: Session,
    village: Village | int,
    year: int,
    *,
    policy: str = "keep",
    cap: int | None = None,
    today: dt.date,
) -> YearEndReport:
    """What the year-end of `year` took, or would take. Read-only."""
    village = village_of(session, village)
    households = len(
        session.scalars(select(Household.id).where(Household.village_id == village.id)).all()
    )
    row = session.scalar(
        select(YearEndPolicy).where(
            YearEndPolicy.village_id == village.id, YearEndPolicy.year == year
        )
    )
    if row is not None and row.journal_id is not None:
        from shop.ledger.models import Journal

        journal = session.get(Journal, row.journal_id)
        taken = session.execute(
            select(
                Household.number,
                Household.head_name,
                Household.group_name,
                PointsEntry.delta,
                PointsEntry.balance_after,
            )
            .join(Household, Household.id == PointsEntry.household_id)
            .where(PointsEntry.journal_id == row.journal_id)
            .order_by(Household.number)
        ).all()
        rows = [
            YearEndRow(number, name, group, after - delta, -delta)
            for number, name, group, delta, after in taken
        ]
        return YearEndReport(
            village.name,
            year,
            "applied",
            row.policy,
            row.cap,
            row.effective_on,
            rows,
            ChainHead(journal.seq, journal.hash),
            households,
        )
    if row is not None:
        state, policy, cap, on = "announced", row.policy, row.cap, row.effective_on
    else:
        state, on = "preview", None
    plan = plan_year_end(session, village, policy, on or dt.date(year, 12, 31), cap)
    rows = [
        YearEndRow(line.number, line.head_name, line.group_name, line.balance, line.deduct)
        for line in plan.lines
    ]
    return YearEndReport(village.name, year, state, policy, cap, on, rows, None, households)


def year_end_sheets(report: YearEndReport) -> list[Sheet]:
    state = {
        "applied": N_("已执行"),
        "announced": N_("已公布，未执行"),
        "preview": N_("预览（未公布）"),
    }
    summary = Sheet(N_("汇总"), [Column(N_("项目"), "word"), Column(N_("内容"), "any")])
    summary.add(N_("村"), report.village_name)
    summary.add(N_("年度"), report.year)
    summary.add(N_("状态"), Word(state[report.state]))
    summary.add(N_("处理办法"), Word(POLICY_NAMES.get(report.policy, report.policy)))
    if report.policy == "cap":
        summary.add(N_("上限（分）"), report.cap)
    summary.add(N_("执行日期"), report.effective_on)
    summary.add(N_("涉及户数"), len(report.rows))
    summary.add(N_("全村户数"), report.households)
    summary.add(N_("扣减积分合计"), report.total)
    if report.head is not None:
        summary.add(N_("账本记录序号"), report.head.seq)
        summary.add(N_("账本记录哈希"), report.head.hash)
    lines = Sheet(
        N_("各户明细"),
        [
            Column(N_("户号")),
            Column(N_("户主")),
            Column(N_("村民小组")),
            Column(N_("处理前余额"), "int"),
            Column(N_("扣减"), "int"),
            Column(N_("处理后余额"), "int"),
        ],
    )
    for r in report.rows:
        lines.add(r.number, r.head_name, r.group_name, r.balance, r.deduct, r.keeps)
    return [summary, lines]
