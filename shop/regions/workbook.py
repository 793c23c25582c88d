"""The township's and the district's tables as workbooks for the finance office (财务): one
village a row for a month with the trend and the honour board, and the year's ranking. The
region pages and the region API hand out the very same files (shop/sheets.py writes them)."""

from __future__ import annotations

from collections.abc import Sequence

from shop.regions.figures import Ranked, VillageMonth
from shop.reports.goods import SOURCE_KINDS
from shop.sheets import Column, Sheet
from shop.words import N_

GOODS_TITLES = {
    "budget": N_("兑换商品·区财政预算（元）"),
    "partner": N_("兑换商品·村企结对（元）"),
    "donation": N_("兑换商品·捐赠（元）"),
    "unknown": N_("兑换商品·来源未登记（元）"),
}


def villages_sheet(rows: Sequence[VillageMonth]) -> Sheet:
    columns = [
        Column(N_("乡镇"), "text"),
        Column(N_("村编号"), "text"),
        Column(N_("村名"), "text"),
        Column(N_("户数"), "int"),
        Column(N_("参与户数"), "int"),
        Column(N_("发放积分"), "int"),
        Column(N_("扣减积分"), "int"),
        Column(N_("兑换积分"), "int"),
        Column(N_("结余积分"), "int"),
        Column(N_("兑换单数"), "int"),
        *[Column(GOODS_TITLES[k], "money") for k in SOURCE_KINDS],
        Column(N_("库存价值（元）"), "money"),
        Column(N_("待审申请"), "int"),
        Column(N_("距上次日结天数"), "int"),
    ]
    body = [
        [
            r.township,
            r.code,
            r.name,
            r.households,
            r.participating,
            r.awarded,
            r.deducted,
            r.redeemed,
            r.outstanding,
            r.redemptions,
            *[r.goods_value.get(k, 0.0) for k in SOURCE_KINDS],
            r.stock_value,
            r.pending_applications,
            r.days_since_close,
        ]
        for r in rows
    ]
    return Sheet(N_("各村月报"), columns, body)


def trend_sheet(trend: Sequence[tuple[int, int, int, int]]) -> Sheet:
    columns = [
        Column(N_("月份"), "text"),
        Column(N_("发放积分"), "int"),
        Column(N_("兑换积分"), "int"),
    ]
    return Sheet(N_("近12个月积分"), columns, [[f"{y}-{m:02d}", a, r] for y, m, a, r in trend])


def ranked_sheet(name: str, ranked: Sequence[Ranked]) -> Sheet:
    columns = [
        Column(N_("名次"), "int"),
        Column(N_("村名"), "text"),
        Column(N_("户号"), "text"),
        Column(N_("户主"), "text"),
        Column(N_("获得积分"), "int"),
    ]
    rows = [[r.rank, r.village, r.number, r.head_name, r.points] for r in ranked]
    return Sheet(name, columns, rows)


def villages_book(rows, trend, board) -> list[Sheet]:
    """各村月报, 近12个月积分 and 光荣榜 of one month."""
    return [villages_sheet(rows), trend_sheet(trend), ranked_sheet(N_("光荣榜"), board)]


def ranking_book(ranked) -> list[Sheet]:
    return [ranked_sheet(N_("积分排名"), ranked)]
