"""Lists a clerk adds up: every household's balance, the awards and deductions of a period, the
redemptions of a period, and a partner company's goods. As sheets for shop.sheets."""

from __future__ import annotations

import datetime as dt
import functools

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shop import clock
from shop.households.models import Household
from shop.ledger import sentences
from shop.ledger.models import Journal, PointsEntry
from shop.points.models import Rule, RuleCategory
from shop.redemptions.models import Redemption, RedemptionLine
from shop.regions.models import Kiosk, Village
from shop.reports.goods import SOURCE_NAMES, DonorReport
from shop.sheets import Column, Phrase, Sheet, Word
from shop.staff.models import StaffUser
from shop.stock.models import Product
from shop.words import N_

STATUS_NAMES = {
    "active": N_("正常"),
    "paused": N_("暂停兑换"),
    "inactive": N_("暂停兑换"),
    "moved": N_("已迁出"),
}
KIND_NAMES = {
    "award": N_("加分"),
    "deduction": N_("扣分"),
    "year_end": N_("年终处理"),
    "opening": N_("期初余额"),
}


def actor_names(session: Session, village_id: int) -> dict[str, str]:
    """'staff:wang' -> the staff member's display name; the rest shown as they are."""
    rows = session.execute(
        select(StaffUser.username, StaffUser.display_name).where(
            (StaffUser.village_id == village_id) | StaffUser.village_id.is_(None)
        )
    ).all()
    return {f"staff:{u}": (d or u) for u, d in rows} | {"cli": "命令行", "": ""}


def _who(names: dict[str, str], actor: str | None) -> str:
    """Who did it: a staff member by name, anyone else (a kiosk, the panel's import, the command
    line) in words of the file's language (shop.ledger.sentences.actor_said), never `panel:x`."""
    actor = actor or ""
    if not actor or actor.startswith("staff:"):
        return names.get(actor, actor.removeprefix("staff:"))
    return Phrase(functools.partial(sentences.filled, sentences.actor_said(actor, {})))


def _memo(kind: str, memo: str | None) -> str:
    """A memo as its sentence in the file's language (a `Phrase`), or as the person wrote it."""
    said = sentences.say(kind, "", memo or "")
    return memo or "" if said is None else Phrase(functools.partial(sentences.filled, said))


def period_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[first 00:00, the day after last 00:00) on the village's clock, in UTC."""
    return clock.midnight(first), clock.midnight(last + dt.timedelta(days=1))


def balances_sheet(session: Session, village: Village) -> Sheet:
    """全村积分余额: every household, its balance and the last time it changed."""
    # The newest posting of each household: the highest id on the (household_id, id) index.
    newest = (
        select(PointsEntry.household_id, func.max(PointsEntry.id).label("entry_id"))
        .join(Household, Household.id == PointsEntry.household_id)
        .where(Household.village_id == village.id)
        .group_by(PointsEntry.household_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Household.group_name,
            Household.number,
            Household.head_name,
            Household.members,
            Household.status,
            Household.balance,
            Journal.created_at,
        )
        .outerjoin(newest, newest.c.household_id == Household.id)
        .outerjoin(PointsEntry, PointsEntry.id == newest.c.entry_id)
        .outerjoin(Journal, Journal.id == PointsEntry.journal_id)
        .where(Household.village_id == village.id)
        .order_by(Household.number)
    ).all()
    sheet = Sheet(
        N_("积分余额"),
        [
            Column(N_("村民小组")),
            Column(N_("户号")),
            Column(N_("户主")),
            Column(N_("人口"), "int"),
            Column(N_("状态"), "word"),
            Column(N_("积分余额"), "int"),
            Column(N_("最近变动"), "datetime"),
        ],
    )
    for group, number, head, members, status, balance, at in rows:
        if at is not None and at.tzinfo is None:
            at = at.replace(tzinfo=dt.UTC)
        sheet.add(group, number, head, members, STATUS_NAMES.get(status, status), balance, at)
    return sheet


def awards_sheet(session: Session, village: Village, first: dt.date, last: dt.date) -> Sheet:
    """加扣分明细: one row per award, deduction and year-end posting of the period."""
    start, end = period_bounds(first, last)
    names = actor_names(session, village.id)
    rows = session.execute(
        select(
            Journal.created_at,
            Journal.kind,
            Journal.seq,
            Journal.actor,
            Journal.memo,
            Household.group_name,
            Household.number,
            Household.head_name,
            RuleCategory.name,
            Rule.name,
            PointsEntry.delta,
        )
        .join(PointsEntry, PointsEntry.journal_id == Journal.id)
        .join(Household, Household.id == PointsEntry.household_id)
        .outerjoin(Rule, Rule.id == PointsEntry.rule_id)
        .outerjoin(RuleCategory, RuleCategory.id == Rule.category_id)
        .where(
            Journal.village_id == village.id,
            Journal.kind.not_in(("redemption", "void")),
            Journal.created_at >= start,
            Journal.created_at < end,
        )
        .order_by(Journal.seq, PointsEntry.id)
    ).all()
    sheet = Sheet(
        N_("加扣分明细"),
        [
            Column(N_("时间"), "datetime"),
            Column(N_("类型"), "word"),
            Column(N_("村民小组")),
            Column(N_("户号")),
            Column(N_("户主")),
            Column(N_("类别")),
            Column(N_("项目")),
            Column(N_("分值"), "int"),
            Column(N_("说明")),
            Column(N_("经手")),
            Column(N_("账本序号"), "int"),
        ],
    )
    for at, kind, seq, actor, memo, group, number, head, category, rule, delta in rows:
        sheet.add(
            at,
            KIND_NAMES.get(kind, kind),
            group,
            number,
            head,
            category or "",
            rule or "",
            delta,
            _memo(kind, memo) if not rule or memo != rule else "",
            _who(names, actor),
            seq,
        )
    return sheet


