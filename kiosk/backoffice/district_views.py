"""The township's and the district's pages (乡镇/区县): every village of the member's region in
one table for a month, the trend, the ranking and honour board, XLSX of each table, picking one
village to look at its own pages, and opening a village (开通乡村).

These pages are `region_page`s: their queries see the member's whole region (shop/scope.py);
every other back-office page sees the one village the member picked. No view checks a village
id itself: a village outside the region is simply not found.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import replace

from flask import abort, redirect, render_template, request, send_file, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from kiosk.db import reading, writing
from shop import regions, sheets
from shop.errors import DomainError
from shop.regions import figures, fold, workbook
from shop.regions import setup as village_setup
from shop.regions.models import District, Township, Village
from shop.reports import SOURCE_KINDS, SOURCE_NAMES

from . import catalogue_views, charts
from .access import PICKED, bp, region_page, roles_required
from .common import error_text, today
from .i18n import lang
from .setup_views import KIOSK_ROWS, _plan

REGION_READERS = ("township_admin", "township_viewer", "district_admin", "district_viewer")
REGION_ADMINS = ("township_admin", "district_admin")


def _month() -> tuple[int, int]:
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", (request.args.get("month") or "").strip())
    if match and 2000 <= int(match.group(1)) <= 2100 and 1 <= int(match.group(2)) <= 12:
        return int(match.group(1)), int(match.group(2))
    now = today()
    return now.year, now.month


def _folded() -> None:
    """The journal's newest rows into the monthly figures first (shop/regions/fold.py), so the
    page shows the whole journal; the region's villages only (the request's scope)."""
    with writing() as db:
        fold.fold(db)


def _region_name(db) -> str:
    if current_user.district_id is not None:
        found = db.get(District, current_user.district_id)
    else:
        found = db.get(Township, current_user.township_id)
    return found.name if found else ""


def _townships(db) -> list[Township]:
    return regions.list_townships(db, current_user.district_id)


@bp.get("/region")
@roles_required(*REGION_READERS)
@region_page
def district_home():
    year, month = _month()
    _folded()
    with reading() as db:
        rows = figures.village_months(db, None, year, month)
        trend = figures.trend(db, None)
        board = figures.honour_board(db, None, year, month)
        name = _region_name(db)
    total = figures.totals(rows)
    chart = charts.bars(
        _("近12个月积分"),
        [f"{m}" for _y, m, _a, _r in trend],
        [(_("发放"), [a for *_x, a, _r in trend]), (_("兑换"), [r for *_x, r in trend])],
        unit=_("分"),
    )
    goods = charts.shares(
        _("本月兑换商品（元）按来源"),
        [(_(SOURCE_NAMES[k]), total.goods_value.get(k, 0.0)) for k in SOURCE_KINDS],
    )
    return render_template(
        "backoffice/district/home.html",
        name=name,
        rows=rows,
        total=total,
        month=f"{year}-{month:02d}",
        trend_chart=Markup(chart),
        goods_chart=Markup(goods),
        board=board,
        kinds=SOURCE_KINDS,
        source_names=SOURCE_NAMES,
    )


@bp.get("/region/ranking")
@roles_required(*REGION_READERS)
@region_page
def district_ranking():
    try:
        year = int(request.args.get("year") or today().year)
    except ValueError:
        year = today().year
    year = year if 2000 <= year <= 2100 else today().year
    _folded()
    with reading() as db:
        ranked = figures.ranking(db, None, year, limit=100)
        name = _region_name(db)
    return render_template("backoffice/district/ranking.html", name=name, ranked=ranked, year=year)


@bp.get("/region/villages-<month>.xlsx")
@roles_required(*REGION_READERS)
@region_page
def district_villages_xlsx(month: str):
    match = re.fullmatch(r"(\d{4})-(\d{2})", month)
    if not match or not 1 <= int(match.group(2)) <= 12:
        abort(404)
    year, mon = int(match.group(1)), int(match.group(2))
    _folded()
    with reading() as db:
        rows = figures.village_months(db, None, year, mon)
        trend = figures.trend(db, None, today=dt.date(year, mon, 1))
        board = figures.honour_board(db, None, year, mon)
    book = workbook.villages_book(rows, trend, board)
    return _xlsx(sheets.to_xlsx(book, lang()), f"villages-{month}")


def _xlsx(body: bytes, stem: str):
    return send_file(
        io.BytesIO(body),
        mimetype=sheets.XLSX_TYPE,
        as_attachment=True,
        download_name=sheets.filename(stem, "xlsx"),
    )


@bp.get("/region/ranking-<int:year>.xlsx")
@roles_required(*REGION_READERS)
@region_page
def district_ranking_xlsx(year: int):
    if not 2000 <= year <= 2100:
        abort(404)
    _folded()
    with reading() as db:
        ranked = figures.ranking(db, None, year, limit=100)
    return _xlsx(sheets.to_xlsx(workbook.ranking_book(ranked), lang()), f"ranking-{year}")


@bp.post("/region/pick")
@roles_required(*REGION_READERS)
@region_page
def district_pick():
    """Look at one village's own pages (households, receipts, stock, reports) as its admin
    (admins) or its supervisor (viewers). A village outside the region is not found."""
    try:
        village_id = int(request.form.get("village_id", ""))
    except ValueError:
        abort(404)
    with reading() as db:
        if db.get(Village, village_id) is None:
            abort(404)
    session[PICKED] = village_id
    return redirect(url_for("backoffice.home"), 303)


@bp.post("/region/leave")
@roles_required(*REGION_READERS)
@region_page
def district_leave():
    session.pop(PICKED, None)
    return redirect(url_for("backoffice.district_home"), 303)


def form_ids(name: str) -> list[int]:
    return [int(v) for v in request.form.getlist(name) if v.isdigit()]


def _open_page(error: str | None = None, status: int = 200):
    with reading() as db:
        townships = (
            _townships(db)
            if current_user.district_id is not None
            else [db.get(Township, current_user.township_id)]
        )
        offered = catalogue_views.offered_rules(db)
    return (
        render_template(
            "backoffice/district/open.html",
            error=error,
            form=request.form,
            rows=range(KIOSK_ROWS),
            townships=[t for t in townships if t is not None],
            offered=offered,
            taken=set(form_ids("rule_taken")) if request.method == "POST" else None,
        ),
        status,
    )


@bp.route("/region/open", methods=["GET", "POST"])
@roles_required(*REGION_ADMINS)
@region_page
def district_open():
    """开通乡村: the village, its groups, kiosks and first admin, all or nothing."""
    if request.method == "GET":
        return _open_page()
    form = request.form
    if form.get("admin_password", "") != form.get("admin_password2", ""):
        return _open_page(_("两次输入的密码不一样。"), 422)
    try:
        township_id = int(form.get("township_id", ""))
    except ValueError:
        return _open_page(_("请选择乡镇。"), 422)
    try:
        with writing() as db:
            region = db.get(Township, township_id)
            if region is None:
                raise DomainError("not_found", "township")
            plan = replace(_plan(form), district_rules_off=catalogue_views.rules_left_off(form))
            village = village_setup.open_village(db, plan, region, actor=current_user.actor)
            code = village.code
    except DomainError as exc:
        return _open_page(error_text(exc), 422)
    return redirect(url_for("backoffice.district_opened", code=code), 303)


@bp.get("/region/opened/<code>")
@roles_required(*REGION_ADMINS)
@region_page
def district_opened(code: str):
    with reading() as db:
        try:
            village = regions.get_village(db, code)
        except DomainError:
            abort(404)
        kiosks = regions.list_kiosks(db, village.id)
        groups = regions.village_groups(db, village.id)
    return render_template(
        "backoffice/district/opened.html", village=village, kiosks=kiosks, groups=groups
    )
