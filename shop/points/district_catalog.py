"""The district's catalogue of rules (区县统一积分项目): categories and items the district sets
once, inherited by every village of the district, switched off or on and (within the district's
range) re-pointed by each village, which keeps adding items of its own (本村).

A village's inherited items are rows of its own catalogue (RuleCategory, Rule) linked to the
district's (`district_category_id`, `district_rule_id`), so everything that reads a village's
rules (awards, applications, review, the kiosk, the phone page, the notice) reads the merged
catalogue unchanged, and the scope stays one mechanism: the district's own rows are written by
the district's members only (shop/scope.py, catalogue_key).

What the district does reaches every village of the district in the same unit of work, with a
journal row in each village's chain: a new item arrives (switched on), new points are followed
by the villages that kept the district's points and clamped into the new range in those that
adjusted theirs, a retired item is retired everywhere. A village opened later takes the
district's items it chose (`take_district_rules`); a village that existed before an item was
published keeps its own rules and receives each item published after.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop import ledger
from shop.base import utcnow
from shop.errors import DomainError
from shop.ledger import catalogue_grammar as words
from shop.points.catalog import category_fields, rules_catalog
from shop.points.models import DistrictRule, DistrictRuleCategory, Rule, RuleCategory
from shop.points.operations import MAX_AWARD
from shop.regions.models import District, Township, Village


def district_catalogue(session: Session, district_id: int):
    """The district's categories with their items (retired ones too), in the district's order."""
    cats = session.scalars(
        select(DistrictRuleCategory)
        .where(DistrictRuleCategory.district_id == district_id)
        .order_by(DistrictRuleCategory.sort_order, DistrictRuleCategory.id)
    ).all()
    rules = session.scalars(
        select(DistrictRule)
        .where(DistrictRule.district_id == district_id)
        .order_by(DistrictRule.id)
    ).all()
    by_cat: dict[int, list[DistrictRule]] = {c.id: [] for c in cats}
    for rule in rules:
        by_cat.setdefault(rule.category_id, []).append(rule)
    return [(c, by_cat[c.id]) for c in cats]


def district_of(session: Session, village_id: int) -> int | None:
    """The district a village belongs to (None outside the tree)."""
    return session.scalar(
        select(Township.district_id)
        .join(Village, Village.township_id == Township.id)
        .where(Village.id == village_id)
    )


def village_catalogue(session: Session, village_id: int):
    """The village's merged catalogue (its own and inherited items, retired ones too), each
    inherited item's district row loaded (`rule.district_rule`: range, retired by the district)."""
    catalog = rules_catalog(session, village_id, include_retired=True)
    linked = {r.district_rule_id for _c, rules in catalog for r in rules if r.district_rule_id}
    if linked:
        # Loaded once: each rule.district_rule then comes from the identity map (touched here,
        # so the page can read it after the unit of work).
        session.scalars(select(DistrictRule).where(DistrictRule.id.in_(linked))).all()
        for _c, rules in catalog:
            for rule in rules:
                _ = rule.district_rule
    return catalog


def get_district_rule(session: Session, district_id: int, rule_id: int) -> DistrictRule:
    rule = session.get(DistrictRule, rule_id)
    if rule is None or rule.district_id != district_id:
        raise DomainError("unknown_rule", str(rule_id))
    return rule


def get_district_category(session: Session, district_id: int, cat_id: int) -> DistrictRuleCategory:
    cat = session.get(DistrictRuleCategory, cat_id)
    if cat is None or cat.district_id != district_id:
        raise DomainError("unknown_rule", "category")
    return cat


# --- the district's side ------------------------------------------------------------------------


def add_district_category(
    session: Session, district: District, code: str, name: str, *, actor: str, name_en: str = ""
) -> DistrictRuleCategory:
    """A category of the district's catalogue. It reaches the villages with its first item."""
    code, name = category_fields(code, name)
    if session.scalar(
        select(DistrictRuleCategory.id).where(
            DistrictRuleCategory.district_id == district.id, DistrictRuleCategory.code == code
        )
    ):
        raise DomainError("category_code_taken", f"category {code}")
    cat = DistrictRuleCategory(
        district_id=district.id,
        code=code,
        name=name,
        name_en=(name_en or "").strip(),
        sort_order=len(district_catalogue(session, district.id)),
        changed_by=actor,
    )
    session.add(cat)
    session.flush()
    return cat


