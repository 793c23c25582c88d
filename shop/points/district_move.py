"""A village moved to another district (乡镇区划调整 across districts) and its catalogue of rules.

What a village scheme expects, and what this does:

- The items it had from the district it left stay in it as its own (本村, marked 原区县 with
  that district's name): the same rows, so its households' pending applications, awards and
  history keep their rules, with the points and the on/off they had. They no longer follow the
  old district (its later changes, renames and retirements do not reach them).
- The new district's items (its active ones) arrive as when a village is opened: switched on,
  in the new district's categories (a heading of the same code is shared, so the kiosk shows
  one 积孝). An old item with the same name in the same category as one arriving is switched
  off: the new district's item takes its place (its history stays).
- One journal row in the village's chain says what was kept, taken and switched off.

A move within the same district changes nothing in the catalogue.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop import ledger
from shop.ledger import catalogue_grammar as words
from shop.points.district_catalog import _materialise, district_catalogue
from shop.points.models import Rule, RuleCategory
from shop.regions.models import District, Village


def move_catalogue(
    session: Session,
    village: Village,
    old: District | None,
    new: District | None,
    *,
    actor: str,
) -> tuple[int, int, int]:
    """The village's catalogue after a move from `old` to `new` district. Returns (items kept
    from the old district, items taken from the new, old items switched off by a new one)."""
    if (old.id if old else None) == (new.id if new else None):
        return 0, 0, 0
    kept = _keep_as_own(session, village, old)
    taken = replaced = 0
    if new is not None:
        by_place = {(r.category.code, r.name): r for r in kept}
        for _cat, rules in district_catalogue(session, new.id):
            for rule in rules:
                if not rule.is_active:
                    continue
                _materialise(session, village.id, rule, active=True)
                taken += 1
                former = by_place.get((rule.category.code, rule.name))
                if former is not None and former.is_active:
                    former.is_active = False
                    replaced += 1
    session.flush()
    if kept or taken:
        ledger.append(
            session,
            village.id,
            "staff_change",
            actor=actor,
            ref=f"village:{village.code}",
            memo=words.memo_moved(
                old.name if old else "-", len(kept), new.name if new else "-", taken, replaced
            ),
        )
    return len(kept), taken, replaced


def _keep_as_own(session: Session, village: Village, old: District | None) -> list[Rule]:
    """The old district's items become the village's own (marked 原区县), its headings too."""
    cats = session.scalars(
        select(RuleCategory).where(
            RuleCategory.village_id == village.id, RuleCategory.district_category_id.is_not(None)
        )
    ).all()
    kept = []
    for cat in cats:
        for rule in cat.rules:
            if rule.district_rule_id is None:
                continue
            rule.district_rule_id = None
            rule.former_district = old.name if old else ""
            rule.is_points_set_by_village = rule.is_off_by_village = False
            kept.append(rule)
        cat.district_category_id = None
    session.flush()
    return kept
