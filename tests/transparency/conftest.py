"""Fixtures for the transparency tests: households in villager groups, awards at chosen times,
and an oracle that recomputes notices and rankings from the raw journal in plain Python."""

from __future__ import annotations

import collections
import datetime as dt
import itertools
import zoneinfo

import pytest
from sqlalchemy import select

from shop import households, points
from shop.models import Household, Journal, PointsEntry

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
_numbers = itertools.count(1)


def local(*args) -> dt.datetime:
    """A village-local wall-clock time, as the aware datetime the services take."""
    return dt.datetime(*args, tzinfo=TZ)


@pytest.fixture
def make_household(session, village):
    def make(group: str = "第一村民小组", name: str = "张三", *, target=None):
        return households.create_household(
            session,
            target or village,
            f"{next(_numbers):05d}",
            name,
            group_name=group,
            actor="panel",
        )

    return make


@pytest.fixture
def give(session):
    """award_points at a local time: give(household, 10, local(2026, 3, 1, 9))."""

    def award(household, delta, at, *, rule=None, memo="评定"):
        return points.award_points(
            session, household, delta=delta, rule=rule, actor="panel:test", memo=memo, at=at
        )

    return award


def ledger_sums(session, village_id: int, start: dt.datetime, end: dt.datetime, kinds):
    """{household_id: [positive sum, negative sum as positive, entries]} straight from rows."""
    sums: dict[int, list[int]] = collections.defaultdict(lambda: [0, 0, 0])
    rows = session.execute(
        select(Journal.kind, Journal.created_at, PointsEntry.household_id, PointsEntry.delta)
        .join(PointsEntry, PointsEntry.journal_id == Journal.id)
        .where(Journal.village_id == village_id)
    )
    for kind, created_at, hid, delta in rows:
        if kind in kinds and start <= created_at < end:
            s = sums[hid]
            if delta > 0:
                s[0] += delta
            else:
                s[1] -= delta
            s[2] += 1
    return sums


def village_households(session, village_id: int) -> list[Household]:
    return list(session.scalars(select(Household).where(Household.village_id == village_id)))
