"""The supervisor's journal browser (监督小组): every journal row, filtered, newest first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from shop import clock, voice
from shop.errors import DomainError
from shop.households.models import Household
from shop.ledger.models import Journal, PointsEntry, StockMove
from shop.ledger.references import count_batches, is_batch
from shop.points.models import Activity, Rule, RuleCategory
from shop.regions.models import Village
from shop.staff.models import ApiToken
from shop.stock.models import Product
from shop.transparency.common import (
    JOURNAL_KINDS,
    MAX_PAGE,
    zone,
)

# ---------------------------------------------------------------------------------------------
# Journal browser for the supervision panel (监督小组)


@dataclass(frozen=True)
class PostingRow:
    household_id: int
    household_number: str
    head_name: str
    delta: int
    balance_after: int
    rule: str | None


@dataclass(frozen=True)
class MoveRow:
    product_id: int
    sku: str
    product_name: str
    delta: int
    on_hand_after: int
    reason: str


@dataclass(frozen=True)
class JournalRow:
    id: int
    seq: int
    kind: str
    created_at: dt.datetime  # UTC
    actor: str  # who did it: staff username, "panel:…", kiosk code …
    ref: str
    memo: str
    hash: str
    points: list[PostingRow]
    stock: list[MoveRow]


@dataclass(frozen=True)
class JournalPage:
    rows: list[JournalRow]
    limit: int
    offset: int
    has_more: bool


def browse_journal(
    session: Session,
    village_id: int,
    *,
    household: Household | int | None = None,
    actor: str | None = None,
    kind: str | Iterable[str] | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    limit: int = 50,
    offset: int = 0,
    tz: str | dt.tzinfo | None = None,
) -> JournalPage:
    """The village's journal, newest first, with postings; read-only, for the supervisor.

    household: rows posting points to it, or about it (ref ``household:<number>``).
    actor: exact match. kind: one kind or several. date_from/date_to: local dates, inclusive.
    """
    if not (1 <= limit <= MAX_PAGE) or offset < 0:  # the page's own paging links: a machine's
        raise DomainError("invalid_input", f"limit 1..{MAX_PAGE}, offset >= 0")
    z = zone(tz)
    query = select(Journal).where(Journal.village_id == village_id)
    if household is not None:
        home = household if isinstance(household, Household) else session.get(Household, household)
        if home is None or home.village_id != village_id:
            raise DomainError("unknown_household", str(household))
        query = query.where(
            or_(
                exists().where(
                    PointsEntry.journal_id == Journal.id, PointsEntry.household_id == home.id
                ),
                Journal.ref == f"household:{home.number}",
            )
        )
    if actor:
        query = query.where(Journal.actor == actor)
    if kind:
        kinds = [kind] if isinstance(kind, str) else list(kind)
        unknown = set(kinds) - set(JOURNAL_KINDS)
        if unknown:  # kinds come from the page's own list, never typed: a machine's mistake
            raise DomainError("invalid_input", f"unknown kind {sorted(unknown)}")
        query = query.where(Journal.kind.in_(kinds))
    if date_from is not None:
        query = query.where(Journal.created_at >= clock.midnight(date_from, z))
    if date_to is not None:
        query = query.where(Journal.created_at < clock.midnight(date_to + dt.timedelta(days=1), z))
    journal = list(
        session.scalars(query.order_by(Journal.seq.desc()).limit(limit + 1).offset(offset))
    )
    has_more = len(journal) > limit
    journal = journal[:limit]
    ids = [j.id for j in journal]
    points: dict[int, list[PostingRow]] = {i: [] for i in ids}
    stock: dict[int, list[MoveRow]] = {i: [] for i in ids}
    if ids:
        for jid, hid, number, name, delta, after, rule in session.execute(
            select(
                PointsEntry.journal_id,
                PointsEntry.household_id,
                Household.number,
                Household.head_name,
                PointsEntry.delta,
                PointsEntry.balance_after,
                Rule.name,
            )
            .join(Household, Household.id == PointsEntry.household_id)
            .outerjoin(Rule, Rule.id == PointsEntry.rule_id)
            .where(PointsEntry.journal_id.in_(ids))
            .order_by(PointsEntry.id)
        ):
            points[jid].append(PostingRow(hid, number, name, delta, after, rule))
        for jid, pid, sku, pname, delta, after, reason in session.execute(
            select(
                StockMove.journal_id,
                StockMove.product_id,
                Product.sku,
                Product.name,
                StockMove.delta,
                StockMove.on_hand_after,
                StockMove.reason,
            )
            .join(Product, Product.id == StockMove.product_id)
            .where(StockMove.journal_id.in_(ids))
            .order_by(StockMove.id)
        ):
            stock[jid].append(MoveRow(pid, sku, pname, delta, after, reason))
    rows = [
        JournalRow(
            j.id,
            j.seq,
            j.kind,
            j.created_at,
            j.actor,
            j.ref,
            j.memo,
            j.hash,
            points[j.id],
            stock[j.id],
        )
        for j in journal
    ]
    return JournalPage(rows, limit, offset, has_more)


def journal_actors(session: Session, village_id: int) -> list[str]:
    """Everyone who ever wrote to the village's journal, for the browser's actor filter."""
    return list(
        session.scalars(select(Journal.actor).where(Journal.village_id == village_id).distinct())
    )


def ref_names(
    session: Session, village_id: int, rows: list[JournalRow], tz: str | dt.tzinfo | None = None
) -> dict[str, str]:
    """What the page shows for the rows' references instead of a machine's key: a rule's,
    category's, activity's or token's name, the village's name, a batch award's place in its
    day ("2": the day's second batch; shop.ledger.references)."""
    z = zone(tz)
    wanted: dict[str, set[str]] = {}
    for row in rows:
        head, sep, rest = row.ref.partition(":")
        if sep:
            wanted.setdefault(head, set()).add(rest)
    names: dict[str, str] = {}
    ids = {head: [int(r) for r in wanted.get(head, ()) if r.isdigit()] for head in WITH_ID}
    for head, query in WITH_ID.items():
        if ids[head]:
            names |= {
                f"{head}:{i}": shown
                for i, shown in session.execute(query(village_id, ids[head]))
                if shown
            }
    if wanted.get("category"):
        names |= {
            f"category:{code}": name
            for code, name in session.execute(
                select(RuleCategory.code, RuleCategory.name).where(
                    RuleCategory.village_id == village_id,
                    RuleCategory.code.in_(wanted["category"]),
                )
            )
        }
    if wanted.get("village"):
        names |= {
            f"village:{code}": name
            for code, name in session.execute(
                select(Village.code, Village.name).where(Village.id == village_id)
            )
        }
    for clip_id in wanted.get("voice", ()):
        clip = voice.get(clip_id)
        if clip is not None:
            names[f"voice:{clip_id}"] = clip.text
    for day in {clock.local_date(row.created_at, z) for row in rows if is_batch(row.ref)}:
        names |= count_batches(
            session.scalars(
                select(Journal.ref)
                .where(
                    Journal.village_id == village_id,
                    Journal.ref.like("batch:%"),
                    Journal.created_at >= clock.midnight(day, z),
                    Journal.created_at < clock.midnight(day + dt.timedelta(days=1), z),
                )
                .order_by(Journal.seq)
            )
        )
    return names


# References by a row's id, shown by its name: (village, ids) -> the query of (id, name).
WITH_ID = {
    "rule": lambda village_id, ids: (
        select(Rule.id, Rule.name)
        .join(RuleCategory, RuleCategory.id == Rule.category_id)
        .where(RuleCategory.village_id == village_id, Rule.id.in_(ids))
    ),
    "activity": lambda village_id, ids: select(Activity.id, Activity.name).where(
        Activity.village_id == village_id, Activity.id.in_(ids)
    ),
    "token": lambda village_id, ids: select(ApiToken.id, ApiToken.label).where(
        ApiToken.village_id == village_id, ApiToken.id.in_(ids)
    ),
}
