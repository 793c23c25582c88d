"""Reports (报表): the monthly notice (公示), the annual ranking, the year-end, every household's
balance, award and redemption lists for any period, and the donor report per partner company.

Every page here only reads: pick the month or year, preview, download PDF and XLSX (CSV where a
single table), print. The supervision panel (监督小组) uses them like anyone else; nothing here
writes. Files are made by the services in shop/ (shop.sheets for every table)."""

from __future__ import annotations

import datetime as dt
import io
import re

from flask import abort, current_app, render_template, request, send_file
from flask_babel import gettext as _

from kiosk.db import reading
from shop import clock, reports, sheets, transparency
from shop.errors import DomainError
from shop.transparency import files as tfiles

from .access import bp, roles_required
from .common import error_text, parse_date, today, village
from .i18n import lang

READERS = ("admin", "panel", "clerk", "supervisor")
GOODS_READERS = ("admin", "clerk", "volunteer", "supervisor")
PDF = "application/pdf"
MAX_DAYS = 3700  # a list covers at most about ten years


def _send(body: bytes, name: str, fmt: str):
    mimetype = {"pdf": PDF, "xlsx": sheets.XLSX_TYPE, "csv": sheets.CSV_TYPE}[fmt]
    return send_file(
        io.BytesIO(body),
        mimetype=mimetype,
        as_attachment=fmt != "pdf",
        download_name=sheets.filename(name, fmt),
    )


def _font() -> str:
    return current_app.config.get("CJK_FONT") or "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"


def _month(text: str | None) -> tuple[int, int]:
    """YYYY-MM, else last month."""
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", (text or "").strip())
    if match and 2000 <= int(match.group(1)) <= 2100 and 1 <= int(match.group(2)) <= 12:
        return int(match.group(1)), int(match.group(2))
    first = today().replace(day=1) - dt.timedelta(days=1)
    return first.year, first.month


def _year(text: str | None) -> int:
    try:
        year = int(text or "")
    except ValueError:
        return today().year
    return year if 2000 <= year <= 2100 else today().year


def _period() -> tuple[dt.date, dt.date]:
    """The list's first and last day (default: this month so far)."""
    now = today()
    first = parse_date(request.args.get("from")) or now.replace(day=1)
    last = parse_date(request.args.get("to")) or now
    if last < first:
        first, last = last, first
    if (last - first).days > MAX_DAYS:
        first = last - dt.timedelta(days=MAX_DAYS)
    return first, last


@bp.get("/reports")
@roles_required(*READERS, "volunteer")
def reports_home():
    with reading() as db:
        here = village(db)
        donors = reports.donors(db, here.id)
    y, m = _month(None)
    return render_template(
        "backoffice/reports/index.html",
        village=here,
        month=f"{y}-{m:02d}",
        year=today().year,
        first=today().replace(day=1),
        last=today(),
        donors=donors,
        source_names=reports.SOURCE_NAMES,
    )


# --- monthly notice ------------------------------------------------------------------------------


def _notice(db, year: int, month: int):
    return transparency.monthly_notice(db, village(db), year, month, clock.zone())


@bp.get("/reports/notice")
@roles_required(*READERS)
def notice_page():
    year, month = _month(request.args.get("month"))
    with reading() as db:
        notice = _notice(db, year, month)
    return render_template(
        "backoffice/reports/notice.html", notice=notice, month=f"{year}-{month:02d}"
    )


@bp.get("/reports/notice/<month>.<fmt>")
@roles_required(*READERS)
def notice_file(month: str, fmt: str):
    if fmt not in ("pdf", "xlsx") or not re.fullmatch(r"\d{4}-\d{2}", month):
        abort(404)
    year, mon = _month(month)
    with reading() as db:
        notice = _notice(db, year, mon)
    if fmt == "pdf":
        from shop.transparency.pdf import notice_pdf

        body = notice_pdf(notice, _font())
    else:
        body = sheets.to_xlsx(tfiles.notice_sheets(notice), lang=lang())
    return _send(body, f"notice-{year}-{mon:02d}", fmt)


