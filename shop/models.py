"""Every table of the shop in one import: for Alembic, `create_all`, the mapper registry and tests.

Each feature package keeps its own models (shop/<feature>/models.py); this module gathers them so
that every relationship resolves whichever module is imported first.
"""

from __future__ import annotations

from sqlalchemy import event

from shop import columns as _columns  # noqa: F401  (every write fits its column)
from shop import scope as _scope  # noqa: F401  (installs the scope hooks; shop/scope.py)
from shop.base import NAMING, Base, UTCDateTime, utcnow
from shop.households.models import (
    FamilySettings,
    Household,
    HouseholdSearch,
    Member,
    Passbook,
    QueryCode,
    RedemptionVisitor,
    ScanEvent,
)
from shop.ledger.models import Journal, LedgerHead, PointsEntry, StockMove
from shop.phone.models import PhoneSettings
from shop.points.models import (
    Activity,
    ActivityPhoto,
    ActivitySignup,
    ApplicationPhoto,
    AwardRequest,
    DistrictRule,
    DistrictRuleCategory,
    PointsApplication,
    PointsSettings,
    ReviewBatch,
    ReviewLine,
    ReviewObjection,
    ReviewPhoto,
    Rule,
    RuleCategory,
)
from shop.redemptions import dbfunctions
from shop.redemptions.models import (
    DayClose,
    HouseholdLimitUsage,
    LimitCharge,
    PrintJob,
    ProductLimit,
    Redemption,
    RedemptionLine,
    RedemptionWindow,
    VoidBooking,
)
from shop.regions.models import (
    District,
    FigureMark,
    HouseholdMonthAwards,
    HouseholdYearAwards,
    Kiosk,
    Township,
    Village,
    VillageMonthGoods,
    VillageMonthPoints,
    VillagerGroup,
)
from shop.staff.models import ApiToken, StaffUser
from shop.stock.models import Product, ReceivingDoc, ReceivingLine, Stocktake, StocktakeLine
from shop.transparency.models import YEAR_END_POLICIES, RankingMark, RankingTotal, YearEndPolicy

__all__ = [
    "NAMING",
    "Base",
    "UTCDateTime",
    "utcnow",
    "District",
    "FigureMark",
    "HouseholdMonthAwards",
    "HouseholdYearAwards",
    "VillageMonthPoints",
    "VillageMonthGoods",
    "Township",
    "Village",
    "Kiosk",
    "VillagerGroup",
    "LedgerHead",
    "Journal",
    "PointsEntry",
    "StockMove",
    "Household",
    "Member",
    "FamilySettings",
    "RedemptionVisitor",
    "Passbook",
    "ScanEvent",
    "QueryCode",
    "HouseholdSearch",
    "RuleCategory",
    "Rule",
    "AwardRequest",
    "DistrictRule",
    "DistrictRuleCategory",
    "PointsApplication",
    "PointsSettings",
    "ReviewBatch",
    "ReviewLine",
    "ReviewObjection",
    "ReviewPhoto",
    "Activity",
    "ActivityPhoto",
    "ActivitySignup",
    "ApplicationPhoto",
    "PhoneSettings",
    "Product",
    "ReceivingDoc",
    "ReceivingLine",
    "Stocktake",
    "StocktakeLine",
    "Redemption",
    "RedemptionLine",
    "PrintJob",
    "RedemptionWindow",
    "ProductLimit",
    "HouseholdLimitUsage",
    "LimitCharge",
    "VoidBooking",
    "DayClose",
    "StaffUser",
    "ApiToken",
    "YearEndPolicy",
    "RankingTotal",
    "RankingMark",
    "YEAR_END_POLICIES",
]


@event.listens_for(Base.metadata, "after_create")
def _install_functions(_metadata, connection, **_kw) -> None:
    # PostgreSQL runs a redemption in one server-side function (shop/redemptions/sql/); SQLite
    # needs none.
    dbfunctions.install(connection)


@event.listens_for(Base.metadata, "before_drop")
def _drop_functions(_metadata, connection, **_kw) -> None:
    dbfunctions.drop(connection)
