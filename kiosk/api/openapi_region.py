"""The township's and the district's operations of the OpenAPI document (kiosk/api/region.py):
read-only, for a township_viewer's or a district_viewer's token."""

from __future__ import annotations

from kiosk.api.openapi_parts import INTEGER, NUMBER, STRING, XLSX, answers, closed, ref
from shop.reports.goods import SOURCE_KINDS

# The counts of a village's month (kiosk/api/region.py, shop/regions/figures.py).
REGION_COUNTS = (
    "households",
    "participating",
    "awarded",
    "deducted",
    "redeemed",
    "outstanding",
    "redemptions",
    "pending_applications",
)
# A village's token on a region's route; what a month or a year may be.
REGION = ("token_for_village",)
MONTH = REGION + ("invalid_month", "unknown_village")
YEAR = REGION + ("invalid_year",)
MONTH_PARAMETERS = [
    {
        "name": "month",
        "in": "query",
        "required": False,
        "description": "YYYY-MM; this month when left out",
        "schema": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
    },
    {
        "name": "village",
        "in": "query",
        "required": False,
        "description": "one village's code: that village only (of the token's region)",
        "schema": STRING,
    },
]
YEAR_PARAMETERS = [
    {
        "name": "year",
        "in": "query",
        "required": False,
        "description": "YYYY; this year when left out",
        "schema": {"type": "string", "pattern": "^[0-9]{4}$"},
    }
]

PATHS = {
    "/region/villages": {
        "get": {
            "summary": "Every village of the token's township or district for a month "
            "(township_viewer, district_viewer tokens)",
            "parameters": MONTH_PARAMETERS,
            "responses": answers(200, "The villages' figures", ref("RegionMonth"), MONTH),
        }
    },
    "/region/villages.xlsx": {
        "get": {
            "summary": "The same as a workbook (各村月报, 近12个月积分, 光荣榜); headers in "
            "Chinese, or English by Accept-Language",
            "parameters": MONTH_PARAMETERS,
            "responses": answers(
                200,
                "An XLSX workbook",
                {"type": "string", "description": "the workbook's bytes"},
                MONTH,
                media=XLSX,
            ),
        }
    },
    "/region/ranking": {
        "get": {
            "summary": "The region's households by points earned in a year (top 100)",
            "parameters": YEAR_PARAMETERS,
            "responses": answers(200, "The ranking", ref("RegionRanking"), YEAR),
        }
    },
}

SCHEMAS = {
    "Region": closed(
        {
            "kind": {"type": "string", "enum": ["township", "district"]},
            "code": STRING,
            "name": STRING,
        }
    ),
    "Figures": closed(
        {
            **dict.fromkeys(REGION_COUNTS, INTEGER),
            "goods_value": closed(dict.fromkeys(SOURCE_KINDS, NUMBER)),
            "stock_value": NUMBER,
            "days_since_close": {"type": ["integer", "null"]},
        }
    ),
    "RegionMonth": closed(
        {
            "region": ref("Region"),
            "month": STRING,
            "villages": {
                "type": "array",
                "items": closed(
                    {
                        "code": STRING,
                        "name": STRING,
                        "township": STRING,
                        **dict.fromkeys(REGION_COUNTS, INTEGER),
                        "goods_value": closed(dict.fromkeys(SOURCE_KINDS, NUMBER)),
                        "stock_value": NUMBER,
                        "days_since_close": {"type": ["integer", "null"]},
                        "last_close": {"type": ["string", "null"]},
                    }
                ),
            },
            "total": ref("Figures"),
        }
    ),
    "RegionRanking": closed(
        {
            "region": ref("Region"),
            "year": INTEGER,
            "ranking": {
                "type": "array",
                "items": closed(
                    {
                        "rank": INTEGER,
                        "village": STRING,
                        "number": STRING,
                        "head_name": STRING,
                        "points": INTEGER,
                    }
                ),
            },
        }
    ),
}