# --- annual ranking ------------------------------------------------------------------------------


def _ranking(db, year: int, group: str | None):
    here = village(db)
    ranking = transparency.annual_ranking(db, here, year, clock.zone(), group=group or None)
    groups = transparency.group_rankings(db, here, year, clock.zone()) if not group else []
    return ranking, groups


@bp.get("/reports/ranking")
@roles_required(*READERS)
def ranking_page():
    year = _year(request.args.get("year"))
    group = (request.args.get("group") or "").strip()
    top = request.args.get("top", type=int)
    with reading() as db:
        overall = transparency.annual_ranking(db, village(db), year, clock.zone())
        names = overall.groups
        ranking = (
            overall
            if not group
            else transparency.annual_ranking(db, village(db), year, clock.zone(), group=group)
        )
    rows = ranking.top(top) if top and top > 0 else ranking.rows
    return render_template(
        "backoffice/reports/ranking.html",
        ranking=ranking,
        rows=rows,
        year=year,
        group=group,
        groups=names,
        top=top or "",
    )


@bp.get("/reports/ranking/<int:year>.<fmt>")
@roles_required(*READERS)
def ranking_file(year: int, fmt: str):
    if fmt not in ("pdf", "xlsx") or not 2000 <= year <= 2100:
        abort(404)
    group = (request.args.get("group") or "").strip() or None
    with reading() as db:
        ranking, groups = _ranking(db, year, group)
    if fmt == "pdf":
        from shop.transparency.pdf import ranking_pdf

        body = ranking_pdf(ranking, _font(), groups=groups or None)
    else:
        body = sheets.to_xlsx(tfiles.ranking_sheets(ranking, groups), lang=lang())
    return _send(body, f"ranking-{year}", fmt)


# --- year-end ------------------------------------------------------------------------------------


def _year_end(db, year: int):
    policy = request.args.get("policy") or "keep"
    if policy not in transparency.YEAR_END_POLICIES:
        policy = "keep"
    cap = request.args.get("cap", type=int)
    if policy == "cap" and (cap is None or cap < 0):
        cap = 100
    return tfiles.year_end_report(
        db, village(db), year, policy=policy, cap=cap if policy == "cap" else None, today=today()
    )


@bp.get("/reports/year-end")
@roles_required(*READERS)
def year_end_page():
    year = _year(request.args.get("year"))
    problem = None
    with reading() as db:
        try:
            report = _year_end(db, year)
        except DomainError as exc:
            report, problem = None, error_text(exc)
    return render_template(
        "backoffice/reports/year_end.html",
        report=report,
        year=year,
        problem=problem,
        args={k: request.args.get(k) for k in ("policy", "cap") if request.args.get(k)},
        policies=tfiles.POLICY_NAMES,
    )


@bp.get("/reports/year-end/<int:year>.<fmt>")
@roles_required(*READERS)
def year_end_file(year: int, fmt: str):
    if fmt not in ("pdf", "xlsx") or not 2000 <= year <= 2100:
        abort(404)
    with reading() as db:
        try:
            report = _year_end(db, year)
        except DomainError:
            abort(404)
    if fmt == "pdf":
        from shop.transparency.pdf import year_end_pdf

        body = year_end_pdf(report, _font())
    else:
        body = sheets.to_xlsx(tfiles.year_end_sheets(report), lang=lang())
    return _send(body, f"year-end-{year}", fmt)


# --- lists ---------------------------------------------------------------------------------------


@bp.get("/reports/balances.<fmt>")
@roles_required(*READERS)
def balances_file(fmt: str):
    if fmt not in ("xlsx", "csv"):
        abort(404)
    with reading() as db:
        sheet = reports.balances_sheet(db, village(db))
    body = (
        sheets.to_xlsx([sheet], lang=lang()) if fmt == "xlsx" else sheets.to_csv(sheet, lang=lang())
    )
    return _send(body, f"balances-{today().isoformat()}", fmt)


