"""The village's public phone pages, without sign-in, when the village opens them (a village
setting, off until an admin turns it on): this month's notice (公示), this year's ranking (排名)
and the honour board (光荣榜), names masked as 王*明 unless the village chooses full names."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from flask import render_template
from sqlalchemy import select

from kiosk.db import reading, set_scope
from shop import clock
from shop.phone import mask_name, phone_settings
from shop.regions.models import Village
from shop.scope import Scope

from .common import (
    bp,
    notice_month,
    ranking_rows,
    refusal,
    village_notice,
    village_ranking,
)

HONOUR_PLACES = 10


@dataclass(frozen=True)
class PublicVillage:
    """The village whose public pages are asked for, and how they show names."""

    id: int
    code: str
    name: str
    masked: bool

    def page(self, template: str, page: str, **values):
        """A public page: no household signed in, the village named in its title."""
        values.setdefault("h", None)
        values.setdefault("mine", None)
        return render_template(
            template,
            masked=self.masked,
            village_code=self.code,
            village_name=self.name,
            public_title=self.name,
            page=page,
            **values,
        )


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
            found = PublicVillage(village.id, village.code, village.name, settings.is_masked)
        set_scope(Scope.of([found.id]))
        return view(found)

    return wrapped


@bp.app_template_filter("phone_name")
def _masked_name(name: str, masked: bool) -> str:
    return mask_name(name) if masked else name


@bp.get("/v/<village_code>/notice")
@_public
def public_notice(v: PublicVillage):
    year, month, last = notice_month()
    with reading() as session:
        made = village_notice(session, v.id, year, month)
        return v.page("phone/notice.html", "public-notice", notice=made, last=last)


@bp.get("/v/<village_code>/ranking")
@_public
def public_ranking(v: PublicVillage):
    with reading() as session:
        made = village_ranking(session, v.id, clock.today().year)
        rows = ranking_rows(made)
        return v.page("phone/ranking.html", "public-ranking", ranking=made, rows=rows, own=[])


@bp.get("/v/<village_code>/honour")
@_public
def public_honour(v: PublicVillage):
    year = clock.today().year
    with reading() as session:
        made = village_ranking(session, v.id, year)
        top = [row for row in made.top(HONOUR_PLACES) if row.points > 0]
        if not top:  # early in a year: last year's board
            made = village_ranking(session, v.id, year - 1)
            top = [row for row in made.top(HONOUR_PLACES) if row.points > 0]
        return v.page("phone/honour.html", "public-honour", ranking=made, rows=top)