def _check_range(points: int, low: int, high: int) -> None:
    if not all(isinstance(v, int) for v in (points, low, high)):
        raise DomainError("invalid_points", "points")
    if points == 0 or abs(points) > MAX_AWARD:
        raise DomainError("invalid_points", str(points))
    if not (low <= points <= high) or (low <= 0 <= high) or max(abs(low), abs(high)) > MAX_AWARD:
        raise DomainError("invalid_points_range", f"{low}～{high}")


def add_district_rule(
    session: Session,
    category: DistrictRuleCategory,
    name: str,
    points: int,
    points_min: int,
    points_max: int,
    *,
    actor: str,
    name_en: str = "",
) -> DistrictRule:
    """A new item of the district's catalogue, switched on in every village of the district."""
    name = " ".join((name or "").split())
    if not name:
        raise DomainError("rule_name_required", "name")
    _check_range(points, points_min, points_max)
    rule = DistrictRule(
        district_id=category.district_id,
        category_id=category.id,
        name=name,
        name_en=(name_en or "").strip(),
        points=points,
        points_min=points_min,
        points_max=points_max,
        changed_by=actor,
    )
    session.add(rule)
    session.flush()
    for village in villages_of(session, category.district_id):
        own = _materialise(session, village.id, rule, active=True)
        ledger.append(
            session,
            village.id,
            "staff_change",
            actor=actor,
            ref=f"rule:{own.id}",
            memo=words.memo_published(name, points, points_min, points_max),
        )
    return rule


def change_district_rule(
    session: Session,
    rule: DistrictRule,
    points: int,
    points_min: int,
    points_max: int,
    *,
    actor: str,
) -> None:
    """New points and range: a village that follows the district's points (it never set its
    own, or went back to 跟随区县) takes them; one that set its own keeps them, clamped into the
    new range."""
    _check_range(points, points_min, points_max)
    if not rule.is_active:
        raise DomainError("rule_retired", rule.name)
    rule.points, rule.points_min, rule.points_max = points, points_min, points_max
    rule.changed_by = actor
    rule.changed_at = utcnow()
    for own in _linked(session, rule):
        before = own.points
        own.points = (
            min(max(before, points_min), points_max) if own.is_points_set_by_village else points
        )
        session.flush()
        ledger.append(
            session,
            own.category.village_id,
            "staff_change",
            actor=actor,
            ref=f"rule:{own.id}",
            memo=words.memo_changed(own.name, before, own.points, points_min, points_max),
        )
    session.flush()


def retire_district_rule(session: Session, rule: DistrictRule, *, actor: str) -> None:
    """停用: retired in every village of the district; a village cannot switch it back on.
    Never deleted (awards point at the villages' rows)."""
    if not rule.is_active:
        return
    rule.is_active = False
    rule.changed_by = actor
    rule.changed_at = utcnow()
    for own in _linked(session, rule):
        own.is_active = False
        session.flush()
        ledger.append(
            session,
            own.category.village_id,
            "staff_change",
            actor=actor,
            ref=f"rule:{own.id}",
            memo=words.memo_retired(own.name),
        )
    session.flush()


# --- the village's side -------------------------------------------------------------------------


def adjust_rule_points(session: Session, rule: Rule, points: int, *, actor: str) -> None:
    """A village sets its own points for an inherited item, within the district's range. From
    then on they are the village's: the district's new points no longer replace them (only its
    new range clamps them), even when the village chose the district's own value."""
    district_rule = rule.district_rule if rule.district_rule_id else None
    if district_rule is None:
        raise DomainError("not_district_rule", rule.name)
    if not district_rule.is_active:
        raise DomainError("district_rule_retired", rule.name)
    if not isinstance(points, int) or not (
        district_rule.points_min <= points <= district_rule.points_max
    ):
        raise DomainError(
            "points_outside_range", f"{district_rule.points_min}～{district_rule.points_max}"
        )
    before = rule.points
    if before == points and rule.is_points_set_by_village:
        return
    rule.points = points
    rule.is_points_set_by_village = True
    session.flush()
    ledger.append(
        session,
        rule.category.village_id,
        "staff_change",
        actor=actor,
        ref=f"rule:{rule.id}",
        memo=(
            words.memo_kept(rule.name, points)
            if before == points
            else words.memo_adjusted(rule.name, before, points)
        ),
    )