@bp.get("/reports/awards.<fmt>")
@roles_required(*READERS)
def awards_file(fmt: str):
    if fmt not in ("xlsx", "csv"):
        abort(404)
    first, last = _period()
    with reading() as db:
        sheet = reports.awards_sheet(db, village(db), first, last)
    body = (
        sheets.to_xlsx([sheet], lang=lang()) if fmt == "xlsx" else sheets.to_csv(sheet, lang=lang())
    )
    return _send(body, f"awards-{first.isoformat()}-{last.isoformat()}", fmt)


@bp.get("/reports/redemptions.<fmt>")
@roles_required(*READERS)
def redemptions_file(fmt: str):
    if fmt not in ("xlsx", "csv"):
        abort(404)
    first, last = _period()
    with reading() as db:
        made = reports.redemptions_sheets(db, village(db), first, last)
    body = (
        sheets.to_xlsx(made, lang=lang()) if fmt == "xlsx" else sheets.to_csv(made[0], lang=lang())
    )
    return _send(body, f"redemptions-{first.isoformat()}-{last.isoformat()}", fmt)


# --- donors --------------------------------------------------------------------------------------


@bp.get("/reports/donor")
@roles_required(*GOODS_READERS)
def donor_page():
    name = (request.args.get("name") or "").strip()
    with reading() as db:
        here = village(db)
        report = reports.donor_report(db, here.id, name) if name else None
    if report is None:
        abort(404)
    return render_template(
        "backoffice/reports/donor.html",
        report=report,
        source_names=reports.SOURCE_NAMES,
        title=_("捐赠去向"),
    )


@bp.get("/reports/donor.xlsx")
@roles_required(*GOODS_READERS)
def donor_file():
    name = (request.args.get("name") or "").strip()
    with reading() as db:
        report = reports.donor_report(db, village(db).id, name) if name else None
    if report is None:
        abort(404)
    return _send(sheets.to_xlsx(reports.donor_sheets(report), lang=lang()), "donor-report", "xlsx")


# --- the dashboard on the back-office home -------------------------------------------------------

DASHBOARD_ROLES = ("admin", "panel", "clerk", "supervisor")


def dashboard_context(db, here) -> dict:
    """The village dashboard (村务看板) for the home page, with its charts; empty for roles that
    do not see it."""
    from flask_login import current_user

    from . import charts

    if current_user.role not in DASHBOARD_ROLES:
        return {"dash": None}
    dash = reports.dashboard(db, here, today=today())
    names = {k: _(v) for k, v in reports.SOURCE_NAMES.items()}
    daily = charts.bars(
        _("近30天每天兑出积分"),
        [f"{d.month}/{d.day}" for d, _v in dash.daily],
        [(_("兑出积分"), [v for _d, v in dash.daily])],
        every=5,
    )
    monthly = charts.bars(
        _("今年每月加分和兑出积分"),
        [_("%(month)s月", month=m) for m, _a, _r in dash.monthly],
        [
            (_("加分"), [a for _m, a, _r in dash.monthly]),
            (_("兑出积分"), [r for _m, _a, r in dash.monthly]),
        ],
    )
    kinds = [k for k in reports.SOURCE_KINDS if k != "unknown" or dash.stock_value[k]]
    stock = charts.shares(_("库存价值按来源"), [(names[k], dash.stock_value[k]) for k in kinds])
    redeemed = charts.shares(
        _("今年兑出商品价值按来源"), [(names[k], dash.redeemed_value_year[k]) for k in kinds]
    )
    return {
        "dash": dash,
        "source_names": names,
        "source_kinds": kinds,
        "chart_daily": daily,
        "chart_monthly": monthly,
        "chart_stock": stock,
        "chart_redeemed": redeemed,
    }
