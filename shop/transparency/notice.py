"""The monthly public notice (一月一公示)."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop.base import utcnow
from shop.households.models import Household
from shop.ledger import sentences
from shop.ledger.models import Journal, PointsEntry
from shop.points.models import Rule, RuleCategory
from shop.regions.models import Village
from shop.sheets import Phrase
from shop.transparency.common import (
    NOTICE_KINDS,
    ChainHead,
    group_order,
    head_before,
    month_bounds,
    village_of,
    zone,
)
from shop.words import translator

# ---------------------------------------------------------------------------------------------
# Monthly notice (一月一公示)


@dataclass(frozen=True)
class NoticeItem:
    """One award, deduction or year-end posting on the notice."""

    seq: int
    at: dt.datetime  # local time
    kind: str
    category: str
    item: str  # the rule's name, else the memo as its sentence (a Phrase), else the kind
    memo: str
    delta: int
    actor: str

    def item_in(self, lang: str = "zh") -> str:
        """The item in `lang`: a memo's sentence in it (shop.ledger.sentences), a rule's name
        or a person's note as written."""
        if isinstance(self.item, Phrase):
            return self.item.words(translator(lang))
        return self.item


@dataclass
class NoticeHousehold:
    household_id: int
    number: str
    head_name: str
    group_name: str
    items: list[NoticeItem] = field(default_factory=list)
    awarded: int = 0  # sum of award postings (> 0)
    deducted: int = 0  # sum of deduction postings, as a positive number
    cleared: int = 0  # year-end postings (清零/封顶), as a positive number

    @property
    def net(self) -> int:
        return self.awarded - self.deducted - self.cleared

    def add(self, item: NoticeItem) -> None:
        self.items.append(item)
        if item.kind == "year_end":
            self.cleared -= item.delta
        elif item.delta > 0:
            self.awarded += item.delta
        else:
            self.deducted -= item.delta


@dataclass
class NoticeGroup:
    name: str
    households: list[NoticeHousehold]

    @property
    def awarded(self) -> int:
        return sum(h.awarded for h in self.households)

    @property
    def deducted(self) -> int:
        return sum(h.deducted for h in self.households)

    @property
    def cleared(self) -> int:
        return sum(h.cleared for h in self.households)

    @property
    def net(self) -> int:
        return sum(h.net for h in self.households)


@dataclass
class MonthlyNotice:
    """积分公示: every household's awards and deductions in one local month, by villager group."""

    village_id: int
    village_code: str
    village_name: str
    year: int
    month: int
    tz: str
    start: dt.datetime  # UTC, inclusive
    end: dt.datetime  # UTC, exclusive
    groups: list[NoticeGroup]
    head: ChainHead  # last row written before `end`: vouches for every line of the notice
    generated_at: dt.datetime

    @property
    def households(self) -> list[NoticeHousehold]:
        return [h for g in self.groups for h in g.households]

    @property
    def active_households(self) -> list[NoticeHousehold]:
        return [h for h in self.households if h.items]

    @property
    def awarded(self) -> int:
        return sum(g.awarded for g in self.groups)

    @property
    def deducted(self) -> int:
        return sum(g.deducted for g in self.groups)

    @property
    def cleared(self) -> int:
        return sum(g.cleared for g in self.groups)

    @property
    def net(self) -> int:
        return sum(g.net for g in self.groups)

    @property
    def is_empty(self) -> bool:
        return not self.active_households


def monthly_notice(
    session: Session, village: Village | int, year: int, month: int, tz: str | dt.tzinfo
) -> MonthlyNotice:
    """The month's public notice. Lists every household of the village (a household with nothing
    this month shows no items and zeros, so every family finds its own line)."""
    village = village_of(session, village)
    z = zone(tz)
    start, end = month_bounds(year, month, z)
    homes = session.execute(
        select(Household.id, Household.number, Household.head_name, Household.group_name)
        .where(Household.village_id == village.id)
        .order_by(Household.number)
    ).all()
    by_id = {h.id: NoticeHousehold(h.id, h.number, h.head_name, h.group_name) for h in homes}
    entries = session.execute(
        select(
            Journal.seq,
            Journal.kind,
            Journal.created_at,
            Journal.actor,
            Journal.memo,
            PointsEntry.household_id,
            PointsEntry.delta,
            Rule.name,
            RuleCategory.name,
        )
        .join(PointsEntry, PointsEntry.journal_id == Journal.id)
        .outerjoin(Rule, Rule.id == PointsEntry.rule_id)
        .outerjoin(RuleCategory, RuleCategory.id == Rule.category_id)
        .where(
            Journal.village_id == village.id,
            Journal.kind.in_(NOTICE_KINDS),
            Journal.created_at >= start,
            Journal.created_at < end,
        )
        .order_by(Journal.seq, PointsEntry.id)
    )
    for seq, kind, at, actor, memo, hid, delta, rule_name, category in entries:
        home = by_id.get(hid)
        if home is None:  # a posting to another village's household cannot happen; stay safe
            continue
        said = None if rule_name else sentences.say(kind, "", memo or "")
        if said is not None:  # the year end, an old award's memo: a sentence, not machine text
            item = Phrase(functools.partial(sentences.filled, said))
        else:
            item = rule_name or memo or _KIND_ZH.get(kind, kind)
        home.add(NoticeItem(seq, at.astimezone(z), kind, category or "", item, memo, delta, actor))
    groups: dict[str, list[NoticeHousehold]] = {}
    for name in group_order(homes):
        groups[name] = []
    for home in by_id.values():
        groups[home.group_name].append(home)
    return MonthlyNotice(
        village_id=village.id,
        village_code=village.code,
        village_name=village.name,
        year=year,
        month=month,
        tz=str(z),
        start=start,
        end=end,
        groups=[NoticeGroup(name, members) for name, members in groups.items()],
        head=head_before(session, village.id, end),
        generated_at=utcnow(),
    )


_KIND_ZH = {"award": "加分", "deduction": "扣分", "year_end": "年终积分处理"}
