"""The district's later edits to its catalogue (区县统一积分项目): renaming a category or an item,
and bringing a retired item back (恢复), each reaching every village of the district in the same
unit of work with a journal row in each village's chain (shop/points/district_catalog.py
publishes, re-points and retires).

- An inherited item's name is the district's: a rename replaces it in every village (a village
  cannot rename an inherited item; it adds an item of its own instead).
- A category's name reaches the villages whose heading is the district's; a village whose own
  category of the same code took the district's items (adopted, with a name of its own) keeps
  its heading.
- An item brought back returns to every village of the district: switched on, except where the
  village had switched it off itself before the district retired it (`is_off_by_village`); a
  village that never had it (opened, or moved into the district, while it was retired) receives
  it switched on. Its points are as they were (a retired item's points cannot change).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop import ledger
from shop.base import utcnow
from shop.errors import DomainError
from shop.ledger import catalogue_grammar as words
from shop.points.district_catalog import _linked, _materialise, villages_of
from shop.points.models import DistrictRule, DistrictRuleCategory, RuleCategory


def _names(name: str, name_en: str, required: str) -> tuple[str, str]:
    name, name_en = " ".join((name or "").split()), " ".join((name_en or "").split())
    if not name:
        raise DomainError(required, "name")
    return name, name_en


def rename_district_rule(
    session: Session, rule: DistrictRule, name: str, name_en: str = "", *, actor: str
) -> bool:
    """改名: the item's name (and English name) in the district and every village; False when
    nothing changed."""
    name, name_en = _names(name, name_en, "rule_name_required")
    old, old_en = rule.name, rule.name_en
    if (name, name_en) == (old, old_en):
        return False
    rule.name, rule.name_en = name, name_en
    rule.changed_by = actor
    rule.changed_at = utcnow()
    memo = words.memo_renamed(old, name) if name != old else words.memo_renamed_en(name, name_en)
    for own in _linked(session, rule):
        own.name, own.name_en = name, name_en
        session.flush()
        ledger.append(
            session,
            own.category.village_id,
            "staff_change",
            actor=actor,
            ref=f"rule:{own.id}",
            memo=memo,
        )
    session.flush()
    return True


def rename_district_category(
    session: Session, category: DistrictRuleCategory, name: str, name_en: str = "", *, actor: str
) -> bool:
    """改名: the category's name in the district and in every village whose heading is the
    district's (not in one that keeps a heading of its own); False when nothing changed."""
    name, name_en = _names(name, name_en, "category_name_required")
    old, old_en = category.name, category.name_en
    if (name, name_en) == (old, old_en):
        return False
    category.name, category.name_en = name, name_en
    category.changed_by = actor
    category.changed_at = utcnow()
    memo = (
        words.memo_category_renamed(old, name)
        if name != old
        else words.memo_category_renamed_en(name, name_en)
    )
    village_ids = {v.id for v in villages_of(session, category.district_id)}
    headings = session.scalars(
        select(RuleCategory)
        .where(RuleCategory.district_category_id == category.id)
        .order_by(RuleCategory.village_id)
    ).all()
    for heading in headings:
        if heading.village_id not in village_ids or heading.name != old:
            continue  # another district's village now, or the village's own heading
        heading.name, heading.name_en = name, name_en
        session.flush()
        ledger.append(
            session,
            heading.village_id,
            "staff_change",
            actor=actor,
            ref=f"category:{heading.code}",
            memo=memo,
        )
    session.flush()
    return True


def restore_district_rule(session: Session, rule: DistrictRule, *, actor: str) -> int:
    """恢复: a retired item back in every village of the district (see the module's note).
    Returns how many villages have it switched on."""
    if rule.is_active:
        return 0
    rule.is_active = True
    rule.changed_by = actor
    rule.changed_at = utcnow()
    switched_on = 0
    had = set()
    for own in _linked(session, rule):
        village_id = own.category.village_id
        had.add(village_id)
        own.is_active = not own.is_off_by_village
        switched_on += own.is_active
        session.flush()
        ledger.append(
            session,
            village_id,
            "staff_change",
            actor=actor,
            ref=f"rule:{own.id}",
            memo=(
                words.memo_restored(own.name)
                if own.is_active
                else words.memo_restored_off(own.name)
            ),
        )
    for village in villages_of(session, rule.district_id):
        if village.id in had:
            continue
        own = _materialise(session, village.id, rule, active=True)
        switched_on += 1
        ledger.append(
            session,
            village.id,
            "staff_change",
            actor=actor,
            ref=f"rule:{own.id}",
            memo=words.memo_restored(own.name),
        )
    session.flush()
    return switched_on
