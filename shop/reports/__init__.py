"""Reports (报表): the village dashboard's figures, the lists a clerk adds up (balances, awards,
redemptions), and where donated goods went (FIFO by delivery), all read from the journal, the
receipts and the receiving documents. Files go through shop.sheets; the notice, ranking and
year-end live in shop.transparency."""

from shop.reports.figures import Dashboard, PointsFigures, dashboard, points_between
from shop.reports.goods import (
    SOURCE_KINDS,
    SOURCE_NAMES,
    DonorReport,
    GoodsFlow,
    donor_report,
    donors,
    goods_flow,
)
from shop.reports.lists import (
    awards_sheet,
    balances_sheet,
    donor_sheets,
    period_bounds,
    redemptions_sheets,
)

__all__ = [
    "SOURCE_KINDS",
    "SOURCE_NAMES",
    "Dashboard",
    "DonorReport",
    "GoodsFlow",
    "PointsFigures",
    "awards_sheet",
    "balances_sheet",
    "dashboard",
    "donor_report",
    "donor_sheets",
    "donors",
    "goods_flow",
    "period_bounds",
    "points_between",
    "redemptions_sheets",
]
