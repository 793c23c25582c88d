"""The supervision panel's pages (监督小组): the journal browser, every staff action with its
actor, and the full verification of the ledger. Read-only: nothing here changes the shop."""

from __future__ import annotations

from flask import request
from sqlalchemy import select

from kiosk.db import get_db as database
from kiosk.db import reading
from shop import transparency
from shop.errors import DomainError
from shop.ledger.verify import snapshot, verify_ledger
from shop.models import Household
from shop.reports.lists import actor_names
from shop.words import N_

from .access import bp, roles_required
from .common import error_text, parse_date, render, tz, village

WATCHERS = ("supervisor", "admin")
PAGE = 50
# The journal's kinds as the shop names them.
KINDS = {
    "award": N_("加分"),
    "deduction": N_("扣分"),
    "redemption": N_("兑换"),
    "void": N_("作废"),
    "stock_receipt": N_("入库"),
    "stock_adjustment": N_("库存调整"),
    "passbook_issue": N_("发放存折"),
    "passbook_revoke": N_("挂失或注销存折"),
    "household_change": N_("户籍变动"),
    "transfer": N_("分户合户转移"),
    "staff_change": N_("人员变动"),
    "day_close": N_("日结"),
    "year_end": N_("年终积分处理"),
    "genesis": N_("开通与期初积分"),
}


@bp.get("/journal")
@roles_required(*WATCHERS)
def journal():
    """账本: every event, newest first, filtered by household, who did it, kind and date."""
    number = (request.args.get("household") or "").strip()
    actor = (request.args.get("actor") or "").strip()
    kind = request.args.get("kind") or ""
    date_from = parse_date(request.args.get("from"))
    date_to = parse_date(request.args.get("to"))
    offset = max(0, request.args.get("offset", 0, type=int))
    problem = None
    with reading() as db:
        here = village(db)
        household = None
        if number:
            household = db.scalar(
                select(Household).where(Household.village_id == here.id, Household.number == number)
            )
        actors = sorted(transparency.journal_actors(db, here.id))
        names = actor_names(db, here.id)
        page = None
        if number and household is None:
            problem = error_text(DomainError("unknown_household", number, shown=True))
        else:
            try:
                page = transparency.browse_journal(
                    db,
                    here.id,
                    household=household,
                    actor=actor or None,
                    kind=kind if kind in KINDS else None,
                    date_from=date_from,
                    date_to=date_to,
                    limit=PAGE,
                    offset=offset,
                    tz=tz(),
                )
            except DomainError as exc:
                problem = error_text(exc)
            else:
                names = names | transparency.ref_names(db, here.id, page.rows, tz=tz())
    filters = {
        "household": number,
        "actor": actor,
        "kind": kind,
        "from": request.args.get("from") or "",
        "to": request.args.get("to") or "",
    }
    return render(
        "backoffice/supervision/journal.html",
        "backoffice/supervision/_journal_rows.html",
        page=page,
        actors=actors,
        staff_actors=[a for a in actors if a.startswith("staff:")],
        names=names,
        kinds=KINDS,
        filters=filters,
        problem=problem,
        offset=offset,
        page_size=PAGE,
    )


@bp.get("/verify")
@roles_required(*WATCHERS)
def verify_page():
    return render("backoffice/supervision/verify.html", report=None)


@bp.post("/verify")
@roles_required(*WATCHERS)
def verify_run():
    """核验账本: recompute the village's hash chain, every balance and every on-hand."""
    with reading() as db:
        here = village(db)
        village_id, village_name = here.id, here.name
    with snapshot(database().engine) as conn:
        report = verify_ledger(conn, village_id)
    return render(
        "backoffice/supervision/verify.html",
        "backoffice/supervision/_verify_result.html",
        report=report,
        village_name=village_name,
        head=report.heads.get(village_id),
    )
