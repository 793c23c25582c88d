"""The township's and the district's read-only API (乡镇/区县接口), for the finance office:
the villages' figures of a month (各村总览), the year's ranking and the same XLSX as the region
page. Only a township's or the district's token reaches these routes (a village's token is
refused with `token_for_village`); its scope (shop/scope.py, computed from its region at each
call) is every query's, so another township's village is not there: not by its code, not by
any month, not by a query string the route does not read.
"""

from __future__ import annotations

import datetime as dt
import io
import re

from flask import g, jsonify, request, send_file

from kiosk.api.edge import bp, caller_lang, require
from kiosk.api.openapi_region import REGION_COUNTS
from kiosk.db import reading, writing
from shop import clock, regions, sheets
from shop.errors import DomainError
from shop.regions import figures, fold, workbook
from shop.regions.models import District, Township
from shop.reports.goods import SOURCE_KINDS

_MONTH = re.compile(r"(\d{4})-(\d{2})")
_YEAR = re.compile(r"\d{4}")


def _month() -> tuple[int, int]:
    raw = request.args.get("month")
    if raw is None:
        today = clock.today()
        return today.year, today.month
    match = _MONTH.fullmatch(raw.strip())
    if not match or not 2000 <= int(match.group(1)) <= 2100 or not 1 <= int(match.group(2)) <= 12:
        raise DomainError("invalid_month")
    return int(match.group(1)), int(match.group(2))


def _year() -> int:
    raw = request.args.get("year")
    if raw is None:
        return clock.today().year
    if not _YEAR.fullmatch(raw.strip()) or not 2000 <= int(raw) <= 2100:
        raise DomainError("invalid_year")
    return int(raw)


def _folded() -> None:
    """The journal's newest rows into the monthly figures first (shop/regions/fold.py), the
    token's villages only, as the region page does."""
    with writing() as db:
        fold.fold(db)


def _region(db) -> dict:
    caller = g.caller
    if caller.district_id is not None:
        found, kind = db.get(District, caller.district_id), "district"
    else:
        found, kind = db.get(Township, caller.township_id), "township"
    return {"kind": kind, "code": found.code, "name": found.name}


def _villages(db, year: int, month: int) -> list[figures.VillageMonth]:
    """Every village of the scope, or the one `village` (its code) names; a code outside the
    scope is unknown, as one that does not exist."""
    code = request.args.get("village")
    if code is None:
        return figures.village_months(db, None, year, month)
    try:
        village = regions.get_village(db, code)
    except DomainError:
        raise DomainError("unknown_village") from None
    return figures.village_months(db, [village.id], year, month)


def _figures(row: figures.VillageMonth) -> dict:
    out = {name: getattr(row, name) for name in REGION_COUNTS}
    out["goods_value"] = {k: round(row.goods_value.get(k, 0.0), 2) for k in SOURCE_KINDS}
    out["stock_value"] = round(row.stock_value, 2)
    out["days_since_close"] = row.days_since_close
    return out


def _village(row: figures.VillageMonth) -> dict:
    return {
        "code": row.code,
        "name": row.name,
        "township": row.township,
        **_figures(row),
        "last_close": row.last_close.isoformat() if row.last_close else None,
    }


@bp.get("/region/villages", merge_slashes=False)
@require((), region=True)
def region_villages():
    year, month = _month()
    _folded()
    with reading() as db:
        rows = _villages(db, year, month)
        region = _region(db)
    return jsonify(
        {
            "region": region,
            "month": f"{year}-{month:02d}",
            "villages": [_village(r) for r in rows],
            "total": _figures(figures.totals(rows)),
        }
    )


@bp.get("/region/villages.xlsx", merge_slashes=False)
@require((), region=True)
def region_villages_xlsx():
    """The region page's workbook (各村月报, 近12个月积分, 光荣榜), Chinese headers unless the
    caller's Accept-Language asks for English."""
    year, month = _month()
    _folded()
    with reading() as db:
        rows = _villages(db, year, month)
        trend = figures.trend(db, [r.village_id for r in rows], today=dt.date(year, month, 1))
        board = figures.honour_board(db, [r.village_id for r in rows], year, month)
    body = sheets.to_xlsx(workbook.villages_book(rows, trend, board), caller_lang())
    return send_file(
        io.BytesIO(body),
        mimetype=sheets.XLSX_TYPE,
        as_attachment=True,
        download_name=sheets.filename(f"villages-{year}-{month:02d}", "xlsx"),
    )


@bp.get("/region/ranking", merge_slashes=False)
@require((), region=True)
def region_ranking():
    year = _year()
    _folded()
    with reading() as db:
        ranked = figures.ranking(db, None, year, limit=100)
        region = _region(db)
    return jsonify(
        {
            "region": region,
            "year": year,
            "ranking": [
                {
                    "rank": r.rank,
                    "village": r.village,
                    "number": r.number,
                    "head_name": r.head_name,
                    "points": r.points,
                }
                for r in ranked
            ],
        }
    )
