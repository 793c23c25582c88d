"""Award import from a table (another points app, a spreadsheet), previewed before it is written;
a re-import of the same file awards once."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop.db import apply_in_batches
from shop.errors import DomainError
from shop.households.models import Household
from shop.points import operations as points
from shop.points.catalog import rules_catalog
from shop.points.models import AwardRequest, Rule
from shop.tabular import pick

NUMBER = ("户号", "number", "household_no")
RULE = ("积分项目", "项目", "rule")
POINTS = ("分值", "积分", "points", "delta")
MEMO = ("说明", "备注", "memo")


@dataclass
class ImportLine:
    line: int
    household: Household
    rule: Rule | None
    delta: int
    memo: str
    key: str
    done_before: bool = False


@dataclass
class ImportPreview:
    lines: list[ImportLine]
    errors: list[tuple[int, str]]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def new_lines(self) -> list[ImportLine]:
        return [x for x in self.lines if not x.done_before]

    @property
    def total(self) -> int:
        return sum(x.delta for x in self.new_lines)


def row_key(village_id: int, raw: dict) -> str:
    """The row's idempotency key: a hash of its content, so the same row imports once."""
    content = "|".join(
        [
            str(village_id),
            pick(raw, *NUMBER),
            pick(raw, *RULE),
            pick(raw, *POINTS),
            pick(raw, *MEMO),
        ]
    )
    return "import:" + hashlib.sha256(content.encode()).hexdigest()[:50]


def preview_award_import(session: Session, village_id: int, rows: list[dict]) -> ImportPreview:
    rules = {}
    for cat, items in rules_catalog(session, village_id, include_retired=True):
        for r in items:
            rules.setdefault(r.name, r)
            rules.setdefault(f"{cat.name}/{r.name}", r)
    wanted = {pick(r, *NUMBER) for r in rows if r}
    by_number = {
        h.number: h
        for h in session.scalars(
            select(Household).where(
                Household.village_id == village_id, Household.number.in_(wanted)
            )
        )
    }
    lines, errors, seen = [], [], {}
    for i, raw in enumerate(rows, start=2):
        if not raw:
            continue
        number, rule_name = pick(raw, *NUMBER), pick(raw, *RULE)
        points_text, memo = pick(raw, *POINTS), pick(raw, *MEMO)
        household = by_number.get(number)
        if not number:
            errors.append((i, "缺少户号"))
            continue
        if household is None:
            errors.append((i, f"没有户号 {number}"))
            continue
        if household.status != "active":
            errors.append((i, f"户号 {number} 已暂停"))
            continue
        rule = None
        if rule_name:
            rule = rules.get(rule_name)
            if rule is None:
                errors.append((i, f"没有积分项目“{rule_name}”"))
                continue
            if not rule.is_active:
                errors.append((i, f"积分项目“{rule_name}”已停用"))
                continue
        try:
            delta = int(points_text) if points_text else (rule.points if rule else 0)
        except ValueError:
            errors.append((i, f"分值应为整数，而不是“{points_text}”"))
            continue
        if delta == 0 or abs(delta) > points.MAX_AWARD:
            errors.append(
                (
                    i,
                    "缺少积分项目或分值"
                    if not rule and not points_text
                    else f"分值不对：{points_text}",
                )
            )
            continue
        key = row_key(village_id, raw)
        if key in seen:
            errors.append((i, f"和第 {seen[key]} 行完全相同（重复行）"))
            continue
        seen[key] = i
        lines.append(ImportLine(i, household, rule, delta, memo[:500], key))
    done = (
        set(
            session.scalars(
                select(AwardRequest.idempotency_key).where(
                    AwardRequest.village_id == village_id,
                    AwardRequest.idempotency_key.in_([x.key for x in lines]),
                )
            )
        )
        if lines
        else set()
    )
    # A deduction applies at any balance (it may take a household below zero).
    for x in lines:
        x.done_before = x.key in done
    errors.sort()
    return ImportPreview(lines, errors)


def import_awards(
    open_unit, village_id: int, rows: list[dict], *, actor: str, read_unit=None
) -> ImportPreview:
    """The award import as the back-office runs it: the whole file checked first, then applied
    in short transactions that leave room for sales (shop.db.apply_in_batches). Safe to run
    again: each row's key awards it once. `read_unit` (a read-only unit of work) checks the file
    without taking the write lock."""
    with (read_unit or open_unit)() as session:
        checked = preview_award_import(session, village_id, rows)
    if not checked.ok:
        raise DomainError(
            "file_has_bad_rows", f"{len(checked.errors)} bad rows", errors=checked.errors
        )
    done = apply_in_batches(
        open_unit,
        rows,
        lambda session, batch: apply_award_import(session, village_id, list(batch), actor=actor),
    )
    return ImportPreview([line for part in done for line in part.lines], [])


def apply_award_import(session: Session, village_id: int, rows: list[dict], *, actor: str):
    """Award every row, all or nothing; rows imported before are skipped (same key)."""
    preview = preview_award_import(session, village_id, rows)
    if not preview.ok:
        raise DomainError(
            "file_has_bad_rows", f"{len(preview.errors)} bad rows", errors=preview.errors
        )
    # One household in the session at a time: award_points' ORM UPDATE re-evaluates every
    # loaded Household (synchronize_session), which made a long import quadratic.
    for x in preview.lines:
        if x.household in session:
            session.expunge(x.household)
    for x in preview.new_lines:
        household = session.get(Household, x.household.id)
        points.award_points(
            session,
            household,
            rule=x.rule,
            delta=x.delta,
            actor=actor,
            memo=x.memo,
            idempotency_key=x.key,
        )
        session.expunge(household)
    for x in preview.lines:
        if x.household not in session:
            session.add(x.household)
            session.expire(x.household, ["balance"])
    return preview
