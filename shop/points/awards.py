"""Points awards in the back-office (积分评定): batches with a preview, reversals with a reason,
villagers' own applications (双向积分认证), and award import from a table.

Every award goes through shop.points.award_points with an idempotency key, so a double submit of
a batch or a re-import of the same file awards once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from shop import ledger, points
from shop.base import utcnow
from shop.errors import DomainError
from shop.households.models import Household
from shop.ledger.models import Journal, PointsEntry
from shop.points.models import AwardRequest, PointsApplication, Rule, RuleCategory
from shop.regions.models import Village
from shop.tabular import pick

# --- rules catalog ----------------------------------------------------------------------------


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


def add_category(session: Session, village: Village, code: str, name: str, *, actor: str):
    code, name = code.strip(), name.strip()
    if not code or not name:
        raise DomainError("invalid_input", "category code and name are required")
    if session.scalar(
        select(RuleCategory.id).where(
            RuleCategory.village_id == village.id, RuleCategory.code == code
        )
    ):
        raise DomainError("duplicate", f"category {code}")
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
        raise DomainError("invalid_points" if name else "invalid_input", f"{name} {points_value}")
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
    rule.is_active = active
    session.flush()
    ledger.append(
        session,
        rule.category.village_id,
        "staff_change",
        actor=actor,
        ref=f"rule:{rule.id}",
        memo=("restore " if active else "retire ") + rule.name,
    )


# --- batch awards -----------------------------------------------------------------------------


@dataclass
class BatchLine:
    household: Household
    before: int
    after: int
    problem: str | None = None


@dataclass
class BatchPreview:
    rule: Rule
    lines: list[BatchLine]

    @property
    def total(self) -> int:
        return sum(line.after - line.before for line in self.lines)

    @property
    def ok(self) -> bool:
        return bool(self.lines) and not any(line.problem for line in self.lines)


def _households(session: Session, village_id: int, ids) -> list[Household]:
    wanted = sorted({int(i) for i in ids})
    found = (
        list(
            session.scalars(
                select(Household)
                .where(Household.village_id == village_id, Household.id.in_(wanted))
                .order_by(Household.number)
            )
        )
        if wanted
        else []
    )
    if len(found) != len(wanted):
        raise DomainError("unknown_household")
    return found


def preview_batch(session: Session, village_id: int, rule: Rule, household_ids) -> BatchPreview:
    lines = []
    for h in _households(session, village_id, household_ids):
        after = h.balance + rule.points
        problem = None
        if h.status != "active":
            problem = "household_inactive"
        elif after < 0:
            problem = "insufficient_points"
        lines.append(BatchLine(h, h.balance, after, problem))
    if not rule.is_active:
        for line in lines:
            line.problem = "rule_retired"
    return BatchPreview(rule, lines)


def award_day(on: dt.date | None, tz: dt.tzinfo) -> dt.datetime | None:
    """The journal time for an award dated `on`: now if today (or none), else noon that day."""
    if on is None or on == dt.datetime.now(tz).date():
        return None
    return dt.datetime.combine(on, dt.time(12), tzinfo=tz)


def apply_batch(
    session: Session,
    village_id: int,
    rule: Rule,
    household_ids,
    *,
    actor: str,
    batch_key: str,
    memo: str = "",
    at: dt.datetime | None = None,
) -> BatchPreview:
    """Award the rule to every household, all or nothing, as one journal event with a posting
    per household (the panel's one decision). Balances move in one guarded UPDATE whose row
    count must match, so a deduction that would take any household below zero refuses the
    batch. `batch_key` (made by the page) makes a double submit harmless."""
    preview = preview_batch(session, village_id, rule, household_ids)
    if not preview.lines:
        raise DomainError("invalid_input", "no households chosen")
    for line in preview.lines:
        if line.problem:
            raise DomainError(line.problem, line.household.number)
    if not batch_key or len(batch_key) > 40:
        raise DomainError("invalid_input", "batch key")
    key = f"batch:{batch_key}"
    ids = [line.household.id for line in preview.lines]
    request_hash = hashlib.sha256(
        f"{rule.id}|{rule.points}|{memo}|{','.join(map(str, ids))}".encode()
    ).hexdigest()
    if _batch_done(session, key, request_hash):
        return preview
    delta = rule.points
    try:
        with session.begin_nested():
            rows = session.execute(
                update(Household)
                .where(Household.id.in_(ids), Household.balance + delta >= 0)
                .values(balance=Household.balance + delta)
                .returning(Household.id, Household.balance)
                .execution_options(synchronize_session=False)
            ).all()
            if len(rows) != len(ids):
                raise DomainError("insufficient_points", key)
            after = dict(rows)
            appended = ledger.append(
                session,
                village_id,
                "award" if delta > 0 else "deduction",
                actor=actor,
                ref=key[:64],
                memo=memo,
                points=[ledger.Posting(i, delta, after[i], rule.id) for i in ids],
                at=at,
            )
            session.add(
                AwardRequest(idempotency_key=key, request_hash=request_hash, journal_id=appended.id)
            )
            session.flush()
    except IntegrityError:
        if _batch_done(session, key, request_hash):  # the same batch, submitted twice at once
            return preview
        raise
    for line in preview.lines:
        session.expire(line.household, ["balance"])
    return preview


def _batch_done(session: Session, key: str, request_hash: str) -> bool:
    previous = session.scalar(
        select(AwardRequest.request_hash).where(AwardRequest.idempotency_key == key)
    )
    if previous is not None and previous != request_hash:
        raise DomainError("idempotency_conflict", key)
    return previous is not None


# --- reversal ---------------------------------------------------------------------------------


def reverse_award(
    session: Session,
    village_id: int,
    journal_id: int,
    *,
    reason: str,
    actor: str,
    household_id: int | None = None,
) -> ledger.Appended:
    """冲正: a wrong award or deduction is corrected by a reversing entry, once, with a reason.
    A batch award is one journal row with a posting per household: name the household."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("reason_required")
    journal = session.get(Journal, journal_id)
    if (
        journal is None
        or journal.village_id != village_id
        or journal.kind not in ("award", "deduction")
    ):
        raise DomainError("invalid_input", f"journal {journal_id} is not an award")
    query = select(PointsEntry).where(PointsEntry.journal_id == journal_id)
    if household_id is not None:
        query = query.where(PointsEntry.household_id == household_id)
    entries = list(session.scalars(query.limit(2)))
    if len(entries) != 1:
        raise DomainError("invalid_input", "name the household whose entry is reversed")
    entry = entries[0]
    key = f"reverse:{journal_id}:{entry.household_id}"
    if session.scalar(select(AwardRequest.id).where(AwardRequest.idempotency_key == key)):
        raise DomainError("duplicate", f"journal {journal_id} already reversed")
    household = session.get(Household, entry.household_id)
    return points.award_points(
        session,
        household,
        delta=-entry.delta,
        actor=actor,
        memo=f"冲正 #{journal.seq}：{reason}"[:500],
        idempotency_key=key,
    )


# --- applications (双向积分认证) ----------------------------------------------------------------


def submit_application(
    session: Session, household: Household, rule: Rule, *, memo: str = "", actor: str
) -> PointsApplication:
    if not rule.is_active:
        raise DomainError("rule_retired", rule.name)
    app = PointsApplication(
        village_id=household.village_id,
        household_id=household.id,
        rule_id=rule.id,
        memo=(memo or "").strip()[:500],
        submitted_by=actor,
        points=rule.points,
    )
    session.add(app)
    session.flush()
    ledger.append(
        session,
        household.village_id,
        "household_change",
        actor=actor,
        ref=f"household:{household.number}",
        memo=f"application #{app.id}: {rule.name} {rule.points:+d} {app.memo}".strip(),
    )
    return app


def pending_applications(session: Session, village_id: int) -> list[PointsApplication]:
    return list(
        session.scalars(
            select(PointsApplication)
            .options(joinedload(PointsApplication.household), joinedload(PointsApplication.rule))
            .where(PointsApplication.village_id == village_id, PointsApplication.state == "pending")
            .order_by(PointsApplication.id)
        )
    )


def _pending(session: Session, village_id: int, application_id: int) -> PointsApplication:
    app = session.get(PointsApplication, application_id)
    if app is None or app.village_id != village_id:
        raise DomainError("invalid_input", f"application {application_id}")
    if app.state != "pending":
        raise DomainError("duplicate", f"application {application_id} already {app.state}")
    return app


def approve_application(
    session: Session, village_id: int, application_id: int, *, actor: str
) -> PointsApplication:
    """The panel agrees: the application becomes an award (keyed, so a double tap awards once)."""
    app = _pending(session, village_id, application_id)
    done = points.award_points(
        session,
        app.household,
        rule=app.rule,
        actor=actor,
        memo=f"申请 #{app.id} {app.memo}".strip(),
        idempotency_key=f"application:{app.id}",
    )
    app.state, app.decided_by, app.decided_at = "approved", actor, utcnow()
    app.journal_id = done.id
    session.flush()
    return app


def reject_application(
    session: Session, village_id: int, application_id: int, *, reason: str, actor: str
) -> PointsApplication:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("reason_required")
    app = _pending(session, village_id, application_id)
    app.state, app.reason, app.decided_by, app.decided_at = "rejected", reason, actor, utcnow()
    session.flush()
    ledger.append(
        session,
        village_id,
        "household_change",
        actor=actor,
        ref=f"household:{app.household.number}",
        memo=f"reject application #{app.id}: {reason}",
    )
    return app


# --- award import -----------------------------------------------------------------------------

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
                    AwardRequest.idempotency_key.in_([x.key for x in lines])
                )
            )
        )
        if lines
        else set()
    )
    running: dict[int, int] = {}
    for x in lines:
        x.done_before = x.key in done
        if x.done_before:
            continue
        bal = running.get(x.household.id, x.household.balance) + x.delta
        running[x.household.id] = bal
        if bal < 0:
            errors.append((x.line, f"户号 {x.household.number} 积分不够扣"))
    errors.sort()
    return ImportPreview(lines, errors)


def apply_award_import(session: Session, village_id: int, rows: list[dict], *, actor: str):
    """Award every row, all or nothing; rows imported before are skipped (same key)."""
    preview = preview_award_import(session, village_id, rows)
    if not preview.ok:
        raise DomainError("invalid_input", f"{len(preview.errors)} bad rows", errors=preview.errors)
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
