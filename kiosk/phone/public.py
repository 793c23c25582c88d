"""The village's public phone pages, without sign-in, when the village opens them (a village
setting, off until an admin turns it on): this month's notice (公示), this year's ranking (排名)
and the honour board (光荣榜), names masked as 王*明 unless the village chooses full names."""

from __future__ import annotations

import functools

from flask import render_template
from sqlalchemy import select

from kiosk.db import reading, set_scope
from shop import clock
from shop.phone import mask_name, phone_settings
from shop.regions.models import Village
from shop.scope import Scope

from .views import (
    bp,
    notice_month,
    ranking_rows,
    refusal,
    village_notice,
    village_ranking,
)

HONOUR_PLACES = 10


def _public(view):
    """Find the village by its code (the operator's lookup), refuse when its pages are closed,
    then confine the request to that village."""

    @functools.wraps(view)
    def wrapped(village_code: str):
        with reading(Scope.everything()) as session:
            village = session.scalar(select(Village).where(Village.code == village_code[:32]))
            settings = phone_settings(session, village.id) if village else None
            if village is None or not settings.is_public:
                return refusal("phone_pages_off")
            found = (village.id, village.code, village.name, settings.is_masked)
        set_scope(Scope.of([found[0]]))
        return view(*found)

    return wrapped


@bp.app_template_filter("phone_name")
def _masked_name(name: str, masked: bool) -> str:
    return mask_name(name) if masked else name


@bp.get("/v/<village_code>/notice")
@_public
def public_notice(village_id: int, code: str, name: str, masked: bool):
    year, month, last = notice_month()
    with reading() as session:
        made = village_notice(session, village_id, year, month)
        return render_template(
            "phone/notice.html",
            h=None,
            notice=made,
            mine=None,
            masked=masked,
            last=last,
            village_code=code,
            public_title=name,
            page="public-notice",
        )


@bp.get("/v/<village_code>/ranking")
@_public
def public_ranking(village_id: int, code: str, name: str, masked: bool):
    today = clock.today()
    with reading() as session:
        made = village_ranking(session, village_id, today.year)
        return render_template(
            "phone/ranking.html",
            h=None,
            ranking=made,
            rows=ranking_rows(made),
            own=[],
            mine=None,
            masked=masked,
            village_code=code,
            public_title=name,
            page="public-ranking",
        )


@bp.get("/v/<village_code>/honour")
@_public
def public_honour(village_id: int, code: str, name: str, masked: bool):
    today = clock.today()
    with reading() as session:
        made = village_ranking(session, village_id, today.year)
        top = [row for row in made.top(HONOUR_PLACES) if row.points > 0]
        if not top:  # early in a year: last year's board
            made = village_ranking(session, village_id, today.year - 1)
            top = [row for row in made.top(HONOUR_PLACES) if row.points > 0]
        return render_template(
            "phone/honour.html",
            ranking=made,
            rows=top,
            masked=masked,
            village_name=name,
            village_code=code,
            public_title=name,
            page="public-honour",
        )
