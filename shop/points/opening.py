"""Opening balances (期初积分): what each household already had on the paper passbook (or in the
points app used before), carried into the ledger once, as one journaled opening entry per
household with the source named (journal kind `genesis`, ref `opening:<户号>`). A passbook that
stood below zero after deductions opens below zero, as a deduction would leave it.

`preview_opening` reads the file and says what would happen; `apply_opening` writes it all or
nothing, and refuses a file with any bad row. A household that already has its opening entry is
left alone (marked 已导入), so importing the same file twice adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shop import ledger
from shop.db import apply_in_batches
from shop.errors import DomainError
from shop.households.models import Household
from shop.ledger.models import Journal, LedgerHead
from shop.regions.models import Village
from shop.tabular import pick
from shop.words import N_

NUMBER = ("户号", "household", "number")
NAME = ("户主", "head", "name")
POINTS = ("期初积分", "积分", "余额", "积分余额", "points", "balance")
MAX_POINTS = 10_000_000
SOURCE_MAX = 100


@dataclass(frozen=True)
class OpeningRow:
    line: int
    number: str
    head_name: str
    points: int
    balance: int  # the household's balance now
    action: str  # "open" | "already" | "zero"


@dataclass
class OpeningPreview:
    source: str
    rows: list[OpeningRow] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def to_open(self) -> list[OpeningRow]:
        return [r for r in self.rows if r.action == "open"]

    @property
    def total(self) -> int:
        return sum(r.points for r in self.to_open)


def opening_ref(number: str) -> str:
    return f"opening:{number}"


def _clean_source(source: str) -> str:
    source = " ".join((source or "").split())
    if not source:
        raise DomainError("source_required")
    if not source.isprintable():
        raise DomainError("invalid_characters", "source")
    if len(source) > SOURCE_MAX:
        raise DomainError("text_too_long", "source")
    return source


IN_LIST_MAX = 2_000  # one batch's numbers, well under SQLite's 32,766 parameters


def _points(text: str) -> int | None:
    text = (text or "").replace(",", "").replace("，", "").strip()
    if text.endswith(".0"):
        text = text[:-2]
    if not text.lstrip("-").isdigit() or len(text) > 12:
        return None
    return int(text)


def preview_opening(
    session: Session, village: Village, rows: list[dict[str, str]], *, source: str
) -> OpeningPreview:
    """What the file would open, row by row, and every bad row with its reason."""
    preview = OpeningPreview(source=_clean_source(source))
    if rows and not any(pick(r, *NUMBER) or pick(r, *POINTS) for r in rows if r):
        raise DomainError("opening_columns_missing", "no 户号 and 期初积分 columns")
    households = select(Household).where(Household.village_id == village.id)
    refs = select(Journal.ref).where(
        Journal.village_id == village.id,
        Journal.kind == "genesis",
        Journal.ref.like("opening:%"),
    )
    numbers = {pick(r, *NUMBER) for r in rows if r} - {""}
    if len(numbers) <= IN_LIST_MAX:
        # A batch of a long import (shop.db.apply_in_batches) reads its own households only,
        # not the whole village once per batch.
        households = households.where(Household.number.in_(numbers))
        refs = refs.where(Journal.ref.in_([opening_ref(n) for n in numbers]))
    by_number = {h.number: h for h in session.scalars(households)}
    opened = set(session.scalars(refs))
    seen: set[str] = set()
    for line, row in enumerate(rows, start=2):
        if not row:
            continue
        number = pick(row, *NUMBER)
        name = pick(row, *NAME)
        points = _points(pick(row, *POINTS))
        household = by_number.get(number)
        if not number:
            preview.errors.append((line, N_("缺少户号")))
        elif number in seen:
            preview.errors.append((line, N_("户号在文件里重复")))
        elif household is None:
            preview.errors.append((line, N_("没有这一户，请先导入名册")))
        elif name and name != household.head_name:
            preview.errors.append((line, N_("户主和名册不一致")))
        elif points is None:
            preview.errors.append((line, N_("期初积分不是整数")))
        elif abs(points) > MAX_POINTS:
            preview.errors.append((line, N_("期初积分太大")))
        else:
            if opening_ref(number) in opened:
                action = "already"
            elif points == 0:
                action = "zero"
            else:
                action = "open"
            preview.rows.append(
                OpeningRow(line, number, household.head_name, points, household.balance, action)
            )
        if number:
            seen.add(number)
    return preview


def import_opening(
    open_unit,
    village_id: int,
    rows: list[dict[str, str]],
    *,
    source: str,
    actor: str,
    read_unit=None,
) -> OpeningPreview:
    """The opening import as the back-office runs it: the whole file checked first, then
    applied in short transactions that leave room for sales (shop.db.apply_in_batches). Safe
    to run again: a household already opened is skipped. `read_unit` (a read-only unit of work)
    checks the file without taking the write lock."""
    with (read_unit or open_unit)() as session:
        checked = preview_opening(session, session.get(Village, village_id), rows, source=source)
    if not checked.ok:
        raise DomainError("file_has_bad_rows", f"{len(checked.errors)} bad rows")
    done = apply_in_batches(
        open_unit,
        rows,
        lambda session, batch: apply_opening(
            session, session.get(Village, village_id), list(batch), source=source, actor=actor
        ),
    )
    return OpeningPreview(checked.source, [row for part in done for row in part.rows], [])


def apply_opening(
    session: Session, village: Village, rows: list[dict[str, str]], *, source: str, actor: str
) -> OpeningPreview:
    """Write one opening entry per household to open; all or nothing. Flushes; the edge commits.

    The village's chain head is locked first (a second import waits here), so the households
    already opened are read once, under the lock, not once per row (a scan of the journal each:
    12,000 rows took minutes)."""
    session.execute(
        select(LedgerHead.seq).where(LedgerHead.village_id == village.id).with_for_update()
    )
    preview = preview_opening(session, village, rows, source=source)
    if not preview.ok:
        raise DomainError("file_has_bad_rows", f"{len(preview.errors)} bad rows")
    numbers = [row.number for row in preview.to_open]
    ids = dict(
        session.execute(
            select(Household.number, Household.id).where(
                Household.village_id == village.id, Household.number.in_(numbers)
            )
        ).all()
    ) if numbers else {}  # fmt: skip
    for row in preview.to_open:
        household = session.get(Household, ids[row.number])  # loaded by the preview
        balance = session.execute(
            update(Household)
            .execution_options(synchronize_session=False)
            .where(Household.id == household.id)
            .values(balance=Household.balance + row.points)
            .returning(Household.balance)
        ).scalar_one()
        ledger.append(
            session,
            village.id,
            "genesis",
            actor=actor,
            ref=opening_ref(row.number),
            memo=preview.source,  # the source, as the clerk named it; the kind says the rest
            points=[ledger.Posting(household.id, row.points, balance, None)],
        )
        session.expire(household, ["balance"])
    return preview