def follow_district_points(session: Session, rule: Rule, *, actor: str) -> None:
    """跟随区县: the village gives its own points up; the item takes the district's points now
    and follows each change the district makes."""
    district_rule = rule.district_rule if rule.district_rule_id else None
    if district_rule is None:
        raise DomainError("not_district_rule", rule.name)
    if not district_rule.is_active:
        raise DomainError("district_rule_retired", rule.name)
    if not rule.is_points_set_by_village:
        return
    before = rule.points
    rule.points = district_rule.points
    rule.is_points_set_by_village = False
    session.flush()
    ledger.append(
        session,
        rule.category.village_id,
        "staff_change",
        actor=actor,
        ref=f"rule:{rule.id}",
        memo=words.memo_follows(rule.name, before, rule.points),
    )


def take_district_rules(
    session: Session, village: Village, *, off: Iterable[int] = (), actor: str
) -> int:
    """开通乡村: the district's items (active ones) into a new village; those in `off` (district
    rule ids) arrive switched off. One journal row. Returns how many items it took."""
    district_id = district_of(session, village.id)
    if district_id is None:
        return 0
    off = set(off)
    taken = switched_off = 0
    for _cat, rules in district_catalogue(session, district_id):
        for rule in rules:
            if rule.is_active:
                active = rule.id not in off
                _materialise(session, village.id, rule, active=active)
                taken += 1
                switched_off += not active
    if taken:
        ledger.append(
            session,
            village.id,
            "staff_change",
            actor=actor,
            ref=f"village:{village.code}",
            memo=words.memo_taken(taken, switched_off),
        )
    return taken


# --- propagation -----------------------------------------------------------------------------


def villages_of(session: Session, district_id: int) -> list[Village]:
    return list(
        session.scalars(
            select(Village)
            .join(Township, Township.id == Village.township_id)
            .where(Township.district_id == district_id)
            .order_by(Village.id)
        )
    )


def _linked(session: Session, rule: DistrictRule) -> list[Rule]:
    """Every village's row of this district item (in the villages still of its district)."""
    return list(
        session.scalars(
            select(Rule)
            .join(RuleCategory, RuleCategory.id == Rule.category_id)
            .join(Village, Village.id == RuleCategory.village_id)
            .join(Township, Township.id == Village.township_id)
            .where(Rule.district_rule_id == rule.id, Township.district_id == rule.district_id)
            .order_by(Rule.id)
        )
    )


def _village_category(session: Session, village_id: int, dcat: DistrictRuleCategory):
    """The village's category for a district category: linked already, else its own category of
    the same code (adopted: its own items stay its own), else a new one."""
    cats = session.scalars(
        select(RuleCategory).where(
            RuleCategory.village_id == village_id,
            (RuleCategory.district_category_id == dcat.id) | (RuleCategory.code == dcat.code),
        )
    ).all()
    linked = [c for c in cats if c.district_category_id == dcat.id]
    if linked:
        return linked[0]
    same_code = [c for c in cats if c.code == dcat.code]
    if same_code and same_code[0].district_category_id is None:
        same_code[0].district_category_id = dcat.id
        return same_code[0]
    code = dcat.code if not same_code else f"{dcat.code[:24]}-d{dcat.id}"
    cat = RuleCategory(
        village_id=village_id,
        code=code,
        name=dcat.name,
        name_en=dcat.name_en,
        sort_order=dcat.sort_order,
        district_category_id=dcat.id,
    )
    session.add(cat)
    session.flush()
    return cat


def _materialise(session: Session, village_id: int, rule: DistrictRule, *, active: bool) -> Rule:
    cat = _village_category(session, village_id, rule.category)
    own = Rule(
        category_id=cat.id,
        name=rule.name,
        name_en=rule.name_en,
        points=rule.points,
        is_active=active,
        district_rule_id=rule.id,
        # Left unticked when the village was opened: its own choice, as a switch-off is.
        is_off_by_village=not active,
    )
    session.add(own)
    session.flush()
    return own
