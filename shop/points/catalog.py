"""The rules catalogue (积分项目): categories and their rules, added and retired by the panel."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from shop import ledger
from shop.errors import DomainError
from shop.points import operations as points
from shop.points.models import Rule, RuleCategory
from shop.regions.models import Village


def rules_catalog(session: Session, village_id: int, *, include_retired: bool = False):
    """Categories with their rules, in the panel's order."""
    cats = list(
        session.scalars(
            select(RuleCategory)
            .options(joinedload(RuleCategory.rules))
            .where(RuleCategory.village_id == village_id)
            .order_by(RuleCategory.sort_order, RuleCategory.id)
        ).unique()
    )
    return [
        (c, sorted((r for r in c.rules if include_retired or r.is_active), key=lambda r: r.id))
        for c in cats
    ]


def get_rule(session: Session, village_id: int, rule_id: int) -> Rule:
    rule = session.scalar(
        select(Rule)
        .join(RuleCategory, RuleCategory.id == Rule.category_id)
        .where(Rule.id == rule_id, RuleCategory.village_id == village_id)
    )
    if rule is None:
        raise DomainError("unknown_rule", str(rule_id))
    return rule


def category_fields(code: str | None, name: str | None) -> tuple[str, str]:
    """A category's code and name as typed, trimmed; refused, naming the first one left empty."""
    code, name = (code or "").strip(), (name or "").strip()
    if not code or not name:
        raise DomainError(
            "category_name_required" if code else "category_code_required", "code name"
        )
    return code, name


def add_category(session: Session, village: Village, code: str, name: str, *, actor: str):
    code, name = category_fields(code, name)
    if session.scalar(
        select(RuleCategory.id).where(
            RuleCategory.village_id == village.id, RuleCategory.code == code
        )
    ):
        raise DomainError("category_code_taken", f"category {code}")
    cat = RuleCategory(village_id=village.id, code=code, name=name, sort_order=99)
    session.add(cat)
    session.flush()
    ledger.append(
        session,
        village.id,
        "staff_change",
        actor=actor,
        ref=f"category:{code}",
        memo=f"create category {name}",
    )
    return cat


def add_rule(
    session: Session,
    category: RuleCategory,
    name: str,
    points_value: int,
    *,
    actor: str,
    name_en: str = "",
) -> Rule:
    name = name.strip()
    if (
        not name
        or not isinstance(points_value, int)
        or points_value == 0
        or abs(points_value) > points.MAX_AWARD
    ):
        raise DomainError(
            "invalid_points" if name else "rule_name_required", f"{name} {points_value}"
        )
    rule = Rule(category_id=category.id, name=name, name_en=name_en, points=points_value)
    session.add(rule)
    session.flush()
    ledger.append(
        session,
        category.village_id,
        "staff_change",
        actor=actor,
        ref=f"rule:{rule.id}",
        memo=f"create rule {name} {points_value:+d}",
    )
    return rule


def set_rule_active(session: Session, rule: Rule, active: bool, *, actor: str) -> None:
    """Retire (停用) or bring back a rule; rules are never deleted (the ledger points at them)."""
    if active and rule.district_rule_id and rule.district_rule and not rule.district_rule.is_active:
        raise DomainError("district_rule_retired", rule.name)  # retired by the district
    rule.is_active = active
    if rule.district_rule_id:
        # The village's own say: kept off when the district brings a retired item back.
        rule.is_off_by_village = not active
    session.flush()
    ledger.append(
        session,
        rule.category.village_id,
        "staff_change",
        actor=actor,
        ref=f"rule:{rule.id}",
        memo=("restore " if active else "retire ") + rule.name,
    )