def redemptions_sheets(
    session: Session, village: Village, first: dt.date, last: dt.date
) -> list[Sheet]:
    """兑换小票 one row per receipt, 兑换明细 one row per line, of the period."""
    start, end = period_bounds(first, last)
    names = actor_names(session, village.id)
    receipts = session.execute(
        select(
            Redemption.id,
            Redemption.receipt_no,
            Redemption.created_at,
            Kiosk.name,
            Household.group_name,
            Household.number,
            Household.head_name,
            Redemption.total,
            Redemption.state,
            Redemption.void_reason,
            Redemption.voided_by,
        )
        .join(Household, Household.id == Redemption.household_id)
        .join(Kiosk, Kiosk.id == Redemption.kiosk_id)
        .where(
            Redemption.village_id == village.id,
            Redemption.created_at >= start,
            Redemption.created_at < end,
        )
        .order_by(Redemption.created_at, Redemption.id)
    ).all()
    head = Sheet(
        N_("兑换小票"),
        [
            Column(N_("小票号")),
            Column(N_("时间"), "datetime"),
            Column(N_("兑换机")),
            Column(N_("村民小组")),
            Column(N_("户号")),
            Column(N_("户主")),
            Column(N_("积分"), "int"),
            Column(N_("状态")),
            Column(N_("作废原因")),
            Column(N_("作废经手")),
        ],
    )
    for r in receipts:
        voided = r.state == "voided"
        head.add(
            r.receipt_no,
            r.created_at,
            r.name,
            r.group_name,
            r.number,
            r.head_name,
            r.total,
            Word(N_("已作废") if voided else N_("正常")),
            (r.void_reason or "") if voided else "",
            _who(names, r.voided_by) if voided else "",
        )
    lines = Sheet(
        N_("兑换明细"),
        [
            Column(N_("小票号")),
            Column(N_("时间"), "datetime"),
            Column(N_("户号")),
            Column(N_("商品编码")),
            Column(N_("品名")),
            Column(N_("单位")),
            Column(N_("数量"), "int"),
            Column(N_("单价（积分）"), "int"),
            Column(N_("积分"), "int"),
            Column(N_("状态")),
        ],
    )
    by_id = {r.id: r for r in receipts}
    if by_id:
        for rid, sku, name, unit, qty, each in session.execute(
            select(
                RedemptionLine.redemption_id,
                Product.sku,
                Product.name,
                Product.unit,
                RedemptionLine.qty,
                RedemptionLine.points_each,
            )
            .join(Product, Product.id == RedemptionLine.product_id)
            .join(Redemption, Redemption.id == RedemptionLine.redemption_id)
            .where(
                Redemption.village_id == village.id,
                Redemption.created_at >= start,
                Redemption.created_at < end,
            )
            .order_by(Redemption.created_at, Redemption.id, RedemptionLine.id)
        ):
            r = by_id[rid]
            lines.add(
                r.receipt_no,
                r.created_at,
                r.number,
                sku,
                name,
                unit,
                qty,
                each,
                qty * each,
                Word(N_("已作废") if r.state == "voided" else N_("正常")),
            )
    return [head, lines]


def donor_sheets(report: DonorReport) -> list[Sheet]:
    """One partner company's or donor's goods: deliveries, and per product what became of it."""
    summary = Sheet(N_("汇总"), [Column(N_("项目"), "word"), Column(N_("内容"), "any")])
    summary.add(N_("来源"), Word(SOURCE_NAMES.get(report.source_kind, report.source_kind)))
    summary.add(N_("单位名称"), report.source_name)
    summary.add(N_("入库次数"), len(report.deliveries))
    summary.add(N_("捐赠价值（元）"), round(report.value_given, 2))
    summary.add(N_("已兑给村民（元）"), round(report.value_redeemed, 2))
    summary.add(N_("兑换户数"), report.households)
    deliveries = Sheet(
        N_("入库单"),
        [Column(N_("入库单号")), Column(N_("日期"), "date"), Column(N_("价值（元）"), "money")],
    )
    for doc_no, at, value in report.deliveries:
        deliveries.add(doc_no, at, value)
    goods = Sheet(
        N_("去向"),
        [
            Column(N_("商品编码")),
            Column(N_("品名")),
            Column(N_("单位")),
            Column(N_("入库数量"), "int"),
            Column(N_("已兑换"), "int"),
            Column(N_("在架"), "int"),
            Column(N_("报损"), "int"),
            Column(N_("入库价值（元）"), "money"),
            Column(N_("已兑换价值（元）"), "money"),
            Column(N_("在架价值（元）"), "money"),
        ],
    )
    for line in report.lines:
        goods.add(
            line.sku,
            line.name,
            line.unit,
            line.received,
            line.redeemed,
            line.on_shelf,
            line.written_off,
            line.value_received,
            line.value_redeemed,
            line.value_on_shelf,
        )
    return [summary, deliveries, goods]
